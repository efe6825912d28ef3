/*
** redis-fleet.c — one gateway process of the Redis fleet test (scripts/test-fleet.sh):
** threads deciding with commit for 200 users shared with other processes, through
** libengage.so and one redis-server, while the script kills, freezes or flushes it.
**
**   ./redis-fleet run PORT PREFIX NAME THREADS MS TIMEOUT_MS PACE_MS OUT
**       decide for MS milliseconds on THREADS threads, each pausing PACE_MS between
**       decisions (0: none; a pace keeps messages flowing while a fault is injected,
**       rather than every cap being full within the first second); write per user what this process
**       was told (messages shown per campaign, decisions served) to OUT; print counts
**       and latencies.
**   ./redis-fleet check PORT PREFIX exact|faults OUT...
**       read every user back from Redis (engage_export_user) and check, per user:
**       campaign and global caps never exceeded; nothing acknowledged lost (every
**       message shown and every event of a decision served is in Redis); with `exact`
**       (no fault injected), shown = min(limit, decisions) and Redis = what was shown.
**   ./redis-fleet storm PORT PREFIX PROC THREADS MS DRAIN_MS OUT
**   ./redis-fleet forget PORT PREFIX DELAY_MS OUT
**   ./redis-fleet storm-check PORT PREFIX FORGET OUT1 OUT2
**       erasure during a storm (the `erase` case; below, before storm()): two storm
**       processes decide for u and 50 others and drain, `forget` erases u mid-storm,
**       storm-check finds nothing of u's from before the erasure in Redis or in any
**       engine's drains, and the other users untouched (docs/state.md).
**
** Campaigns: "a" (priority 2) and "b" (priority 1), each capped at 3 a day, and a
** global cap of 4 a day: a user who is asked enough sees a×3 then b×1. Every request
** carries an event, so every decision served writes (the event), shown or not.
*/
#define _DEFAULT_SOURCE
#include <engage.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S(s) (s), strlen(s)
#define USERS 200
#define CAP 3
#define GLOBAL 4

static const char *SET =
    "{\"version\": 1, \"policies\": {\"global_caps\": [{\"count\": 4, \"window\": \"1d\"}]}, \"campaigns\": ["
    "{\"id\": \"a\", \"purpose\": \"service\", \"status\": \"active\", \"priority\": 2, \"placements\": [\"home\"],"
    " \"caps\": [{\"count\": 3, \"window\": \"1d\"}], \"channels\": {\"in_app\": {\"payload\": {\"t\": \"a\"}}}},"
    "{\"id\": \"b\", \"purpose\": \"service\", \"status\": \"active\", \"priority\": 1, \"placements\": [\"home\"],"
    " \"caps\": [{\"count\": 3, \"window\": \"1d\"}], \"channels\": {\"in_app\": {\"payload\": {\"t\": \"b\"}}}}]}";

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* An engine on the server at PORT, keys under PREFIX, with the campaign set `set`;
** `retention` is the config's limits.history_retention. */
static engage_engine *open_engine_with(const char *port, const char *prefix, int timeout_ms, const char *set,
                                       const char *retention) {
    char config[512], *out = NULL;
    size_t n = 0;
    snprintf(config, sizeof config, "{\"store\": {\"kind\": \"redis\", \"address\": \"127.0.0.1:%s\", \"key_prefix\": \"%s\","
             " \"timeout_ms\": %d, \"pool_size\": 16}, \"limits\": {\"history_retention\": \"%s\"}}", port, prefix, timeout_ms,
             retention);
    engage_engine *e = NULL;
    if (engage_engine_open(S(config), &e, &out, &n) != ENGAGE_OK) {
        fprintf(stderr, "redis-fleet: open: %s\n", out ? out : "");
        exit(2);
    }
    engage_free(out);
    out = NULL;
    if (engage_load_campaigns(e, S(set), &out, &n) != ENGAGE_OK) {
        fprintf(stderr, "redis-fleet: load: %s\n", out ? out : "");
        exit(2);
    }
    engage_free(out);
    return e;
}

static engage_engine *open_engine(const char *port, const char *prefix, int timeout_ms) {
    return open_engine_with(port, prefix, timeout_ms, SET, "35d");
}

/* ---- run ------------------------------------------------------------------------- */

static engage_engine *engine;
static double started, deadline, limit_ms;
static double first_closed = -1, last_closed = -1;
static int trace;   /* FLEET_TRACE set: every decision that failed closed, on stderr */
static int pace_ms;
static int shown[USERS][2], served[USERS];
static long decisions, unavailable, errors, slow;
static double worst, worst_unavailable;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg) {
    unsigned seed = (unsigned)(size_t)arg * 7919u + (unsigned)time(NULL);
    char req[256], *out = NULL;
    size_t n = 0;
    while (now_ms() < deadline) {
        int u = rand_r(&seed) % USERS;
        snprintf(req, sizeof req, "{\"user_id\": \"user-%d\", \"placement\": \"home\", \"event\": {\"name\": \"view\"},"
                 " \"app\": {\"foreground\": true}}", u);
        double t0 = now_ms();
        int32_t st = engage_decide(engine, S(req), &out, &n);
        double took = now_ms() - t0;
        int closed = st == ENGAGE_OK && strstr(out, "\"store\":\"unavailable\"") != NULL;
        pthread_mutex_lock(&lock);
        decisions++;
        if (took > worst) worst = took;
        if (took > limit_ms) slow++;
        if (st != ENGAGE_OK) {
            if (errors++ < 5) fprintf(stderr, "redis-fleet: %s: %s\n", engage_status_string(st), out ? out : "");
        } else if (closed) {
            unavailable++;
            if (took > worst_unavailable) worst_unavailable = took;
            if (first_closed < 0) first_closed = t0 - started;
            last_closed = t0 - started;
            if (trace) fprintf(stderr, "%.0f ms: %s\n", t0 - started, out);
            if (strstr(out, "\"campaign\"")) { fprintf(stderr, "redis-fleet: a message with the store unavailable\n"); errors++; }
        } else {
            served[u]++;
            if (strstr(out, "\"campaign\":\"a\"")) shown[u][0]++;
            if (strstr(out, "\"campaign\":\"b\"")) shown[u][1]++;
        }
        pthread_mutex_unlock(&lock);
        engage_free(out);
        out = NULL;
        if (pace_ms > 0) {
            struct timespec pause = {pace_ms / 1000, (long)(pace_ms % 1000) * 1000000L};
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

static int run(int argc, char **argv) {
    if (argc < 10) return 2;
    const char *port = argv[2], *prefix = argv[3], *name = argv[4], *path = argv[9];
    int threads = atoi(argv[5]), ms = atoi(argv[6]), timeout_ms = atoi(argv[7]);
    pace_ms = atoi(argv[8]);
    if (threads < 1 || threads > 64 || ms < 1 || timeout_ms < 1 || pace_ms < 0 || pace_ms > 10000) return 2;
    engine = open_engine(port, prefix, timeout_ms);
    limit_ms = timeout_ms + 150.0;   /* timeout + margin: a loaded 2-core machine */
    trace = getenv("FLEET_TRACE") != NULL;
    started = now_ms();
    deadline = started + ms;
    pthread_t t[64];
    for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, worker, (void *)(size_t)(i + 1));
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); return 2; }
    long total = 0;
    for (int u = 0; u < USERS; u++) {
        fprintf(f, "%d %d %d %d\n", u, shown[u][0], shown[u][1], served[u]);
        total += shown[u][0] + shown[u][1];
    }
    fclose(f);
    printf("fleet %s: %ld decisions on %d threads in %d ms (pace %d ms), %ld messages shown, %ld failed closed (store unavailable),"
           " %ld errors, slowest %.1f ms (failed closed: %.1f ms), %ld over %.0f ms",
           name, decisions, threads, ms, pace_ms, total, unavailable, errors, worst, worst_unavailable, slow, limit_ms);
    if (unavailable > 0) printf("; failed closed from %.0f to %.0f ms", first_closed, last_closed);
    printf("\n");
    engage_engine_close(engine);
    return errors == 0 && slow == 0 ? 0 : 1;
}

/* ---- check ----------------------------------------------------------------------- */

/* Lifetime impressions of campaign `name`, and events "view", in an export. */
static void counts(json_object *d, int *a, int *b, int *all, int *views) {
    json_object *list, *x;
    *a = *b = *all = *views = 0;
    if (json_object_object_get_ex(d, "impressions", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *l = json_object_array_get_idx(list, i), *scope, *name, *total;
            if (!json_object_object_get_ex(l, "scope", &scope) || !json_object_object_get_ex(l, "name", &name) ||
                !json_object_object_get_ex(l, "total", &total)) continue;
            int n = json_object_get_int(total);
            if (!strcmp(json_object_get_string(scope), "campaign")) {
                if (!strcmp(json_object_get_string(name), "a")) *a = n;
                if (!strcmp(json_object_get_string(name), "b")) *b = n;
            }
            if (!strcmp(json_object_get_string(scope), "all")) *all = n;
        }
    if (json_object_object_get_ex(d, "behaviour", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *s = json_object_array_get_idx(list, i), *ev, *hours;
            if (!json_object_object_get_ex(s, "event", &ev) || strcmp(json_object_get_string(ev), "view")) continue;
            if (!json_object_object_get_ex(s, "hours", &hours)) continue;
            for (size_t h = 0; h < json_object_array_length(hours); h++)
                if (json_object_object_get_ex(json_object_array_get_idx(hours, h), "count", &x)) *views += json_object_get_int(x);
        }
}

static int min(int a, int b) { return a < b ? a : b; }

static int check(int argc, char **argv) {
    if (argc < 6) return 2;
    int exact = !strcmp(argv[4], "exact");
    int ack[USERS][3] = {{0}};
    for (int i = 5; i < argc; i++) {
        FILE *f = fopen(argv[i], "r");
        if (!f) { perror(argv[i]); return 2; }
        int u, a, b, s;
        while (fscanf(f, "%d %d %d %d", &u, &a, &b, &s) == 4)
            if (u >= 0 && u < USERS) { ack[u][0] += a; ack[u][1] += b; ack[u][2] += s; }
        fclose(f);
    }
    engage_engine *e = open_engine(argv[2], argv[3], 2000);
    int over = 0, lost = 0, inexact = 0, failed = 0;
    long in_redis = 0, acknowledged = 0, extra = 0;
    for (int u = 0; u < USERS; u++) {
        char id[32], *out = NULL;
        size_t n = 0;
        snprintf(id, sizeof id, "user-%d", u);
        if (engage_export_user(e, S(id), &out, &n) != ENGAGE_OK) { failed++; engage_free(out); continue; }
        json_object *d = json_tokener_parse(out);
        engage_free(out);
        int a, b, all, views;
        counts(d, &a, &b, &all, &views);
        json_object_put(d);
        in_redis += a + b;
        acknowledged += ack[u][0] + ack[u][1];
        extra += (a + b) - (ack[u][0] + ack[u][1]);
        if (a > CAP || b > CAP || a + b > GLOBAL || all > GLOBAL) {
            if (over++ < 5) fprintf(stderr, "user-%d: a %d, b %d, all %d: over a cap\n", u, a, b, all);
        }
        if (a < ack[u][0] || b < ack[u][1] || views < ack[u][2]) {
            if (lost++ < 5) fprintf(stderr, "user-%d: Redis a %d b %d views %d < shown a %d b %d served %d: lost\n",
                                    u, a, b, views, ack[u][0], ack[u][1], ack[u][2]);
        }
        if (exact && (ack[u][0] != min(CAP, ack[u][2]) || ack[u][0] + ack[u][1] != min(GLOBAL, ack[u][2]) ||
                      a != ack[u][0] || b != ack[u][1] || views != ack[u][2])) {
            if (inexact++ < 5) fprintf(stderr, "user-%d: shown a %d b %d of %d decisions; Redis a %d b %d views %d: not exact\n",
                                       u, ack[u][0], ack[u][1], ack[u][2], a, b, views);
        }
    }
    engage_engine_close(e);
    printf("check (%s): %d users, %ld impressions in Redis, %ld acknowledged (%ld committed but not shown),"
           " %d over a cap, %d with an acknowledged write lost, %d not exact, %d unreadable\n",
           argv[4], USERS, in_redis, acknowledged, extra, over, lost, inexact, failed);
    return over || lost || inexact || failed ? 1 : 0;
}

/* ---- erasure during a storm ------------------------------------------------------ */

/* `storm`: THREADS threads decide for the user "u" (half of the decisions) and for 50
** other users "v-N", flat out, while a drain thread drains the exposure log every
** DRAIN_MS; another process (`forget`) erases u mid-storm. One uncapped campaign: every
** decision shows it, commits one impression and queues one exposure. Every decision
** for u has its own `now`, BASE plus k hours (k unique across the fleet), so that the
** state (exact times, and hourly counts of 1) and every exposure record (`time`) name
** the decisions they came from. history_retention 3650d keeps all k (below 32,000). */
#define HOUR 3600000LL
#define BASE 1800000000000LL        /* an hour boundary (2027-01-15) */
#define OTHERS 50
#define PER_THREAD 2000             /* most decisions for u per thread */
#define MAX_THREADS 8
#define MAX_DRAINS 4096

static const char *STORM_SET =
    "{\"version\": 1, \"campaigns\": [{\"id\": \"s\", \"purpose\": \"service\", \"status\": \"active\","
    " \"placements\": [\"home\"], \"channels\": {\"push\": {\"payload\": {\"t\": \"s\"}}}}]}";

/* One decision for u: its times (monotonic ms, one clock for every process of the
** machine), outcome and the drain that returned its exposure (-1: none). Outcomes: 1
** shown; 0 no message; -2 failed closed after 64 conflicting writes in a row (16 threads
** on one key, a loaded machine: nothing written); -1 failed otherwise (a timeout: the
** write may have landed). */
typedef struct { double start, end; int status, drain; } udecision;

typedef struct {
    engage_engine *engine;
    int proc, threads, drain_ms;
    double deadline;
    pthread_mutex_t lock;
    udecision u[MAX_THREADS * PER_THREAD];
    int made[MAX_THREADS];                   /* decisions for u per thread */
    int shown[OTHERS], served[OTHERS], drained[OTHERS];
    double drain_start[MAX_DRAINS], drain_end[MAX_DRAINS];
    int drains, stop;
    long errors, closed, stray, twice;       /* failures, others' decisions failed closed, unknown records, a record drained twice */
    int told;                                /* decisions that failed closed, shown on stderr */
} storm_run;

typedef struct { storm_run *run; int thread; } storm_arg;

static long storm_k(int proc, int threads, int idx) { return (long)(proc - 1) * threads * PER_THREAD + idx; }

static void *storm_worker(void *p) {
    storm_arg *a = p;
    storm_run *r = a->run;
    unsigned seed = (unsigned)a->thread * 7919u + (unsigned)r->proc * 104729u + (unsigned)time(NULL);
    char req[256], *out = NULL;
    size_t n = 0;
    while (now_ms() < r->deadline) {
        int for_u = r->made[a->thread] < PER_THREAD && rand_r(&seed) % 2 == 0;
        int v = rand_r(&seed) % OTHERS, idx = a->thread * PER_THREAD + r->made[a->thread];
        if (for_u)
            snprintf(req, sizeof req, "{\"user_id\": \"u\", \"placements\": [\"home\"], \"now\": %lld}",
                     BASE + storm_k(r->proc, r->threads, idx) * HOUR);
        else
            snprintf(req, sizeof req, "{\"user_id\": \"v-%d\", \"placements\": [\"home\"], \"now\": %lld}", v, BASE);
        double t0 = now_ms();
        int32_t st = engage_decide(r->engine, S(req), &out, &n);
        double t1 = now_ms();
        int status = st != ENGAGE_OK ? -1
                   : strstr(out, "\"store\":\"unavailable\"") ? (strstr(out, "conflicting writes in a row") ? -2 : -1)
                   : strstr(out, "\"campaign\":\"s\"") ? 1 : 0;
        pthread_mutex_lock(&r->lock);
        if (st != ENGAGE_OK && r->errors < 5) fprintf(stderr, "redis-fleet: %s: %s\n", engage_status_string(st), out ? out : "");
        if (st == ENGAGE_OK && status < 0 && r->told++ < 10) fprintf(stderr, "redis-fleet: %s failed closed after %.1f ms: %s\n", for_u ? "u" : "another user", t1 - t0, out);
        if (st != ENGAGE_OK) r->errors++;
        else if (status < 0 && !for_u) r->closed++;
        if (for_u) {
            r->u[idx].start = t0;
            r->u[idx].end = t1;
            r->u[idx].status = status;
            r->made[a->thread]++;
        } else {
            r->served[v] += status >= 0;
            r->shown[v] += status == 1;
        }
        pthread_mutex_unlock(&r->lock);
        engage_free(out);
        out = NULL;
    }
    return NULL;
}

/* Drains every queued exposure and notes which decision each came from. */
static void storm_drain(storm_run *r) {
    char *out = NULL;
    size_t n = 0;
    double t0 = now_ms();
    int32_t st = engage_drain_exposures(r->engine, 0, &out, &n);
    double t1 = now_ms();
    json_object *list = st == ENGAGE_OK ? json_tokener_parse(out) : NULL;
    engage_free(out);
    pthread_mutex_lock(&r->lock);
    if (!list || !json_object_is_type(list, json_type_array) || r->drains >= MAX_DRAINS) {
        r->errors++;
        pthread_mutex_unlock(&r->lock);
        json_object_put(list);
        return;
    }
    int d = r->drains++;
    r->drain_start[d] = t0;
    r->drain_end[d] = t1;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *x = json_object_array_get_idx(list, i), *user, *when;
        if (!json_object_object_get_ex(x, "user_id", &user) || !json_object_object_get_ex(x, "time", &when)) { r->stray++; continue; }
        const char *id = json_object_get_string(user);
        long long t = json_object_get_int64(when);
        int v;
        char end;
        if (!strcmp(id, "u")) {
            long idx = (t - BASE) / HOUR - storm_k(r->proc, r->threads, 0);
            if ((t - BASE) % HOUR != 0 || idx < 0 || idx >= (long)r->threads * PER_THREAD) { r->stray++; continue; }
            if (r->u[idx].drain >= 0) r->twice++;
            else r->u[idx].drain = d;
        } else if (sscanf(id, "v-%d%c", &v, &end) == 1 && v >= 0 && v < OTHERS && t == BASE) {
            r->drained[v]++;
        } else {
            r->stray++;
        }
    }
    pthread_mutex_unlock(&r->lock);
    json_object_put(list);
}

static void *storm_drainer(void *p) {
    storm_run *r = p;
    struct timespec pause = {r->drain_ms / 1000, (long)(r->drain_ms % 1000) * 1000000L};
    for (;;) {
        pthread_mutex_lock(&r->lock);
        int stop = r->stop;
        pthread_mutex_unlock(&r->lock);
        if (stop) return NULL;
        nanosleep(&pause, NULL);
        storm_drain(r);
    }
}

/* A number member of the engine's stats, or -1. */
static long stat_of(engage_engine *e, const char *name) {
    char *out = NULL;
    size_t n = 0;
    long v = -1;
    if (engage_stats(e, &out, &n) == ENGAGE_OK) {
        json_object *d = json_tokener_parse(out), *x;
        if (d && json_object_object_get_ex(d, name, &x)) v = json_object_get_int64(x);
        json_object_put(d);
    }
    engage_free(out);
    return v;
}

/* The decisions k whose impression u's state holds, read through engine e, in kept
** (a bitmap over every k); the number held, or -1 with a reason on stderr when the
** state is not made of such impressions (an hour counted twice, a time off the grid,
** scopes that disagree). */
#define ALL_K (2 * MAX_THREADS * PER_THREAD)
static int export_u(engage_engine *e, unsigned char *kept) {
    char *out = NULL;
    size_t n = 0;
    memset(kept, 0, ALL_K);
    if (engage_export_user(e, S("u"), &out, &n) != ENGAGE_OK) {
        fprintf(stderr, "export u: %s\n", out ? out : "");
        engage_free(out);
        return -1;
    }
    json_object *d = json_tokener_parse(out), *list, *x;
    engage_free(out);
    int held = 0, bad = 0, total = -1;
    if (d && json_object_object_get_ex(d, "impressions", &list))
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *l = json_object_array_get_idx(list, i), *scope, *name, *t, *times, *hours;
            if (!json_object_object_get_ex(l, "scope", &scope) || !json_object_object_get_ex(l, "total", &t)) { bad++; continue; }
            /* Every scope (campaign s, its channel, purpose, all) counts the same impressions. */
            if (total >= 0 && json_object_get_int(t) != total) bad++;
            total = json_object_get_int(t);
            if (strcmp(json_object_get_string(scope), "campaign") || !json_object_object_get_ex(l, "name", &name) ||
                strcmp(json_object_get_string(name), "s")) continue;
            /* One time per impression kept: at most one per decision of the fleet. */
            static long long at[ALL_K];
            int count = 0;
            if (json_object_object_get_ex(l, "recent", &times))
                for (size_t j = 0; j < json_object_array_length(times) && count < ALL_K; j++)
                    at[count++] = json_object_get_int64(json_object_array_get_idx(times, j));
            if (json_object_object_get_ex(l, "hours", &hours))
                for (size_t j = 0; j < json_object_array_length(hours) && count < ALL_K; j++) {
                    json_object *h = json_object_array_get_idx(hours, j), *start, *c;
                    if (!json_object_object_get_ex(h, "start", &start) || !json_object_object_get_ex(h, "count", &c) ||
                        json_object_get_int(c) != 1) { bad++; continue; }
                    at[count++] = json_object_get_int64(start);
                }
            for (int j = 0; j < count; j++) {
                long long k = (at[j] - BASE) / HOUR;
                if ((at[j] - BASE) % HOUR != 0 || k < 0 || k >= ALL_K || kept[k]) { bad++; continue; }
                kept[k] = 1;
                held++;
            }
        }
    if (d && json_object_object_get_ex(d, "behaviour", &x) && json_object_array_length(x) > 0) bad++;
    json_object_put(d);
    if (bad || (total >= 0 && total != held)) {
        fprintf(stderr, "export u: %d impressions named, lifetime total %d, %d malformed\n", held, total, bad);
        return -1;
    }
    return held;
}

/* ./redis-fleet storm PORT PREFIX PROC THREADS MS DRAIN_MS OUT */
static int storm(int argc, char **argv) {
    if (argc < 9) return 2;
    static storm_run r;      /* large: not on the stack */
    r.proc = atoi(argv[4]);
    r.threads = atoi(argv[5]);
    int ms = atoi(argv[6]);
    r.drain_ms = atoi(argv[7]);
    if (r.proc < 1 || r.proc > 2 || r.threads < 1 || r.threads > MAX_THREADS || ms < 1 || r.drain_ms < 1) return 2;
    pthread_mutex_init(&r.lock, NULL);
    for (int i = 0; i < MAX_THREADS * PER_THREAD; i++) r.u[i].drain = -1;
    r.engine = open_engine_with(argv[2], argv[3], 2000, STORM_SET, "3650d");
    r.deadline = now_ms() + ms;
    pthread_t t[MAX_THREADS], drainer;
    storm_arg args[MAX_THREADS];
    pthread_create(&drainer, NULL, storm_drainer, &r);
    for (int i = 0; i < r.threads; i++) {
        args[i] = (storm_arg){&r, i};
        pthread_create(&t[i], NULL, storm_worker, &args[i]);
    }
    for (int i = 0; i < r.threads; i++) pthread_join(t[i], NULL);
    pthread_mutex_lock(&r.lock);
    r.stop = 1;
    pthread_mutex_unlock(&r.lock);
    pthread_join(drainer, NULL);
    storm_drain(&r);         /* the last drain: every decision has returned */
    FILE *f = fopen(argv[8], "w");
    if (!f) { perror(argv[8]); return 2; }
    fprintf(f, "run %d %d %ld %ld %ld %ld %ld %ld %ld\n", r.proc, r.threads, r.errors, r.closed, r.stray, r.twice,
            stat_of(r.engine, "exposures_erased"), stat_of(r.engine, "erasures_received"), stat_of(r.engine, "erasure_gaps"));
    for (int d = 0; d < r.drains; d++) fprintf(f, "drain %d %.3f %.3f\n", d, r.drain_start[d], r.drain_end[d]);
    long for_u = 0, others = 0;
    for (int th = 0; th < r.threads; th++)
        for (int i = 0; i < r.made[th]; i++) {
            int idx = th * PER_THREAD + i;
            udecision *x = &r.u[idx];
            fprintf(f, "u %ld %.3f %.3f %d %d\n", storm_k(r.proc, r.threads, idx), x->start, x->end, x->status, x->drain);
            for_u++;
        }
    for (int v = 0; v < OTHERS; v++) {
        fprintf(f, "v %d %d %d %d\n", v, r.shown[v], r.served[v], r.drained[v]);
        others += r.served[v];
    }
    /* What this engine reads of u after the storm (it keeps nothing of its own). */
    static unsigned char kept[ALL_K];
    int held = export_u(r.engine, kept);
    fprintf(f, "export %d", held);
    for (int k = 0; k < ALL_K; k++) if (kept[k]) fprintf(f, " %d", k);
    fprintf(f, "\n");
    fclose(f);
    printf("storm %d: %ld decisions for u, %ld for 50 others on %d threads in %d ms, %d drains, %ld failed closed, %ld errors\n",
           r.proc, for_u, others, r.threads, ms, r.drains, r.closed, r.errors);
    engage_engine_close(r.engine);
    return 0;
}

/* ./redis-fleet forget PORT PREFIX DELAY_MS OUT: erase u after DELAY_MS, from an engine
** of its own; writes when the call started and returned. */
static int forget(int argc, char **argv) {
    if (argc < 6) return 2;
    int delay = atoi(argv[4]);
    if (delay < 0 || delay > 60000) return 2;
    engage_engine *e = open_engine_with(argv[2], argv[3], 2000, STORM_SET, "3650d");
    struct timespec pause = {delay / 1000, (long)(delay % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    char *out = NULL;
    size_t n = 0;
    double t0 = now_ms();
    int32_t st = engage_forget_user(e, S("u"), &out, &n);
    double t1 = now_ms();
    if (st != ENGAGE_OK) fprintf(stderr, "redis-fleet: forget u: %s: %s\n", engage_status_string(st), out ? out : "");
    engage_free(out);
    engage_engine_close(e);
    FILE *f = fopen(argv[5], "w");
    if (!f) { perror(argv[5]); return 2; }
    fprintf(f, "%.3f %.3f\n", t0, t1);
    fclose(f);
    printf("forget u at %d ms: %s in %.1f ms\n", delay, engage_status_string(st), t1 - t0);
    return st == ENGAGE_OK ? 0 : 1;
}

/* ./redis-fleet storm-check PORT PREFIX FORGET OUT...: the erasure left nothing of u's
** from before it, in Redis (read by a fresh engine) or in any engine (its export of u,
** its drained exposures), and every other user is untouched. */
typedef struct { long k; double start, end; int status, drain, proc; } seen;

static int storm_check(int argc, char **argv) {
    if (argc < 6) return 2;
    double fs, fe;                      /* the forget call: started, returned */
    FILE *f = fopen(argv[4], "r");
    if (!f || fscanf(f, "%lf %lf", &fs, &fe) != 2) { fprintf(stderr, "storm-check: no forget times in %s\n", argv[4]); return 1; }
    fclose(f);
    static seen all[ALL_K];
    static unsigned char kept[ALL_K], theirs[ALL_K];
    static double drain_start[2][MAX_DRAINS], drain_end[2][MAX_DRAINS];
    int ndrains[2] = {0, 0}, nall = 0, problems = 0;
    long shown_v[OTHERS] = {0};
    long erased_stat[2] = {0, 0}, received[2] = {0, 0}, gaps[2] = {0, 0};
    engage_engine *e = open_engine_with(argv[2], argv[3], 2000, STORM_SET, "3650d");
    int held = export_u(e, kept);
    if (held < 0) problems++;
#define PROBLEM(...) do { if (problems++ < 8) fprintf(stderr, __VA_ARGS__); } while (0)
    for (int i = 5; i < argc && i < 7; i++) {
        int p = i - 5;
        f = fopen(argv[i], "r");
        if (!f) { perror(argv[i]); return 1; }
        char tag[16];
        while (fscanf(f, "%15s", tag) == 1) {
            if (!strcmp(tag, "run")) {
                int proc, threads;
                long errors, closed, stray, twice;
                if (fscanf(f, "%d %d %ld %ld %ld %ld %ld %ld %ld", &proc, &threads, &errors, &closed, &stray, &twice,
                           &erased_stat[p], &received[p], &gaps[p]) != 9) break;
                if (errors || closed || stray || twice)
                    PROBLEM("%s: %ld errors, %ld failed closed, %ld records of no decision, %ld drained twice\n", argv[i], errors, closed, stray, twice);
            } else if (!strcmp(tag, "drain")) {
                int d;
                double s, t;
                if (fscanf(f, "%d %lf %lf", &d, &s, &t) != 3 || d != ndrains[p] || d >= MAX_DRAINS) break;
                drain_start[p][d] = s;
                drain_end[p][d] = t;
                ndrains[p]++;
            } else if (!strcmp(tag, "u")) {
                seen x = {.proc = p};
                if (fscanf(f, "%ld %lf %lf %d %d", &x.k, &x.start, &x.end, &x.status, &x.drain) != 5 || nall >= ALL_K ||
                    x.k < 0 || x.k >= ALL_K || x.drain >= ndrains[p]) break;
                all[nall++] = x;
            } else if (!strcmp(tag, "v")) {
                int v, shown, served, drained;
                if (fscanf(f, "%d %d %d %d", &v, &shown, &served, &drained) != 4 || v < 0 || v >= OTHERS) break;
                shown_v[v] += shown;
                if (shown != served || drained != shown)
                    PROBLEM("%s: v-%d: %d decisions, %d shown, %d exposures drained: another user touched\n", argv[i], v, served, shown, drained);
            } else if (!strcmp(tag, "export")) {
                int count, k;
                if (fscanf(f, "%d", &count) != 1) break;
                memset(theirs, 0, ALL_K);
                for (int j = 0; j < count && fscanf(f, "%d", &k) == 1; j++) if (k >= 0 && k < ALL_K) theirs[k] = 1;
                if (count != held || memcmp(theirs, kept, ALL_K))
                    PROBLEM("%s: this engine reads %d impressions of u, a fresh engine %d (or others)\n", argv[i], count, held);
            } else {
                PROBLEM("%s: unexpected '%s'\n", argv[i], tag);
                break;
            }
        }
        if (!feof(f)) PROBLEM("%s: unreadable after %d decisions\n", argv[i], nall);
        fclose(f);
    }
    /* (1) u's state: nothing acknowledged before the forget was called; everything
    ** started after it returned; commits being linearizable, a commit kept means every
    ** commit started after it ended is kept too (none from before resurrected). */
    int before = 0, after = 0, straddling = 0, during_kept = 0, failed = 0;
    double first_kept_end = 1e300;
    for (int i = 0; i < nall; i++) {
        seen *x = &all[i];
        if (kept[x->k]) { if (x->end < first_kept_end) first_kept_end = x->end; }
        if (x->status == 0) PROBLEM("u decision %ld: no message\n", x->k);
        if (x->status == -2 && kept[x->k]) PROBLEM("u decision %ld failed after 64 conflicts, yet its impression is in Redis\n", x->k);
        if (x->status < 0) failed++;
        if (x->status != 1) continue;
        if (x->end < fs) {
            before++;
            if (kept[x->k]) PROBLEM("u decision %ld, acknowledged %.1f ms before the forget, survived it\n", x->k, fs - x->end);
        } else if (x->start > fe) {
            after++;
            if (!kept[x->k]) PROBLEM("u decision %ld, started %.1f ms after the forget returned, is missing\n", x->k, x->start - fe);
        } else {
            straddling++;
            during_kept += kept[x->k];
        }
    }
    int named = 0;
    for (int i = 0; i < nall; i++) {
        named += kept[all[i].k];
        if (all[i].status == 1 && all[i].start > first_kept_end && !kept[all[i].k])
            PROBLEM("u decision %ld started after a kept one ended, yet is missing: an older state resurrected\n", all[i].k);
    }
    if (named != held) PROBLEM("u's state holds %d impressions, %d of them from decisions made\n", held, named);
    if (before == 0 || after == 0) PROBLEM("the storm did not straddle the erasure: %d decisions before, %d after\n", before, after);
    /* (2) exposures: no drain that started after the forget returned gave a record of u
    ** queued before that (the decision had returned); the records of decisions started
    ** after such a drain ended all came out; what never came out is what the engine
    ** says it erased; and records of u were waiting when the erasure came. */
    int dropped_before = 0, late = 0;
    long never[2] = {0, 0};
    double seen_by[2] = {1e300, 1e300};        /* end of each engine's first drain that started after fe */
    for (int p = 0; p < 2; p++)
        for (int d = 0; d < ndrains[p]; d++)
            if (drain_start[p][d] > fe) { seen_by[p] = drain_end[p][d]; break; }
    for (int i = 0; i < nall; i++) {
        seen *x = &all[i];
        int p = x->proc;
        if (x->status != 1) {
            if (x->drain >= 0) PROBLEM("u decision %ld showed nothing, yet an exposure of it was drained\n", x->k);
            continue;
        }
        if (x->drain < 0) {
            never[p]++;
            if (x->end < fe) dropped_before++;
            if (x->start > seen_by[p]) PROBLEM("u decision %ld (engine %d), after the drain that saw the erasure, was never drained\n", x->k, p + 1);
        } else if (drain_start[p][x->drain] > fe && x->end < fe) {
            late++;
            PROBLEM("u decision %ld (engine %d), returned %.1f ms before the forget did, was drained %.1f ms after it: not erased\n",
                    x->k, p + 1, fe - x->end, drain_start[p][x->drain] - fe);
        }
    }
    for (int p = 0; p < 2 && p < argc - 5; p++) {
        if (seen_by[p] > 1e299) PROBLEM("engine %d: no drain started after the forget returned\n", p + 1);
        if (erased_stat[p] != never[p] || received[p] != 1 || gaps[p] != 0)
            PROBLEM("engine %d: stats exposures_erased %ld (records of u never drained: %ld), erasures_received %ld, erasure_gaps %ld\n",
                    p + 1, erased_stat[p], never[p], received[p], gaps[p]);
    }
    if (dropped_before == 0) PROBLEM("no record of u was waiting when the erasure came: nothing was tested\n");
    /* (3) every other user's state holds exactly what was shown. */
    int others_ok = 0;
    for (int v = 0; v < OTHERS; v++) {
        char id[16], *out = NULL;
        size_t n = 0;
        snprintf(id, sizeof id, "v-%d", v);
        if (engage_export_user(e, S(id), &out, &n) != ENGAGE_OK) { PROBLEM("export %s failed\n", id); engage_free(out); continue; }
        json_object *d = json_tokener_parse(out);
        engage_free(out);
        int held_v = 0;
        json_object *list;
        if (d && json_object_object_get_ex(d, "impressions", &list))
            for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *l = json_object_array_get_idx(list, i), *scope, *name, *total;
                if (json_object_object_get_ex(l, "scope", &scope) && !strcmp(json_object_get_string(scope), "campaign") &&
                    json_object_object_get_ex(l, "name", &name) && !strcmp(json_object_get_string(name), "s") &&
                    json_object_object_get_ex(l, "total", &total)) held_v = json_object_get_int(total);
            }
        json_object_put(d);
        if (held_v != shown_v[v]) PROBLEM("%s: %d impressions in Redis, %ld shown\n", id, held_v, shown_v[v]);
        else others_ok++;
    }
    engage_engine_close(e);
    printf("storm-check: forget took %.1f ms; u: %d decisions (%d acknowledged before the forget, %d after it returned, %d during it,"
           " %d of those kept; %d failed closed), %d impressions in Redis; %d records of u from before the erasure dropped, %d drained after it;"
           " %d of %d other users exact; %d problems\n",
           fe - fs, nall, before, after, straddling, during_kept, failed, held, dropped_before, late, others_ok, OTHERS, problems);
    return problems ? 1 : 0;
}

int main(int argc, char **argv) {
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "run")) rc = run(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "check")) rc = check(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "storm")) rc = storm(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "forget")) rc = forget(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "storm-check")) rc = storm_check(argc, argv);
    if (rc == 2) fprintf(stderr, "usage: redis-fleet run PORT PREFIX NAME THREADS MS TIMEOUT_MS PACE_MS OUT\n"
                                 "       redis-fleet check PORT PREFIX exact|faults OUT...\n"
                                 "       redis-fleet storm PORT PREFIX PROC THREADS MS DRAIN_MS OUT\n"
                                 "       redis-fleet forget PORT PREFIX DELAY_MS OUT\n"
                                 "       redis-fleet storm-check PORT PREFIX FORGET OUT1 OUT2\n");
    return rc;
}

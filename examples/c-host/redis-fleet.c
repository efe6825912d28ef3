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

static engage_engine *open_engine(const char *port, const char *prefix, int timeout_ms) {
    char config[512], *out = NULL;
    size_t n = 0;
    snprintf(config, sizeof config, "{\"store\": {\"kind\": \"redis\", \"address\": \"127.0.0.1:%s\", \"key_prefix\": \"%s\","
             " \"timeout_ms\": %d, \"pool_size\": 16}}", port, prefix, timeout_ms);
    engage_engine *e = NULL;
    if (engage_engine_open(S(config), &e, &out, &n) != ENGAGE_OK) {
        fprintf(stderr, "redis-fleet: open: %s\n", out ? out : "");
        exit(2);
    }
    engage_free(out);
    out = NULL;
    if (engage_load_campaigns(e, S(SET), &out, &n) != ENGAGE_OK) {
        fprintf(stderr, "redis-fleet: load: %s\n", out ? out : "");
        exit(2);
    }
    engage_free(out);
    return e;
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

int main(int argc, char **argv) {
    int rc = 2;
    if (argc > 1 && !strcmp(argv[1], "run")) rc = run(argc, argv);
    else if (argc > 1 && !strcmp(argv[1], "check")) rc = check(argc, argv);
    if (rc == 2) fprintf(stderr, "usage: redis-fleet run PORT PREFIX NAME THREADS MS TIMEOUT_MS PACE_MS OUT\n"
                                 "       redis-fleet check PORT PREFIX exact|faults OUT...\n");
    return rc;
}

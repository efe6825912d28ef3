/*
** host-store.c — an engine whose user state lives in the host's own storage
** (engage_engine_open_with_store). The storage here is a hash table under a mutex with a
** version per user: the compare-and-swap the callbacks contract asks for.
**
**   ./host-store corpus-dir          (uses corpus-dir/valid-cap3-set.json: a cap of 3)
**
** Checks: caps exact with 16 threads on one user; state outlives the engine (a second
** engine over the same storage sees the first one's impressions); values larger than
** the engine's first buffer; forget erases the host's value; failing callbacks fail a
** decision closed (no message, "store": "unavailable"); damaged values give
** ENGAGE_STORE with a message; malformed engage_store structs and configs are refused.
*/
#define _DEFAULT_SOURCE
#include <engage.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(lit) lit, (sizeof(lit) - 1)
#define CONFIG "{\"defaults\": {\"fixed_clock_ms\": 1795150000000}}"

static int checks = 0, failures = 0;

static void check(int ok, const char *label, const char *detail) {
    checks++;
    if (!ok) failures++;
    printf("%s %-52s %s\n", ok ? "ok  " : "FAIL", label, detail ? detail : "");
}

/* ---- the host's storage: user id -> (bytes, version) --------------------------------- */

struct entry {
    char *user;
    char *value;
    size_t len;
    uint64_t version;
    struct entry *next;
};

struct storage {
    pthread_mutex_t lock;
    struct entry *buckets[256];
    uint64_t next_version;
    long loads, saves, conflicts, erases;
    int fail_load, fail_save;   /* when set, the callback returns this status */
};

static unsigned bucket(const char *user, size_t len) {
    unsigned h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)user[i]) * 16777619u;
    return h % 256;
}

static struct entry **find(struct storage *s, const char *user, size_t len) {
    struct entry **e = &s->buckets[bucket(user, len)];
    while (*e && (strlen((*e)->user) != len || memcmp((*e)->user, user, len))) e = &(*e)->next;
    return e;
}

static int32_t cb_load(void *host, const char *user, size_t user_len, char *buf, size_t cap, size_t *len, uint64_t *version) {
    struct storage *s = host;
    pthread_mutex_lock(&s->lock);
    s->loads++;
    if (s->fail_load) { pthread_mutex_unlock(&s->lock); return s->fail_load; }
    struct entry *e = *find(s, user, user_len);
    *len = e ? e->len : 0;
    *version = e ? e->version : 0;
    if (e && e->len <= cap) memcpy(buf, e->value, e->len);
    pthread_mutex_unlock(&s->lock);
    return ENGAGE_OK;
}

static int32_t cb_save(void *host, const char *user, size_t user_len, const char *state, size_t len, uint64_t expected) {
    struct storage *s = host;
    pthread_mutex_lock(&s->lock);
    if (s->fail_save) { pthread_mutex_unlock(&s->lock); return s->fail_save; }
    struct entry **slot = find(s, user, user_len), *e = *slot;
    if ((e ? e->version : 0) != expected) {
        s->conflicts++;
        pthread_mutex_unlock(&s->lock);
        return ENGAGE_STORE_CONFLICT;
    }
    if (!e) {
        e = calloc(1, sizeof *e);
        e->user = strndup(user, user_len);
        *slot = e;
    }
    free(e->value);
    e->value = malloc(len ? len : 1);
    memcpy(e->value, state, len);
    e->len = len;
    e->version = ++s->next_version;
    s->saves++;
    pthread_mutex_unlock(&s->lock);
    return ENGAGE_OK;
}

static int32_t cb_erase(void *host, const char *user, size_t user_len) {
    struct storage *s = host;
    pthread_mutex_lock(&s->lock);
    struct entry **slot = find(s, user, user_len), *e = *slot;
    if (e) {
        *slot = e->next;
        free(e->user);
        free(e->value);
        free(e);
    }
    s->erases++;
    pthread_mutex_unlock(&s->lock);
    return ENGAGE_OK;
}

static struct entry *lookup(struct storage *s, const char *user) {
    pthread_mutex_lock(&s->lock);
    struct entry *e = *find(s, user, strlen(user));
    pthread_mutex_unlock(&s->lock);
    return e;
}

static void storage_free(struct storage *s) {
    for (int i = 0; i < 256; i++) {
        for (struct entry *e = s->buckets[i], *n; e; e = n) {
            n = e->next;
            free(e->user);
            free(e->value);
            free(e);
        }
    }
    pthread_mutex_destroy(&s->lock);
}

/* ---- helpers ------------------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(n > 0 ? (size_t)n : 1);
    *len = buf && n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
    fclose(f);
    return buf;
}

static engage_engine *open_over(struct storage *s, const char *set, size_t set_len) {
    engage_store store = {sizeof store, s, cb_load, cb_save, cb_erase};
    engage_engine *e = NULL;
    char *out = NULL;
    size_t n = 0;
    int32_t st = engage_engine_open_with_store(S(CONFIG), &store, &e, &out, &n);
    if (st != ENGAGE_OK) fprintf(stderr, "open: %s %s\n", engage_status_string(st), out ? out : "");
    engage_free(out);
    if (e && engage_load_campaigns(e, set, set_len, &out, &n) != ENGAGE_OK) fprintf(stderr, "load: %s\n", out ? out : "");
    engage_free(out);
    return e;
}

static int messages(engage_engine *e, const char *request, size_t len, int32_t *status, char *message, size_t cap) {
    char *out = NULL;
    size_t n = 0;
    *status = engage_decide(e, request, len, &out, &n);
    json_object *d = out ? json_tokener_parse(out) : NULL, *m;
    int count = -1;
    if (*status == ENGAGE_OK && d && json_object_object_get_ex(d, "messages", &m)) count = (int)json_object_array_length(m);
    json_object *store, *why;
    if (message && d && json_object_object_get_ex(d, "store", &store) && json_object_object_get_ex(d, "store_error", &why))
        snprintf(message, cap, "store %s: %s", json_object_get_string(store), json_object_get_string(why));
    else if (message)
        snprintf(message, cap, "%s", d && json_object_object_get_ex(d, "message", &m) ? json_object_get_string(m) : "");
    json_object_put(d);
    engage_free(out);
    return count;
}

#define REQUEST "{\"user_id\": \"cap-user\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"

struct worker { engage_engine *e; int shown, errors; };

static void *worker(void *arg) {
    struct worker *w = arg;
    for (int i = 0; i < 50; i++) {
        int32_t st;
        int n = messages(w->e, S(REQUEST), &st, NULL, 0);
        if (n < 0) w->errors++; else w->shown += n;
    }
    return NULL;
}

int main(int argc, char **argv) {
    char path[1024], d[512], msg[256];
    snprintf(path, sizeof path, "%s/valid-cap3-set.json", argc > 1 ? argv[1] : "corpus");
    size_t set_len = 0;
    char *set = read_file(path, &set_len);
    if (!set) { fprintf(stderr, "cannot read %s\n", path); return 1; }
    static struct storage s;
    pthread_mutex_init(&s.lock, NULL);

    /* 16 threads, one user, a lifetime cap of 3. */
    engage_engine *e = open_over(&s, set, set_len);
    if (!e) return 1;
    pthread_t t[16];
    struct worker w[16];
    for (int i = 0; i < 16; i++) { w[i] = (struct worker){e, 0, 0}; pthread_create(&t[i], NULL, worker, &w[i]); }
    int shown = 0, errors = 0;
    for (int i = 0; i < 16; i++) { pthread_join(t[i], NULL); shown += w[i].shown; errors += w[i].errors; }
    snprintf(d, sizeof d, "%d shown, %d errors; %ld loads, %ld saves, %ld conflicts retried", shown, errors, s.loads, s.saves, s.conflicts);
    check(shown == 3 && errors == 0 && s.saves == 3, "16 threads, cap 3 in the host's store -> exactly 3", d);
    struct entry *v = lookup(&s, "cap-user");
    snprintf(d, sizeof d, "%zu bytes, version %llu", v ? v->len : 0, v ? (unsigned long long)v->version : 0ULL);
    check(v && v->len > 4 && !memcmp(v->value, "EGS\x01", 4), "the value is libengage's versioned encoding", d);
    engage_engine_close(e);

    /* A second engine over the same storage: the impressions are still there. */
    e = open_over(&s, set, set_len);
    int32_t st;
    int n = messages(e, S(REQUEST), &st, NULL, 0);
    snprintf(d, sizeof d, "%d messages (%s)", n, engage_status_string(st));
    check(n == 0, "a new engine over the same storage still sees the cap", d);
    n = messages(e, S("{\"user_id\": \"fresh\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"), &st, NULL, 0);
    check(n == 1, "another user is shown the banner", engage_status_string(st));

    /* A value larger than the engine's first 4 KB buffer. */
    char rec[512];
    for (int i = 0; i < 200; i++) {   /* long page paths: a few KB of dimensions */
        int len = snprintf(rec, sizeof rec, "{\"user_id\": \"big\", \"type\": \"event\", \"name\": \"page_view\", \"properties\": {\"page\": \"/page/%03d/%0200d\"}, \"time\": 1795140000000}", i, 0);
        char *out = NULL;
        size_t ol = 0;
        st = engage_record(e, rec, (size_t)len, &out, &ol);
        if (st != ENGAGE_OK) { check(0, "record a page view", out); engage_free(out); break; }
        engage_free(out);
    }
    v = lookup(&s, "big");
    n = messages(e, S("{\"user_id\": \"big\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"), &st, NULL, 0);
    snprintf(d, sizeof d, "%zu-byte value; decide: %s, %d message", v ? v->len : 0, engage_status_string(st), n);
    check(v && v->len > 4096 && n == 1, "values over 4 KB are read in a second call", d);

    /* Forget erases the host's value. */
    long erases = s.erases;
    char *out = NULL;
    size_t ol = 0;
    st = engage_forget_user(e, S("cap-user"), &out, &ol);
    engage_free(out);
    check(st == ENGAGE_OK && s.erases == erases + 1 && !lookup(&s, "cap-user"), "forget_user erases the value in the host's store", engage_status_string(st));
    n = messages(e, S(REQUEST), &st, NULL, 0);
    check(n == 1, "after forget the cap starts again", engage_status_string(st));

    /* Failing callbacks fail the decision closed (ENGAGE_OK, no message, "store":
    ** "unavailable" with the callback's failure); damaged values: ENGAGE_STORE. */
    s.fail_load = 7;
    n = messages(e, S(REQUEST), &st, msg, sizeof msg);
    snprintf(d, sizeof d, "%s: %d messages: %s", engage_status_string(st), n, msg);
    check(st == ENGAGE_OK && n == 0 && strstr(msg, "store unavailable: the host's store->load returned 7"),
          "load failing -> fails closed", d);
    s.fail_load = 0;
    s.fail_save = 9;
    n = messages(e, S("{\"user_id\": \"new-user\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"), &st, msg, sizeof msg);
    snprintf(d, sizeof d, "%s: %d messages: %s", engage_status_string(st), n, msg);
    check(st == ENGAGE_OK && n == 0 && strstr(msg, "store unavailable: the host's store->save returned 9"), "save failing -> fails closed", d);
    s.fail_save = 0;
    cb_save(&s, S("damaged"), S("SQLite format 3"), 0);
    n = messages(e, S("{\"user_id\": \"damaged\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"), &st, msg, sizeof msg);
    snprintf(d, sizeof d, "%s: %s", engage_status_string(st), msg);
    check(st == ENGAGE_STORE && strstr(msg, "not libengage user state"), "a damaged value -> ENGAGE_STORE", d);
    unsigned char junk[300];
    for (int round = 0; round < 200; round++) {   /* "EGS\1" and noise: never a crash */
        memcpy(junk, "EGS\x01", 4);
        for (size_t i = 4; i < sizeof junk; i++) junk[i] = (unsigned char)(rand() & 0xFF);
        struct entry *x = lookup(&s, "damaged");
        cb_save(&s, S("damaged"), (const char *)junk, 4 + (size_t)(rand() % 296), x ? x->version : 0);
        messages(e, S("{\"user_id\": \"damaged\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}"), &st, NULL, 0);
        if (st != ENGAGE_OK && st != ENGAGE_STORE) { check(0, "noise values", engage_status_string(st)); break; }
    }
    check(1, "200 noisy values: each decided or refused", NULL);
    engage_engine_close(e);

    /* Malformed store structs and configs. */
    engage_store good = {sizeof good, &s, cb_load, cb_save, cb_erase};
    engage_store small = good, no_save = good;
    small.size = 8;
    no_save.save = NULL;
    struct { const char *label; const char *config; size_t len; const engage_store *store; int32_t want; } cases[] = {
        {"store NULL", NULL, 0, NULL, ENGAGE_MISUSE},
        {"store->size too small", NULL, 0, &small, ENGAGE_MISUSE},
        {"store->save NULL", NULL, 0, &no_save, ENGAGE_MISUSE},
        {"config kind memory with callbacks", S("{\"store\": {\"kind\": \"memory\"}}"), &good, ENGAGE_INVALID_REQUEST},
        {"config kind callbacks", S("{\"store\": {\"kind\": \"callbacks\"}}"), &good, ENGAGE_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        engage_engine *o = (engage_engine *)0x1;
        out = NULL;
        st = engage_engine_open_with_store(cases[i].config, cases[i].len, cases[i].store, &o, &out, &ol);
        snprintf(d, sizeof d, "%s %.100s", engage_status_string(st), out ? out : "");
        check(st == cases[i].want && (st == ENGAGE_OK) == (o != NULL), cases[i].label, d);
        engage_free(out);
        if (st == ENGAGE_OK) engage_engine_close(o);
    }
    out = NULL;
    engage_engine *o = NULL;
    st = engage_engine_open(S("{\"store\": {\"kind\": \"callbacks\"}}"), &o, &out, &ol);
    snprintf(d, sizeof d, "%s %.100s", engage_status_string(st), out ? out : "");
    check(st == ENGAGE_INVALID_REQUEST && !o, "engage_engine_open with kind callbacks", d);
    engage_free(out);

    storage_free(&s);
    free(set);
    printf("host-store: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

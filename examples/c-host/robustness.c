/*
** robustness.c — nothing a caller passes may take the process down. Every malformed input
** gets a non-OK status and an error object json-c can parse; misuse (NULL or closed
** engine, NULL pointers with lengths, small buffers) gets the documented status; caps hold
** across 16 threads deciding at once on one engine (some through a context per decision);
** contexts (engage_context_*) give the same decisions and survive the same misuse.
**
**   ./robustness [corpus-dir] [campaigns.json]
**   ROBUST_DECISIONS=2000   decisions per thread in the cap test (fewer under valgrind)
**
** Corpus files are named for the call they are fed to: decide-*, record-*, campaigns-*,
** config-*, forget-*; valid-cap3-set.json is the campaign set of the cap test. The very
** large inputs (1,000,000-deep nesting, 10 MB strings) are generated here at run time.
*/
#define _DEFAULT_SOURCE
#include <engage.h>
#include <json-c/json.h>
#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A string literal and its length. */
#define S(lit) lit, (sizeof(lit) - 1)
/* VALID_REQUEST split into a user context and a question. */
#define USER_CONTEXT "{\"user_id\": \"sub-0417-2231\", \"consent\": {\"service\": true}, \"app\": {\"foreground\": true}, \"user\": {\"plan\": \"5G-Premium\", \"plan_includes_ott\": true, \"ott_linked\": false, \"ott_provider\": \"streamflix\"}}"
#define QUESTION "{\"placements\": [\"app_home_banner\"], \"commit\": false}"
#define FIXED_CONFIG "{\"defaults\": {\"fixed_clock_ms\": 1795150000000}}"
#define VALID_REQUEST "{\"user_id\": \"sub-0417-2231\", \"placements\": [\"app_home_banner\"], \"consent\": {\"service\": true}, \"app\": {\"foreground\": true}, \"user\": {\"plan\": \"5G-Premium\", \"plan_includes_ott\": true, \"ott_linked\": false, \"ott_provider\": \"streamflix\"}, \"commit\": false}"

static int checks = 0, failures = 0;
static int verbose = 1;

static int count_messages(const char *text, size_t len);

static void pass_or_fail(int ok, const char *label, const char *detail) {
    checks++;
    if (!ok) failures++;
    if (!ok || verbose) printf("%s %-44s %s\n", ok ? "ok  " : "FAIL", label, detail ? detail : "");
}

/* The error object: JSON that json-c parses, with status (matching the code), code,
** path and message strings. `want` is the expected status, or -1 for any non-OK. */
static int is_error(int32_t st, const char *out, size_t len, char *why, size_t whylen) {
    if (st == ENGAGE_OK) { snprintf(why, whylen, "returned ok"); return 0; }
    if (!out) { snprintf(why, whylen, "%s, but no error text", engage_status_string(st)); return 0; }
    if (strlen(out) != len) { snprintf(why, whylen, "length %zu but text of %zu", len, strlen(out)); return 0; }
    json_tokener *tok = json_tokener_new_ex(64);
    json_object *o = json_tokener_parse_ex(tok, out, (int)len);
    int parsed = json_tokener_get_error(tok) == json_tokener_success && json_object_is_type(o, json_type_object);
    json_tokener_free(tok);
    json_object *s = NULL, *c = NULL, *p = NULL, *m = NULL;
    int ok = parsed && json_object_object_get_ex(o, "status", &s) && json_object_object_get_ex(o, "code", &c) &&
             json_object_object_get_ex(o, "path", &p) && json_object_object_get_ex(o, "message", &m) &&
             json_object_is_type(s, json_type_string) && json_object_is_type(c, json_type_string) &&
             json_object_is_type(p, json_type_string) && json_object_is_type(m, json_type_string) &&
             !strcmp(json_object_get_string(s), engage_status_string(st));
    /* Error texts stay short whatever the input quotes (issue 13): ≤ 4 KiB each. */
    if (ok && (strlen(json_object_get_string(p)) > 4096 || strlen(json_object_get_string(m)) > 4096)) {
        snprintf(why, whylen, "%s, error text too long: path %zu bytes, message %zu bytes", engage_status_string(st),
                 strlen(json_object_get_string(p)), strlen(json_object_get_string(m)));
        json_object_put(o);
        return 0;
    }
    if (ok) {
        const char *msg = json_object_get_string(m);
        snprintf(why, whylen, "%s [%s] %s%s%.60s%s (%zu bytes)", engage_status_string(st), json_object_get_string(c),
                 json_object_get_string(p), *json_object_get_string(p) ? ": " : "", msg, strlen(msg) > 60 ? "…" : "", len);
    } else {
        snprintf(why, whylen, "%s, error text not a proper error object: %.120s", engage_status_string(st), out);
    }
    json_object_put(o);
    return ok;
}

static void check_error(const char *label, int32_t st, char *out, size_t len, int32_t want, int library_buffer) {
    char why[512];
    int ok = is_error(st, out, len, why, sizeof why);
    if (ok && want >= 0 && st != want) {
        ok = 0;
        snprintf(why, sizeof why, "%s, expected %s", engage_status_string(st), engage_status_string(want));
    }
    pass_or_fail(ok, label, why);
    if (library_buffer) engage_free(out);
}
/* Calls first, then checks (C leaves the order of argument evaluation open). */
#define EXPECT(label, call, want) do { out = NULL; out_len = 0; int32_t st_ = (call); expect_error(label, st_, out, out_len, want); } while (0)
#define EXPECT_IN(label, call, b, want) do { need = 0; int32_t st_ = (call); expect_error_in(label, st_, b, need, want); } while (0)
/* `out` came from the library: freed here. */
static void expect_error(const char *label, int32_t st, char *out, size_t len, int32_t want) {
    check_error(label, st, out, len, want, 1);
}
/* `buf` is the caller's (engage_decide_into). */
static void expect_error_in(const char *label, int32_t st, char *buf, size_t len, int32_t want) {
    check_error(label, st, buf, len, want, 0);
}

static void expect_status(const char *label, int32_t st, int32_t want) {
    char why[128];
    snprintf(why, sizeof why, "%s%s%s", engage_status_string(st), st == want ? "" : ", expected ", st == want ? "" : engage_status_string(want));
    pass_or_fail(st == want, label, why);
}

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

static engage_engine *open_engine(const char *config, const char *campaigns, size_t campaigns_len) {
    engage_engine *e = NULL;
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_engine_open(config, strlen(config), &e, &out, &len);
    if (st != ENGAGE_OK) fprintf(stderr, "open: %s %s\n", engage_status_string(st), out ? out : "");
    engage_free(out);
    if (e && campaigns) {
        st = engage_load_campaigns(e, campaigns, campaigns_len, &out, &len);
        if (st != ENGAGE_OK) fprintf(stderr, "load: %s %.300s\n", engage_status_string(st), out ? out : "");
        engage_free(out);
    }
    return e;
}

/* Feeds one input to the call its name says; a decide input goes to engage_decide_into too. */
static void feed(engage_engine *e, const char *name, const char *data, size_t len) {
    char *out = NULL, label[320];
    size_t out_len = 0;
    snprintf(label, sizeof label, "%s", name);
    if (!strncmp(name, "decide-", 7)) {
        EXPECT(label, engage_decide(e, data, len, &out, &out_len), -1);
        static char buf[1 << 16];
        size_t need = 0;
        int32_t st = engage_decide_into(e, data, len, buf, sizeof buf, &need);
        snprintf(label, sizeof label, "%s (into)", name);
        expect_error_in(label, st, need < sizeof buf ? buf : NULL, need, -1);
        /* The same bytes as a context (refused at open) and as a question. */
        engage_context *c = (engage_context *)0x1;
        snprintf(label, sizeof label, "%s (context)", name);
        out = NULL; out_len = 0;
        st = engage_context_open(e, data, len, &c, &out, &out_len);
        if (st == ENGAGE_OK) {   /* a request without a question can be a fine context */
            pass_or_fail(c != NULL && c != (engage_context *)0x1, label, "a valid context");
            engage_context_close(c);
        } else {
            expect_error(label, st, out, out_len, -1);
            if (c != NULL) pass_or_fail(0, label, "context not NULL after a failed open");
        }
        if (engage_context_open(e, USER_CONTEXT, strlen(USER_CONTEXT), &c, NULL, NULL) == ENGAGE_OK) {
            snprintf(label, sizeof label, "%s (question)", name);
            EXPECT(label, engage_context_decide(c, data, len, &out, &out_len), -1);
            engage_context_close(c);
        } else {
            pass_or_fail(0, label, "the user context did not open");
        }
    } else if (!strncmp(name, "record-", 7)) {
        EXPECT(label, engage_record(e, data, len, &out, &out_len), -1);
    } else if (!strncmp(name, "campaigns-", 10)) {
        EXPECT(label, engage_load_campaigns(e, data, len, &out, &out_len), -1);
    } else if (!strncmp(name, "forget-", 7)) {
        EXPECT(label, engage_forget_user(e, data, len, &out, &out_len), -1);
        snprintf(label, sizeof label, "%s (export)", name);
        EXPECT(label, engage_export_user(e, data, len, &out, &out_len), -1);
    } else if (!strncmp(name, "config-", 7)) {
        engage_engine *o = (engage_engine *)0x1;
        int32_t st = engage_engine_open(data, len, &o, &out, &out_len);
        if (o != NULL) { pass_or_fail(0, label, "engine not NULL after a failed open"); if (st == ENGAGE_OK) engage_engine_close(o); }
        expect_error(label, st, out, out_len, -1);
    }
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static void run_corpus(engage_engine *e, const char *dir) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), fed = 0;
    if (n < 0) { pass_or_fail(0, "corpus", "cannot read the corpus folder"); return; }
    for (int i = 0; i < n; i++) {
        const char *nm = names[i]->d_name;
        if (nm[0] != '.' && strncmp(nm, "valid-", 6)) {
            char path[1024];
            size_t len = 0;
            snprintf(path, sizeof path, "%s/%s", dir, nm);
            char *data = read_file(path, &len);
            if (data) { feed(e, nm, data, len); fed++; }
            free(data);
        }
        free(names[i]);
    }
    free(names);
    char d[64];
    snprintf(d, sizeof d, "%d files", fed);
    pass_or_fail(fed >= 20, "corpus: 20+ inputs", d);
}

/* `prefix` + n copies of `unit` + `suffix`, malloc'd. */
static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix, size_t *len) {
    size_t p = strlen(prefix), u = strlen(unit), s = strlen(suffix);
    *len = p + u * n + s;
    char *b = malloc(*len + 1);
    if (!b) return NULL;
    memcpy(b, prefix, p);
    if (u == 1) memset(b + p, unit[0], n);
    else for (size_t i = 0; i < n; i++) memcpy(b + p + i * u, unit, u);
    memcpy(b + p + u * n, suffix, s);
    b[*len] = 0;
    return b;
}

static void generated(engage_engine *e, engage_engine *big) {
    char *out = NULL;
    size_t out_len = 0, len;
    struct { const char *label, *prefix, *unit, *suffix; size_t n; } gen[] = {
        {"deep 1,000,000 arrays", "", "[", "", 1000000},
        {"deep 1,000,000 arrays, closed", "", "[", "", 1000000},     /* closed below */
        {"deep 1,000,000 objects", "", "{\"a\":", "", 1000000},
        {"deep nesting inside a request", "{\"user_id\": \"u1\", \"placements\": [\"p\"], \"user\": ", "[", "", 999000},
        {"10 MB string user_id", "{\"user_id\": \"", "x", "\", \"placements\": [\"app_home_popup\"]}", 10u << 20},
        {"10 MB invalid UTF-8 string", "{\"user_id\": \"", "\xff", "\", \"placements\": [\"app_home_popup\"]}", 10u << 20},
        {"10 MB string of escapes", "{\"user_id\": \"", "\\u0041", "\"}", (10u << 20) / 6},
    };
    for (size_t g = 0; g < sizeof gen / sizeof gen[0]; g++) {
        char *doc = repeat(gen[g].prefix, gen[g].unit, gen[g].n, gen[g].suffix, &len);
        if (!doc) { pass_or_fail(0, gen[g].label, "malloc"); continue; }
        if (g == 1) { /* "[[[...]]]" fully closed: 2,000,000 bytes */
            char *d2 = repeat(doc, "]", gen[g].n, "", &len);
            free(doc);
            doc = d2;
            if (!doc) continue;
        }
        char label[160];
        snprintf(label, sizeof label, "decide: %s", gen[g].label);
        EXPECT(label, engage_decide(e, doc, len, &out, &out_len), -1);
        snprintf(label, sizeof label, "decide (64 MB limit): %s", gen[g].label);
        EXPECT(label, engage_decide(big, doc, len, &out, &out_len), -1);
        snprintf(label, sizeof label, "record (64 MB limit): %s", gen[g].label);
        EXPECT(label, engage_record(big, doc, len, &out, &out_len), -1);
        snprintf(label, sizeof label, "load_campaigns: %s", gen[g].label);
        EXPECT(label, engage_load_campaigns(e, doc, len, &out, &out_len), -1);
        snprintf(label, sizeof label, "engine_open: %s", gen[g].label);
        engage_engine *o = NULL;
        int32_t st = engage_engine_open(doc, len, &o, &out, &out_len);
        expect_error(label, st, out, out_len, -1);
        if (o) engage_engine_close(o);
        snprintf(label, sizeof label, "forget_user: %s", gen[g].label);
        EXPECT(label, engage_forget_user(e, doc, len, &out, &out_len), ENGAGE_INVALID_REQUEST);
        free(doc);
    }
    /* A well-formed campaign set whose campaign id is a 10 MB string: refused (the JSON
    ** core caps strings at 1 MiB), and the error text stays bounded rather than echoing
    ** 10 MB back. */
    char *set = repeat("{\"version\": 1, \"campaigns\": [{\"id\": \"", "c", 10u << 20,
                       "\", \"purpose\": \"service\", \"status\": \"active\", \"placements\": [\"p\"], "
                       "\"channels\": {\"in_app\": {\"payload\": {}}}}]}", &len);
    if (set) {
        int32_t st = engage_load_campaigns(e, set, len, &out, &out_len);
        size_t l = out_len;
        char d[64];
        snprintf(d, sizeof d, "error text %zu bytes", l);
        pass_or_fail(st != ENGAGE_OK && l < 64 * 1024, "load_campaigns: 10 MB campaign id, bounded error", d);
        expect_error("load_campaigns: 10 MB campaign id", st, out, out_len, -1);
        free(set);
    }
}

/* The error's "path" member, copied into `path` (empty when absent). */
static void error_path(const char *out, size_t len, char *path, size_t cap) {
    path[0] = 0;
    if (!out) return;
    json_tokener *tok = json_tokener_new_ex(64);
    json_object *o = json_tokener_parse_ex(tok, out, (int)len), *p = NULL;
    if (o && json_object_object_get_ex(o, "path", &p)) snprintf(path, cap, "%s", json_object_get_string(p));
    json_object_put(o);
    json_tokener_free(tok);
}

/* `call` fails with `want`, and its error names `path` (issue 13: each defect class of
** the hostile-input run, through the C ABI). */
#define EXPECT_AT(label, call, want, at) do { \
    out = NULL; out_len = 0; int32_t st_ = (call); char got_[256]; \
    error_path(out, out_len, got_, sizeof got_); \
    pass_or_fail(!strcmp(got_, at), label " names " at, got_); \
    expect_error(label, st_, out, out_len, want); } while (0)

static void issue13(engage_engine *e) {
    char *out = NULL;
    size_t out_len = 0, len;
    engage_engine *o = NULL;
    /* abs(Int.min) in the config reader trapped: the host died with SIGILL. */
    EXPECT_AT("engine_open: fixed_clock_ms -2^63", engage_engine_open(S("{\"defaults\": {\"fixed_clock_ms\": -9223372036854775808}}"), &o, &out, &out_len),
              ENGAGE_INVALID_REQUEST, "defaults.fixed_clock_ms");
    EXPECT_AT("engine_open: fixed_clock_ms 1e308", engage_engine_open(S("{\"defaults\": {\"fixed_clock_ms\": 1e308}}"), &o, &out, &out_len),
              ENGAGE_INVALID_REQUEST, "defaults.fixed_clock_ms");
    EXPECT_AT("engine_open: max_depth -2^63", engage_engine_open(S("{\"limits\": {\"max_depth\": -9223372036854775808}}"), &o, &out, &out_len),
              ENGAGE_INVALID_REQUEST, "limits.max_depth");
    /* A year-10000 `now` was accepted, then the commit failed as a store error. */
    EXPECT_AT("decide: now in year 10000",
              engage_decide(e, S("{\"user_id\": \"u13\", \"placements\": [\"app_home_banner\"], \"now\": 253402300800000}"), &out, &out_len),
              ENGAGE_INVALID_REQUEST, "now");
    EXPECT_AT("record: time in year 10000",
              engage_record(e, S("{\"type\": \"click\", \"user_id\": \"u13\", \"campaign\": \"x\", \"time\": 253402300800000}"), &out, &out_len),
              ENGAGE_INVALID_REQUEST, "time");
    /* A host's own zone file means different things on different hosts. */
    EXPECT_AT("decide: time_zone localtime",
              engage_decide(e, S("{\"user_id\": \"u13\", \"placements\": [\"app_home_banner\"], \"time_zone\": \"localtime\"}"), &out, &out_len),
              ENGAGE_INVALID_REQUEST, "time_zone");
    EXPECT_AT("load_campaigns: default_time_zone localtime",
              engage_load_campaigns(e, S("{\"version\": 1, \"default_time_zone\": \"localtime\", \"campaigns\": []}"), &out, &out_len),
              ENGAGE_INVALID_CAMPAIGNS, "default_time_zone");
    /* A 64 KiB key came back whole in path and message. */
    char *doc = repeat("{\"version\": 1, \"campaigns\": [], \"", "k", 65536, "\": 1}", &len);
    if (doc) {
        EXPECT("load_campaigns: 64 KiB unknown key", engage_load_campaigns(e, doc, len, &out, &out_len), ENGAGE_INVALID_CAMPAIGNS);
        free(doc);
    }
    /* 64 levels of segments, each using the next twice, inside an iterator: loading
    ** doubled per level and never finished. Loaded into a scratch engine. */
    size_t cap = 64 * 128 + 1024, n = 0;
    char *set = malloc(cap);
    engage_engine *scratch = NULL;
    if (set && engage_engine_open(NULL, 0, &scratch, NULL, NULL) == ENGAGE_OK) {
        n += (size_t)snprintf(set + n, cap - n, "{\"version\": 1, \"segments\": {");
        for (int i = 0; i < 64; i++)
            n += (size_t)snprintf(set + n, cap - n, "\"s%d\": {\"and\": [{\"segment\": \"s%d\"}, {\"segment\": \"s%d\"}]}, ", i, i + 1, i + 1);
        n += (size_t)snprintf(set + n, cap - n, "\"s64\": {\"var\": \"x\"}}, \"campaigns\": [{\"id\": \"c\", \"purpose\": \"service\", "
                              "\"status\": \"active\", \"placements\": [\"p\"], \"audience\": {\"some\": [{\"var\": \"xs\"}, {\"segment\": \"s0\"}]}, "
                              "\"channels\": {\"in_app\": {\"payload\": {}}}}]}");
        int32_t st = engage_load_campaigns(scratch, set, n, &out, &out_len);
        pass_or_fail(st == ENGAGE_OK, "load_campaigns: 64-level segment DAG in an iterator body", engage_status_string(st));
        engage_free(out);
        out = NULL;
        st = engage_decide(scratch, S("{\"user_id\": \"u\", \"placements\": [\"p\"], \"xs\": [1, 2], \"x\": true}"), &out, &out_len);
        pass_or_fail(st == ENGAGE_OK, "decide: through the segment DAG (bounded by steps)", engage_status_string(st));
        engage_free(out);
        engage_engine_close(scratch);
    }
    free(set);
}

static void misuse(engage_engine *live, const char *campaigns, size_t campaigns_len) {
    char *out = NULL, buf[256];
    size_t out_len = 0, need = 0;
    const char *req = VALID_REQUEST;
    size_t rl = strlen(req);
    const char x[8] = "{\"a\":1}";

    /* NULL engine. */
    EXPECT("NULL engine: load_campaigns", engage_load_campaigns(NULL, campaigns, campaigns_len, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("NULL engine: decide", engage_decide(NULL, req, rl, &out, &out_len), ENGAGE_MISUSE);
    EXPECT_IN("NULL engine: decide_into", engage_decide_into(NULL, req, rl, buf, sizeof buf, &need), buf, ENGAGE_MISUSE);
    EXPECT("NULL engine: record", engage_record(NULL, x, 7, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("NULL engine: forget_user", engage_forget_user(NULL, "u1", 2, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("NULL engine: export_user", engage_export_user(NULL, "u1", 2, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("export_user: NULL, 10", engage_export_user(live, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("export_user: NULL, 0", engage_export_user(live, NULL, 0, &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("NULL engine: drain_exposures", engage_drain_exposures(NULL, 0, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("NULL engine: stats", engage_stats(NULL, &out, &out_len), ENGAGE_MISUSE);
    expect_status("NULL engine: decide, out and out_len NULL", engage_decide(NULL, req, rl, NULL, NULL), ENGAGE_MISUSE);
    EXPECT("engine_open: engine pointer NULL", engage_engine_open(NULL, 0, NULL, &out, &out_len), ENGAGE_MISUSE);
    engage_engine_close(NULL);
    pass_or_fail(1, "engage_engine_close(NULL)", "survived");
    engage_free(NULL);
    pass_or_fail(1, "engage_free(NULL)", "survived");

    /* NULL pointers with non-zero lengths, and huge lengths (never read). */
    EXPECT("decide: NULL, 10", engage_decide(live, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("decide: NULL, SIZE_MAX", engage_decide(live, NULL, SIZE_MAX, &out, &out_len), ENGAGE_MISUSE);
    EXPECT_IN("decide_into: NULL, 10", engage_decide_into(live, NULL, 10, buf, sizeof buf, &need), buf, ENGAGE_MISUSE);
    EXPECT("record: NULL, 10", engage_record(live, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("load_campaigns: NULL, 10", engage_load_campaigns(live, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("forget_user: NULL, 10", engage_forget_user(live, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    engage_engine *o = NULL;
    EXPECT("engine_open: NULL, 10", engage_engine_open(NULL, 10, &o, &out, &out_len), ENGAGE_MISUSE);
    pass_or_fail(o == NULL, "engine_open: NULL, 10 leaves engine NULL", NULL);
    size_t huge[] = {SIZE_MAX, (size_t)1 << 40, ((size_t)64 << 20) + 1};
    for (int i = 0; i < 3; i++) {
        char label[96];
        snprintf(label, sizeof label, "decide: 7-byte buffer, length %zu", huge[i]);
        EXPECT(label, engage_decide(live, x, huge[i], &out, &out_len), -1);
        snprintf(label, sizeof label, "record: 7-byte buffer, length %zu", huge[i]);
        EXPECT(label, engage_record(live, x, huge[i], &out, &out_len), -1);
        snprintf(label, sizeof label, "load_campaigns: 7-byte buffer, length %zu", huge[i]);
        EXPECT(label, engage_load_campaigns(live, x, huge[i], &out, &out_len), -1);
        snprintf(label, sizeof label, "forget_user: 7-byte buffer, length %zu", huge[i]);
        EXPECT(label, engage_forget_user(live, x, huge[i], &out, &out_len), -1);
        snprintf(label, sizeof label, "engine_open: 7-byte buffer, length %zu", huge[i]);
        o = NULL;
        EXPECT(label, engage_engine_open(x, huge[i], &o, &out, &out_len), -1);
        if (o) engage_engine_close(o);
    }

    /* Zero lengths: an empty input. */
    EXPECT("decide: \"x\", 0", engage_decide(live, "x", 0, &out, &out_len), ENGAGE_INVALID_JSON);
    EXPECT("decide: NULL, 0", engage_decide(live, NULL, 0, &out, &out_len), ENGAGE_INVALID_JSON);
    EXPECT("record: NULL, 0", engage_record(live, NULL, 0, &out, &out_len), ENGAGE_INVALID_JSON);
    EXPECT("load_campaigns: NULL, 0", engage_load_campaigns(live, NULL, 0, &out, &out_len), ENGAGE_INVALID_JSON);
    EXPECT("forget_user: NULL, 0", engage_forget_user(live, NULL, 0, &out, &out_len), ENGAGE_INVALID_REQUEST);
    o = NULL;
    int32_t st = engage_engine_open(NULL, 0, &o, &out, &out_len);
    pass_or_fail(st == ENGAGE_OK && o != NULL, "engine_open: NULL, 0 opens with the defaults", engage_status_string(st));
    engage_free(out);
    /* A fresh engine has no campaign set yet. */
    EXPECT("decide before any campaign set", engage_decide(o, req, rl, &out, &out_len), ENGAGE_NO_CAMPAIGNS);
    engage_engine_close(o);
    expect_status("drain_exposures: max SIZE_MAX", engage_drain_exposures(live, SIZE_MAX, NULL, NULL), ENGAGE_OK);

    /* decide_into and small buffers. */
    expect_status("decide_into: out_len NULL", engage_decide_into(live, req, rl, buf, sizeof buf, NULL), ENGAGE_MISUSE);
    char small[64];
    memset(small, 0x5A, sizeof small);
    need = 0;
    st = engage_decide_into(live, req, rl, small, 16, &need);
    int untouched = 1;
    for (size_t i = 16; i < sizeof small; i++) untouched &= small[i] == 0x5A;
    char d[96];
    snprintf(d, sizeof d, "%s, needs %zu bytes", engage_status_string(st), need);
    pass_or_fail(st == ENGAGE_TOO_BIG && need > 16 && untouched, "decide_into: 16-byte buffer -> TOO_BIG + length", d);
    st = engage_decide_into(live, req, rl, NULL, 0, &need);
    pass_or_fail(st == ENGAGE_TOO_BIG && need > 0, "decide_into: NULL buffer, cap 0 -> TOO_BIG + length", engage_status_string(st));
    char *exact = malloc(need + 17);
    if (exact) {
        size_t want = need, got = 0;
        memset(exact, 0x5A, need + 17);
        st = engage_decide_into(live, req, rl, exact, want + 1, &got);
        json_object *dec = st == ENGAGE_OK ? json_tokener_parse(exact) : NULL;
        json_object *msgs;
        int okd = st == ENGAGE_OK && got == want && exact[want] == 0 && (unsigned char)exact[want + 1] == 0x5A && dec &&
                  json_object_object_get_ex(dec, "messages", &msgs) && json_object_array_length(msgs) == 1;
        snprintf(d, sizeof d, "%s, %zu bytes", engage_status_string(st), got);
        pass_or_fail(okd, "decide_into: buffer of length+1 -> decision", d);
        json_object_put(dec);
        memset(exact, 0x5A, need + 17);
        st = engage_decide_into(live, req, rl, exact, want, &got);
        pass_or_fail((st == ENGAGE_TOO_BIG || st == ENGAGE_OK) && (unsigned char)exact[want] == 0x5A,
                     "decide_into: buffer of exactly length (no room for NUL)", engage_status_string(st));
        free(exact);
    }
    st = engage_decide_into(live, "{", 1, small, 4, &need);
    snprintf(d, sizeof d, "%s, error needs %zu bytes", engage_status_string(st), need);
    pass_or_fail(st == ENGAGE_INVALID_JSON && need > 4, "decide_into: bad request, small buffer", d);

    /* A failed load keeps the current set. */
    EXPECT("load_campaigns: invalid set over a good one", engage_load_campaigns(live, "{\"version\": 1}", 14, &out, &out_len), ENGAGE_INVALID_CAMPAIGNS);
    st = engage_decide(live, req, rl, &out, &out_len);
    pass_or_fail(st == ENGAGE_OK && out && strstr(out, "ott-bundle-activation"), "the previous set is still in place", engage_status_string(st));
    engage_free(out);

    /* Closed engine: every call is MISUSE; closing twice is harmless. */
    engage_engine *c = open_engine(FIXED_CONFIG, campaigns, campaigns_len);
    st = engage_decide(c, req, rl, &out, &out_len);
    pass_or_fail(st == ENGAGE_OK, "engine before close decides", engage_status_string(st));
    engage_free(out);
    engage_engine_close(c);
    EXPECT("closed engine: decide", engage_decide(c, req, rl, &out, &out_len), ENGAGE_MISUSE);
    EXPECT_IN("closed engine: decide_into", engage_decide_into(c, req, rl, buf, sizeof buf, &need), buf, ENGAGE_MISUSE);
    EXPECT("closed engine: load_campaigns", engage_load_campaigns(c, campaigns, campaigns_len, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: record", engage_record(c, x, 7, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: forget_user", engage_forget_user(c, "u1", 2, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: export_user", engage_export_user(c, "u1", 2, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: drain_exposures", engage_drain_exposures(c, 0, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: stats", engage_stats(c, &out, &out_len), ENGAGE_MISUSE);
    engage_engine_close(c);
    engage_engine_close(c);
    pass_or_fail(1, "closed engine: closed twice more", "survived");
}

/* Contexts: the same decision as the whole request; misuse of every kind. */
static void contexts(engage_engine *live, const char *campaigns, size_t campaigns_len) {
    char *out = NULL, buf[4096], d[160];
    size_t out_len = 0, need = 0;
    engage_context *c = NULL;
    int32_t st = engage_context_open(live, USER_CONTEXT, strlen(USER_CONTEXT), &c, &out, &out_len);
    pass_or_fail(st == ENGAGE_OK && c != NULL && out == NULL, "context_open: a user context", engage_status_string(st));
    engage_free(out);

    char *whole = NULL, *part = NULL;
    size_t whole_len = 0, part_len = 0;
    int32_t a = engage_decide(live, VALID_REQUEST, strlen(VALID_REQUEST), &whole, &whole_len);
    int32_t b = engage_context_decide(c, QUESTION, strlen(QUESTION), &part, &part_len);
    snprintf(d, sizeof d, "%s / %s, %zu / %zu bytes", engage_status_string(a), engage_status_string(b), whole_len, part_len);
    pass_or_fail(a == ENGAGE_OK && b == ENGAGE_OK && whole_len == part_len && !memcmp(whole, part, whole_len) &&
                 count_messages(part, part_len) == 1, "context_decide == decide of the whole request", d);
    st = engage_context_decide_into(c, QUESTION, strlen(QUESTION), buf, sizeof buf, &need);
    pass_or_fail(st == ENGAGE_OK && need == whole_len && !memcmp(buf, whole, need) && buf[need] == 0,
                 "context_decide_into == decide", engage_status_string(st));
    st = engage_context_decide_into(c, QUESTION, strlen(QUESTION), buf, 8, &need);
    pass_or_fail(st == ENGAGE_TOO_BIG && need == whole_len, "context_decide_into: 8-byte buffer -> TOO_BIG + length", engage_status_string(st));
    engage_free(whole);
    engage_free(part);

    EXPECT("context_decide: question sets user_id", engage_context_decide(c, S("{\"user_id\": \"x\", \"placement\": \"a\"}"), &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("context_decide: NULL/0 with no placement in the context", engage_context_decide(c, NULL, 0, &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("context_decide: question not an object", engage_context_decide(c, "[1]", 3, &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("context_decide: question NULL, 10", engage_context_decide(c, NULL, 10, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("context_decide: question length SIZE_MAX", engage_context_decide(c, "{}", SIZE_MAX, &out, &out_len), -1);
    EXPECT("context_decide: NULL context", engage_context_decide(NULL, QUESTION, strlen(QUESTION), &out, &out_len), ENGAGE_MISUSE);
    expect_status("context_decide_into: out_len NULL", engage_context_decide_into(c, QUESTION, strlen(QUESTION), buf, sizeof buf, NULL), ENGAGE_MISUSE);
    /* An engine where a context belongs, and a context where an engine belongs. */
    EXPECT("context_decide: an engine pointer", engage_context_decide((engage_context *)live, QUESTION, strlen(QUESTION), &out, &out_len), ENGAGE_MISUSE);
    EXPECT("decide: a context pointer", engage_decide((engage_engine *)c, VALID_REQUEST, strlen(VALID_REQUEST), &out, &out_len), ENGAGE_MISUSE);

    engage_context *bad = (engage_context *)0x1;
    EXPECT("context_open: NULL engine", engage_context_open(NULL, USER_CONTEXT, strlen(USER_CONTEXT), &bad, &out, &out_len), ENGAGE_MISUSE);
    pass_or_fail(bad == NULL, "context_open: failure leaves the context NULL", NULL);
    EXPECT("context_open: context pointer NULL", engage_context_open(live, USER_CONTEXT, strlen(USER_CONTEXT), NULL, &out, &out_len), ENGAGE_MISUSE);
    EXPECT("context_open: no user_id", engage_context_open(live, S("{\"time_zone\": \"UTC\"}"), &bad, &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("context_open: bad channel", engage_context_open(live, S("{\"user_id\": \"u\", \"channels\": [\"fax\"]}"), &bad, &out, &out_len), ENGAGE_INVALID_REQUEST);
    EXPECT("context_open: not JSON", engage_context_open(live, S("{\"user_id\""), &bad, &out, &out_len), ENGAGE_INVALID_JSON);
    EXPECT("context_open: NULL, 5", engage_context_open(live, NULL, 5, &bad, &out, &out_len), ENGAGE_MISUSE);

    /* Closed contexts: every call with a closed handle is MISUSE. */
    engage_context_close(c);
    EXPECT("closed context: decide", engage_context_decide(c, QUESTION, strlen(QUESTION), &out, &out_len), ENGAGE_MISUSE);
    EXPECT_IN("closed context: decide_into", engage_context_decide_into(c, QUESTION, strlen(QUESTION), buf, sizeof buf, &need), buf, ENGAGE_MISUSE);
    engage_context_close(c);
    engage_context_close(NULL);
    pass_or_fail(1, "context_close: twice, and NULL", "survived");
    /* The handle is recycled, but a stale pointer never acts on the next user's
    ** context (issue 14): the next open hands out another pointer value, the stale one
    ** stays MISUSE, and closing it again does not close the new context. */
    engage_context *again = NULL;
    st = engage_context_open(live, S("{\"user_id\": \"another-user\", \"consent\": {\"service\": true}}"), &again, NULL, NULL);
    pass_or_fail(st == ENGAGE_OK && again != NULL && again != c, "context_open after a close: a pointer never handed out before", engage_status_string(st));
    EXPECT("stale context after reuse: decide", engage_context_decide(c, QUESTION, strlen(QUESTION), &out, &out_len), ENGAGE_MISUSE);
    EXPECT_IN("stale context after reuse: decide_into", engage_context_decide_into(c, QUESTION, strlen(QUESTION), buf, sizeof buf, &need), buf, ENGAGE_MISUSE);
    engage_context_close(c);
    st = engage_context_decide(again, QUESTION, strlen(QUESTION), &out, &out_len);
    pass_or_fail(st == ENGAGE_OK && out && strstr(out, "another-user"), "closing a stale pointer leaves the new context open", engage_status_string(st));
    engage_free(out);
    out = NULL;
    engage_context_close(again);
    /* Many open/close cycles: every pointer distinct from the stale ones kept. */
    engage_context *seen[64];
    int distinct = 1;
    for (int i = 0; i < 64; i++) {
        seen[i] = NULL;
        engage_context_open(live, USER_CONTEXT, strlen(USER_CONTEXT), &seen[i], NULL, NULL);
        for (int j = 0; j < i; j++) if (seen[j] == seen[i]) distinct = 0;
        if (seen[i] == c || seen[i] == again) distinct = 0;
        engage_context_close(seen[i]);
    }
    pass_or_fail(distinct, "64 open/close cycles: no pointer value handed out twice", NULL);
    for (int i = 0; i < 64; i++)
        if (engage_context_decide(seen[i], QUESTION, strlen(QUESTION), NULL, NULL) != ENGAGE_MISUSE) distinct = 0;
    pass_or_fail(distinct, "64 closed pointers: all MISUSE", NULL);

    /* Closing the engine under a live context: its calls are MISUSE, closing it still works. */
    engage_engine *e = open_engine(FIXED_CONFIG, campaigns, campaigns_len);
    engage_context *orphan = NULL;
    engage_context_open(e, USER_CONTEXT, strlen(USER_CONTEXT), &orphan, NULL, NULL);
    engage_engine_close(e);
    EXPECT("context of a closed engine: decide", engage_context_decide(orphan, QUESTION, strlen(QUESTION), &out, &out_len), ENGAGE_MISUSE);
    EXPECT("closed engine: context_open", engage_context_open(e, USER_CONTEXT, strlen(USER_CONTEXT), &bad, &out, &out_len), ENGAGE_MISUSE);
    engage_context_close(orphan);
    pass_or_fail(1, "context_close after its engine closed", "survived");
}

static void versions(void) {
    pass_or_fail(!strcmp(engage_version(), ENGAGE_VERSION), "engage_version() == ENGAGE_VERSION", engage_version());
    pass_or_fail(!strcmp(engage_status_string(ENGAGE_STORE_CONFLICT), "store conflict"),
                 "engage_status_string(ENGAGE_STORE_CONFLICT)", engage_status_string(ENGAGE_STORE_CONFLICT));
    char d[64];
    snprintf(d, sizeof d, "%d", (int)engage_abi_version());
    pass_or_fail(engage_abi_version() == ENGAGE_ABI_VERSION, "engage_abi_version() == ENGAGE_ABI_VERSION", d);
    const char *names[] = {"ok", "error", "misuse", "invalid json", "invalid request", "invalid campaigns",
                           "no campaigns", "store error", "too big", "out of memory"};
    int all = 1;
    for (int32_t s = 0; s <= ENGAGE_NOMEM; s++) all &= engage_status_string(s) && !strcmp(engage_status_string(s), names[s]);
    pass_or_fail(all, "engage_status_string(0..9)", NULL);
    int32_t unknown[] = {-1, 11, 255, INT32_MIN, INT32_MAX};
    all = 1;
    for (int i = 0; i < 5; i++) all &= !strcmp(engage_status_string(unknown[i]), "unknown status");
    pass_or_fail(all, "engage_status_string(unknown codes)", "unknown status");
}

/* The header's default limits are the library's: one byte over each is refused. */
static void header_limits(void) {
    engage_engine *e = NULL;
    char *out = NULL;
    size_t out_len = 0, len;
    if (engage_engine_open(NULL, 0, &e, NULL, NULL) != ENGAGE_OK) { pass_or_fail(0, "header limits: open", NULL); return; }
    /* A valid request padded with spaces to exactly the limit, then one byte more. */
    const char *req = "{\"user_id\": \"u\", \"placements\": [\"p\"], \"commit\": false}";
    char *doc = repeat(req, " ", ENGAGE_DEFAULT_MAX_REQUEST_BYTES - strlen(req), "", &len);
    if (doc) {
        int32_t st = engage_decide(e, doc, len, &out, &out_len);
        pass_or_fail(st != ENGAGE_TOO_BIG, "ENGAGE_DEFAULT_MAX_REQUEST_BYTES: a request of exactly the limit is read", engage_status_string(st));
        engage_free(out);
        free(doc);
    }
    doc = repeat(req, " ", ENGAGE_DEFAULT_MAX_REQUEST_BYTES + 1 - strlen(req), "", &len);
    if (doc) {
        EXPECT("ENGAGE_DEFAULT_MAX_REQUEST_BYTES: one byte over", engage_decide(e, doc, len, &out, &out_len), ENGAGE_TOO_BIG);
        free(doc);
    }
    /* Nesting: the limit's depth is read, one level more is a JSON limit error. */
    char *deep = repeat("{\"user_id\": \"u\", \"placements\": [\"p\"], \"x\": ", "[", ENGAGE_DEFAULT_MAX_DEPTH - 1, "", &len);
    if (deep) {
        char *closed = repeat(deep, "]", ENGAGE_DEFAULT_MAX_DEPTH - 1, "}", &len);
        int32_t st = engage_decide(e, closed, len, &out, &out_len);
        pass_or_fail(st != ENGAGE_INVALID_JSON, "ENGAGE_DEFAULT_MAX_DEPTH: a request that deep is read", engage_status_string(st));
        engage_free(out);
        free(closed);
        free(deep);
    }
    deep = repeat("{\"user_id\": \"u\", \"placements\": [\"p\"], \"x\": ", "[", ENGAGE_DEFAULT_MAX_DEPTH, "", &len);
    if (deep) {
        char *closed = repeat(deep, "]", ENGAGE_DEFAULT_MAX_DEPTH, "}", &len);
        EXPECT("ENGAGE_DEFAULT_MAX_DEPTH: one level deeper", engage_decide(e, closed, len, &out, &out_len), ENGAGE_INVALID_JSON);
        free(closed);
        free(deep);
    }
    char *big = repeat("", " ", (size_t)ENGAGE_MAX_CAMPAIGN_BYTES + 1, "", &len);
    if (big) {
        EXPECT("ENGAGE_MAX_CAMPAIGN_BYTES: one byte over", engage_load_campaigns(e, big, len, &out, &out_len), ENGAGE_TOO_BIG);
        free(big);
    }
    engage_engine_close(e);
}

/* --- 16 threads, one engine, a campaign capped at 3 for one user --------------------- */

#define THREADS 16
static const char *CAP_REQUEST = "{\"user_id\": \"cap-user\", \"placement\": \"home_banner\", \"consent\": {\"service\": true}, \"app\": {\"foreground\": true}}";

static const char *CAP_CONTEXT = "{\"user_id\": \"cap-user\", \"consent\": {\"service\": true}, \"app\": {\"foreground\": true}}";
static const char *CAP_QUESTION = "{\"placement\": \"home_banner\"}";

struct worker {
    engage_engine *engine;
    int index, iterations;
    int messages, errors, misuse, ok;
};

static int count_messages(const char *text, size_t len) {
    json_object *d = NULL, *msgs;
    json_tokener *tok = json_tokener_new();
    d = json_tokener_parse_ex(tok, text, (int)len);
    json_tokener_free(tok);
    int n = d && json_object_object_get_ex(d, "messages", &msgs) ? (int)json_object_array_length(msgs) : -1;
    json_object_put(d);
    return n;
}

static void *cap_worker(void *arg) {
    struct worker *w = arg;
    size_t rl = strlen(CAP_REQUEST);
    char buf[4096];
    for (int i = 0; i < w->iterations; i++) {
        char *out = NULL;
        size_t len = 0;
        int32_t st;
        if (w->index % 4 == 3) {   /* a context per decision, as a gateway per request */
            engage_context *c = NULL;
            st = engage_context_open(w->engine, CAP_CONTEXT, strlen(CAP_CONTEXT), &c, NULL, NULL);
            if (st == ENGAGE_OK) st = engage_context_decide_into(c, CAP_QUESTION, strlen(CAP_QUESTION), buf, sizeof buf, &len);
            engage_context_close(c);
            out = st == ENGAGE_OK ? buf : NULL;
        } else if (w->index % 2) {
            st = engage_decide_into(w->engine, CAP_REQUEST, rl, buf, sizeof buf, &len);
            out = st == ENGAGE_OK ? buf : NULL;
        } else {
            st = engage_decide(w->engine, CAP_REQUEST, rl, &out, &len);
        }
        int n = st == ENGAGE_OK ? count_messages(out, len) : -1;
        if (n < 0) w->errors++; else w->messages += n;
        if (!(w->index % 2)) engage_free(out);   /* even workers used engage_decide */
        if (i % 64 == 0) { /* a malformed call now and then, racing the good ones */
            st = engage_decide(w->engine, "{\"user_id\": ", 12, &out, &len);
            if (st != ENGAGE_INVALID_JSON) w->errors++;
            engage_free(out);
        }
    }
    return NULL;
}

static void *close_racer(void *arg) {
    struct worker *w = arg;
    size_t rl = strlen(VALID_REQUEST);
    for (int i = 0; i < w->iterations; i++) {
        char *out = NULL;
        size_t len = 0;
        int32_t st = engage_decide(w->engine, VALID_REQUEST, rl, &out, &len);
        engage_free(out);
        if (st == ENGAGE_OK) w->ok++;
        else if (st == ENGAGE_MISUSE) { w->misuse++; break; }
        else w->errors++;
    }
    return NULL;
}

static void threads(const char *corpus, const char *campaigns, size_t campaigns_len, int iterations) {
    char path[1024], d[160];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/valid-cap3-set.json", corpus);
    char *set = read_file(path, &len);
    if (!set) { pass_or_fail(0, "cap test", "no valid-cap3-set.json"); return; }
    engage_engine *e = open_engine(FIXED_CONFIG, set, len);
    free(set);
    struct worker w[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.engine = e, .index = i, .iterations = iterations};
        pthread_create(&t[i], NULL, cap_worker, &w[i]);
    }
    int messages = 0, errors = 0;
    for (int i = 0; i < THREADS; i++) { pthread_join(t[i], NULL); messages += w[i].messages; errors += w[i].errors; }
    snprintf(d, sizeof d, "%d messages, %d errors in %d decisions", messages, errors, THREADS * iterations);
    pass_or_fail(messages == 3 && errors == 0, "16 threads, cap 3 for one user -> exactly 3", d);

    char *out = NULL;
    int32_t st = engage_drain_exposures(e, 0, &out, &len);
    json_object *x = st == ENGAGE_OK ? json_tokener_parse(out) : NULL;
    int treat = 0;
    for (size_t i = 0; x && i < json_object_array_length(x); i++) {
        json_object *g;
        if (json_object_object_get_ex(json_object_array_get_idx(x, i), "group", &g) && !strcmp(json_object_get_string(g), "treatment")) treat++;
    }
    snprintf(d, sizeof d, "%d treatment exposures", treat);
    pass_or_fail(treat == 3, "cap test: exposures drained", d);
    json_object_put(x);
    engage_free(out);
    st = engage_stats(e, &out, &len);
    json_object *s = st == ENGAGE_OK ? json_tokener_parse(out) : NULL, *n;
    int64_t decisions = s && json_object_object_get_ex(s, "decisions", &n) ? json_object_get_int64(n) : -1;
    snprintf(d, sizeof d, "decisions %lld", (long long)decisions);
    pass_or_fail(decisions == (int64_t)THREADS * iterations, "cap test: stats count every decision", d);
    json_object_put(s);
    engage_free(out);
    engage_engine_close(e);

    /* Close while 4 threads decide: each call is OK or MISUSE, never anything worse. */
    e = open_engine(FIXED_CONFIG, campaigns, campaigns_len);
    struct worker r[4];
    pthread_t rt[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct worker){.engine = e, .index = i, .iterations = 1000000};
        pthread_create(&rt[i], NULL, close_racer, &r[i]);
    }
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);
    engage_engine_close(e);
    int ok = 0, mis = 0, err = 0;
    for (int i = 0; i < 4; i++) { pthread_join(rt[i], NULL); ok += r[i].ok; mis += r[i].misuse; err += r[i].errors; }
    snprintf(d, sizeof d, "%d ok before the close, %d threads saw MISUSE, %d other", ok, mis, err);
    pass_or_fail(mis == 4 && err == 0, "close while 4 threads decide", d);
    engage_engine_close(e);
}

int main(int argc, char **argv) {
    const char *corpus = argc > 1 ? argv[1] : "corpus";
    const char *campaigns_path = argc > 2 ? argv[2] : "../../examples/campaigns/telco-full.json";
    const char *it = getenv("ROBUST_DECISIONS");
    int iterations = it ? atoi(it) : 2000;
    if (getenv("ROBUST_QUIET")) verbose = 0;
    size_t campaigns_len = 0;
    char *campaigns = read_file(campaigns_path, &campaigns_len);
    if (!campaigns) { fprintf(stderr, "cannot read %s\n", campaigns_path); return 1; }

    versions();
    engage_engine *e = open_engine(FIXED_CONFIG, campaigns, campaigns_len);
    engage_engine *big = open_engine("{\"defaults\": {\"fixed_clock_ms\": 1795150000000}, \"limits\": {\"max_request_bytes\": 67108864, \"max_depth\": 1024}}",
                                     campaigns, campaigns_len);
    if (!e || !big) { fprintf(stderr, "cannot open engines\n"); return 1; }
    run_corpus(e, corpus);
    generated(e, big);
    issue13(e);
    header_limits();
    misuse(e, campaigns, campaigns_len);
    contexts(e, campaigns, campaigns_len);
    threads(corpus, campaigns, campaigns_len, iterations);

    /* After all that, the engine still answers. */
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_decide(e, VALID_REQUEST, strlen(VALID_REQUEST), &out, &len);
    pass_or_fail(st == ENGAGE_OK && count_messages(out, len) == 1, "the engine still decides after the corpus", engage_status_string(st));
    engage_free(out);
    engage_engine_close(e);
    engage_engine_close(big);
    free(campaigns);
    printf("robustness: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}

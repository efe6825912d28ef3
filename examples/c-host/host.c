/*
** host.c — embedding libengage from C, with json-c for building requests and reading
** decisions. Opens an engine on a fixed clock, loads a campaign set, decides (twice:
** engage_decide and the allocation-free engage_decide_into), records a dismissal,
** drains the exposure log, prints the counters and a timing of engage_decide.
**
**   ./host [campaigns.json]      (default ../../examples/campaigns/telco-full.json)
**   HOST_TIMING_N=100            how many engage_decide calls the timing makes (0: none)
**
** Every buffer the library returns is released with engage_free(). Exit status 0 when
** every call returned what was expected.
*/
#define _POSIX_C_SOURCE 200809L
#include <engage.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FIXED_NOW 1795150000000LL
static int failures = 0;

static void expect(int ok, const char *what) {
    if (!ok) { fprintf(stderr, "FAIL: %s\n", what); failures++; }
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return NULL; }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) { char *b = realloc(buf, cap *= 2); if (!b) { free(buf); buf = NULL; } else buf = b; }
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Parses `len` bytes of JSON the library returned (NULL when it does not parse). */
static json_object *parse(const char *text, size_t len) {
    if (!text) return NULL;
    json_tokener *tok = json_tokener_new();
    json_object *o = json_tokener_parse_ex(tok, text, (int)len);
    if (json_tokener_get_error(tok) != json_tokener_success) { json_object_put(o); o = NULL; }
    json_tokener_free(tok);
    return o;
}

static const char *str(json_object *o, const char *key) {
    json_object *v;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

/* Prints one line per message of a decision; returns how many there were. */
static size_t summarize(const char *label, json_object *decision) {
    json_object *msgs;
    size_t n = 0;
    if (json_object_object_get_ex(decision, "messages", &msgs)) n = json_object_array_length(msgs);
    printf("%-26s user %-14s %zu message(s)\n", label, str(decision, "user_id"), n);
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(msgs, i), *cost;
        double c = json_object_object_get_ex(m, "cost", &cost) ? json_object_get_double(cost) : 0;
        printf("    campaign %-24s channel %-8s cost %.3f%s%s\n", str(m, "campaign"), str(m, "channel"), c,
               *str(m, "placement") ? "  placement " : "", str(m, "placement"));
    }
    json_object *expl;
    if (json_object_object_get_ex(decision, "explanation", &expl))
        for (size_t i = 0; i < json_object_array_length(expl); i++) {
            json_object *e = json_object_array_get_idx(expl, i);
            if (strcmp(str(e, "reason"), "trigger") && strcmp(str(e, "reason"), "status"))
                printf("    why: %-24s %-12s %s\n", str(e, "campaign"), str(e, "reason"), str(e, "detail"));
        }
    return n;
}

/* engage_decide with a json-c request; returns the parsed decision (caller puts it). */
static json_object *decide(engage_engine *e, json_object *req, int32_t *status) {
    size_t len;
    const char *text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &len);
    char *out = NULL;
    size_t out_len = 0;
    *status = engage_decide(e, text, len, &out, &out_len);
    json_object *d = parse(out, out_len);
    if (*status != ENGAGE_OK) fprintf(stderr, "engage_decide: %s: %s\n", engage_status_string(*status), out ? out : "");
    engage_free(out);
    return d;
}

static int32_t record(engage_engine *e, json_object *rec) {
    size_t len;
    const char *text = json_object_to_json_string_length(rec, JSON_C_TO_STRING_PLAIN, &len);
    char *out = NULL;
    size_t out_len = 0;
    int32_t st = engage_record(e, text, len, &out, &out_len);
    if (st != ENGAGE_OK) fprintf(stderr, "engage_record: %s: %s\n", engage_status_string(st), out ? out : "");
    engage_free(out);
    json_object_put(rec);
    return st;
}

static json_object *strings(const char *a, const char *b, const char *c) {
    json_object *arr = json_object_new_array();
    const char *v[] = {a, b, c};
    for (int i = 0; i < 3; i++) if (v[i]) json_object_array_add(arr, json_object_new_string(v[i]));
    return arr;
}

/* The plan-page request: a page view of /plans, asking for the home pop-up. */
static json_object *plan_request(const char *user, int commit, int explain, int padding) {
    json_object *r = json_object_new_object();
    json_object_object_add(r, "user_id", json_object_new_string(user));
    json_object_object_add(r, "time_zone", json_object_new_string("Asia/Seoul"));
    json_object *ev = json_object_new_object(), *props = json_object_new_object();
    json_object_object_add(props, "page", json_object_new_string("/plans"));
    json_object_object_add(props, "referrer", json_object_new_string("app_home"));
    json_object_object_add(ev, "name", json_object_new_string("page_view"));
    json_object_object_add(ev, "properties", props);
    json_object_object_add(r, "event", ev);
    json_object_object_add(r, "placements", strings("app_home_popup", NULL, NULL));
    json_object_object_add(r, "k", json_object_new_int(1));
    json_object *consent = json_object_new_object(), *mk = json_object_new_object();
    json_object_object_add(mk, "push", json_object_new_boolean(1));
    json_object_object_add(mk, "sms", json_object_new_boolean(0));
    json_object_object_add(mk, "in_app", json_object_new_boolean(1));
    json_object_object_add(consent, "marketing", mk);
    json_object_object_add(consent, "service", json_object_new_boolean(1));
    json_object_object_add(r, "consent", consent);
    json_object_object_add(r, "channels", strings("push", "sms", "email"));
    json_object *app = json_object_new_object();
    json_object_object_add(app, "foreground", json_object_new_boolean(1));
    json_object_object_add(app, "version", json_object_new_string("7.4.1"));
    json_object_object_add(r, "app", app);
    json_object *u = json_object_new_object();
    json_object_object_add(u, "first_name", json_object_new_string("Min"));
    json_object_object_add(u, "age", json_object_new_int(34));
    json_object_object_add(u, "plan", json_object_new_string("LTE-S"));
    json_object_object_add(u, "tenure_months", json_object_new_int(26));
    json_object_object_add(u, "plan_locked", json_object_new_boolean(0));
    for (int i = 0; i < padding; i++) { /* attributes a real profile carries, to size the request */
        char k[32], v[64];
        snprintf(k, sizeof k, "attr_%02d", i);
        snprintf(v, sizeof v, "value-%02d-abcdefghijklmnopqrstuvwxyz", i);
        json_object_object_add(u, k, json_object_new_string(v));
    }
    json_object_object_add(r, "user", u);
    json_object *offer = json_object_new_object();
    json_object_object_add(offer, "plan", json_object_new_string("5G Standard"));
    json_object_object_add(r, "offer", offer);
    json_object_object_add(r, "commit", json_object_new_boolean(commit));
    json_object_object_add(r, "explain", json_object_new_boolean(explain));
    return r;
}

static json_object *event_record(const char *user, const char *name, const char *page, long long time) {
    json_object *r = json_object_new_object(), *p = json_object_new_object();
    json_object_object_add(r, "user_id", json_object_new_string(user));
    json_object_object_add(r, "type", json_object_new_string("event"));
    json_object_object_add(r, "name", json_object_new_string(name));
    json_object_object_add(r, "time", json_object_new_int64(time));
    json_object_object_add(p, "page", json_object_new_string(page));
    json_object_object_add(r, "properties", p);
    return r;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *campaigns_path = argc > 1 ? argv[1] : "../../examples/campaigns/telco-full.json";
    const char *n_env = getenv("HOST_TIMING_N");
    int timing_n = n_env ? atoi(n_env) : 100;

    printf("libengage %s (ABI %d; header %s, ABI %d)\n", engage_version(), engage_abi_version(),
           ENGAGE_VERSION, ENGAGE_ABI_VERSION);
    if (engage_abi_version() != ENGAGE_ABI_VERSION) { fprintf(stderr, "ABI mismatch\n"); return 1; }

    /* 1. Open: in-memory store, a fixed clock (Friday 2026-11-20 13:46 in Seoul). */
    json_object *config = json_object_new_object(), *defaults = json_object_new_object();
    json_object_object_add(defaults, "fixed_clock_ms", json_object_new_int64(FIXED_NOW));
    json_object_object_add(config, "defaults", defaults);
    size_t clen;
    const char *ctext = json_object_to_json_string_length(config, JSON_C_TO_STRING_PLAIN, &clen);
    engage_engine *engine = NULL;
    char *out = NULL;
    size_t out_len = 0;
    int32_t st = engage_engine_open(ctext, clen, &engine, &out, &out_len);
    json_object_put(config);
    if (st != ENGAGE_OK) { fprintf(stderr, "open: %s %s\n", engage_status_string(st), out ? out : ""); engage_free(out); return 1; }
    engage_free(out);

    /* 2. Load the campaign set. */
    size_t set_len;
    char *set = read_file(campaigns_path, &set_len);
    if (!set) { engage_engine_close(engine); return 1; }
    st = engage_load_campaigns(engine, set, set_len, &out, &out_len);
    free(set);
    printf("load %s: %s\n", campaigns_path, engage_status_string(st));
    if (st != ENGAGE_OK) fprintf(stderr, "%s\n", out ? out : "");
    expect(st == ENGAGE_OK, "engage_load_campaigns");
    /* The reply lists what did not fail the load; the example set has no warnings. */
    json_object *loaded = out ? json_tokener_parse(out) : NULL;
    json_object *warnings = NULL;
    expect(loaded && json_object_object_get_ex(loaded, "warnings", &warnings)
           && json_object_is_type(warnings, json_type_array) && json_object_array_length(warnings) == 0,
           "engage_load_campaigns reply has an empty \"warnings\" list");
    json_object_put(loaded);
    engage_free(out);

    /* 3. A plan shopper: three /plans page views this week, then a decision. */
    const char *user = "sub-0102-5567";
    for (int i = 1; i <= 3; i++)
        expect(record(engine, event_record(user, "page_view", "/plans", FIXED_NOW - i * 3600000LL)) == ENGAGE_OK, "record event");
    json_object *req = plan_request(user, 1, 0, 0);
    json_object *d = decide(engine, req, &st);
    json_object_put(req);
    expect(st == ENGAGE_OK && d, "engage_decide plan page");
    size_t n = summarize("engage_decide", d);
    json_object *msgs, *m0;
    expect(n == 1 && json_object_object_get_ex(d, "messages", &msgs) && (m0 = json_object_array_get_idx(msgs, 0)) &&
           !strcmp(str(m0, "campaign"), "plan-change-nudge") && !strcmp(str(m0, "channel"), "in_app"),
           "plan-change-nudge in-app");
    json_object_put(d);

    /* 4. engage_decide_into: the home banner slot, into a stack buffer. */
    json_object *slate = json_object_new_object();
    json_object_object_add(slate, "user_id", json_object_new_string("sub-0417-2231"));
    json_object_object_add(slate, "placements", strings("app_home_popup", "app_home_banner", NULL));
    json_object *c2 = json_object_new_object(), *app = json_object_new_object(), *u = json_object_new_object();
    json_object_object_add(c2, "marketing", json_object_new_boolean(0));
    json_object_object_add(c2, "service", json_object_new_boolean(1));
    json_object_object_add(slate, "consent", c2);
    json_object_object_add(app, "foreground", json_object_new_boolean(1));
    json_object_object_add(slate, "app", app);
    json_object_object_add(u, "plan", json_object_new_string("5G-Premium"));
    json_object_object_add(u, "plan_includes_ott", json_object_new_boolean(1));
    json_object_object_add(u, "ott_linked", json_object_new_boolean(0));
    json_object_object_add(u, "ott_provider", json_object_new_string("streamflix"));
    json_object_object_add(slate, "user", u);
    size_t slen;
    const char *stext = json_object_to_json_string_length(slate, JSON_C_TO_STRING_PLAIN, &slen);
    char buf[8192];
    size_t need = 0;
    st = engage_decide_into(engine, stext, slen, buf, sizeof buf, &need);
    json_object_put(slate);
    expect(st == ENGAGE_OK && need < sizeof buf, "engage_decide_into");
    d = st == ENGAGE_OK ? parse(buf, need) : NULL;
    n = d ? summarize("engage_decide_into", d) : 0;
    expect(n == 1 && json_object_object_get_ex(d, "messages", &msgs) &&
           !strcmp(str(json_object_array_get_idx(msgs, 0), "campaign"), "ott-bundle-activation"), "ott-bundle-activation");
    json_object_put(d);

    /* 5. The user dismisses the nudge; asking again (explained, not committed) says why not. */
    json_object *dis = json_object_new_object();
    json_object_object_add(dis, "user_id", json_object_new_string(user));
    json_object_object_add(dis, "type", json_object_new_string("dismissal"));
    json_object_object_add(dis, "campaign", json_object_new_string("plan-change-nudge"));
    json_object_object_add(dis, "time", json_object_new_int64(FIXED_NOW + 60000));
    expect(record(engine, dis) == ENGAGE_OK, "record dismissal");
    req = plan_request(user, 0, 1, 0);
    json_object_object_add(req, "now", json_object_new_int64(FIXED_NOW + 120000));
    d = decide(engine, req, &st);
    json_object_put(req);
    expect(st == ENGAGE_OK && summarize("after dismissal", d) == 0, "no message after dismissal");
    json_object *expl;
    int cooled = 0;
    if (json_object_object_get_ex(d, "explanation", &expl))
        for (size_t i = 0; i < json_object_array_length(expl); i++) {
            json_object *e = json_object_array_get_idx(expl, i);
            cooled |= !strcmp(str(e, "campaign"), "plan-change-nudge") && !strcmp(str(e, "reason"), "cooldown");
        }
    expect(cooled, "plan-change-nudge in cooldown");
    json_object_put(d);

    /* 6. Exposures, then the counters. */
    st = engage_drain_exposures(engine, 0, &out, &out_len);
    json_object *exp = parse(out, out_len);
    engage_free(out);
    expect(st == ENGAGE_OK && json_object_is_type(exp, json_type_array), "engage_drain_exposures");
    size_t ne = exp ? json_object_array_length(exp) : 0;
    printf("exposures drained: %zu\n", ne);
    for (size_t i = 0; i < ne; i++) {
        json_object *x = json_object_array_get_idx(exp, i);
        printf("    %s %s %s %s\n", str(x, "user_id"), str(x, "campaign"), str(x, "group"), str(x, "channel"));
    }
    expect(ne == 2, "two exposures (nudge, banner)");
    json_object_put(exp);

    st = engage_stats(engine, &out, &out_len);
    json_object *stats = parse(out, out_len);
    expect(st == ENGAGE_OK && stats, "engage_stats");
    printf("stats: %s\n", stats ? json_object_to_json_string_ext(stats, JSON_C_TO_STRING_PLAIN) : "?");
    json_object_put(stats);
    engage_free(out);

    /* 7. Timing: engage_decide on a ~1 KB request, not committed (same work each time). */
    if (timing_n > 0) {
        req = plan_request("sub-timing-0001", 0, 0, 11);
        size_t rlen;
        const char *rtext = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &rlen);
        double *us = calloc((size_t)timing_n, sizeof *us);
        int ok = us != NULL;
        for (int i = 0; ok && i < timing_n; i++) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            st = engage_decide(engine, rtext, rlen, &out, &out_len);
            clock_gettime(CLOCK_MONOTONIC, &b);
            engage_free(out);
            ok = st == ENGAGE_OK;
            us[i] = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
        }
        expect(ok, "timed decisions");
        if (ok) {
            qsort(us, (size_t)timing_n, sizeof *us, cmp_double);
            printf("engage_decide, %zu-byte request, %d calls: median %.1f us, min %.1f us, max %.1f us\n", rlen,
                   timing_n, us[timing_n / 2], us[0], us[timing_n - 1]);
        }
        free(us);
        json_object_put(req);
    }

    engage_engine_close(engine);
    printf(failures ? "host: %d FAILED\n" : "host: ok\n", failures);
    return failures ? 1 : 0;
}

/*
** contract.c — the language-neutral vectors of Tests/vectors (Tests/vectors/README.md)
** replayed through the C ABI with json-c:
**
**   decisions/NAME.json  each vector's campaign set loaded (engage_load_campaigns), its
**                     records recorded (engage_record), each step's request decided
**                     (engage_decide) and the exposures drained (engage_drain_exposures);
**                     messages (campaign, channel, placement, variant, payload), every
**                     exposure record and every campaign's reason must equal `expected`;
**   consent.json         every case decided against the file's campaign set: a message
**                     exactly when the case says "shown".
**
** (bucketing.json is replayed by vectors.c.) A failure prints the file and the first
** difference; the exit status is 1 when anything differs.
**
**   ./contract path/to/Tests/vectors
*/
#define _DEFAULT_SOURCE /* scandir, alphasort */
#include <engage.h>
#include <json-c/json.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

static void fail(const char *file, const char *fmt, const char *a, const char *b, const char *c) {
    failures++;
    fprintf(stderr, "FAIL %s: ", file);
    fprintf(stderr, fmt, a, b, c);
    fputc('\n', stderr);
}

static const char *text(json_object *v) {
    return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "missing";
}

static int is_number(json_object *v) {
    return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
}

/* Writes the first place where `got` differs from `want` ("path: expected X, got Y")
** into `out` and returns 1; returns 0 when they are equal. */
static int difference(json_object *want, json_object *got, const char *path, char *out, size_t cap) {
    char sub[512];
    if (is_number(want) && is_number(got)) {
        if (json_object_get_double(want) == json_object_get_double(got)) return 0;
    } else if (json_object_get_type(want) == json_object_get_type(got)) {
        switch (json_object_get_type(want)) {
        case json_type_null: return 0;
        case json_type_boolean:
            if (json_object_get_boolean(want) == json_object_get_boolean(got)) return 0;
            break;
        case json_type_string:
            if (json_object_get_string_len(want) == json_object_get_string_len(got) &&
                memcmp(json_object_get_string(want), json_object_get_string(got),
                       (size_t)json_object_get_string_len(want)) == 0) return 0;
            break;
        case json_type_array: {
            size_t nw = json_object_array_length(want), ng = json_object_array_length(got);
            for (size_t i = 0; i < nw && i < ng; i++) {
                snprintf(sub, sizeof sub, "%s[%zu]", path, i);
                if (difference(json_object_array_get_idx(want, i), json_object_array_get_idx(got, i), sub, out, cap)) return 1;
            }
            if (nw == ng) return 0;
            snprintf(out, cap, "%s: expected %zu elements, got %zu", path, nw, ng);
            return 1;
        }
        case json_type_object: {
            json_object_object_foreach(want, k, wv) {
                json_object *gv;
                snprintf(sub, sizeof sub, "%s.%s", path, k);
                if (!json_object_object_get_ex(got, k, &gv)) {
                    snprintf(out, cap, "%s: expected %s, missing", sub, text(wv));
                    return 1;
                }
                if (difference(wv, gv, sub, out, cap)) return 1;
            }
            json_object_object_foreach(got, gk, gv2) {
                if (!json_object_object_get_ex(want, gk, NULL)) {
                    snprintf(out, cap, "%s.%s: unexpected %s", path, gk, text(gv2));
                    return 1;
                }
            }
            return 0;
        }
        default: break;
        }
    }
    snprintf(out, cap, "%s: expected %.200s, got %.200s", path, text(want), text(got));
    return 1;
}

/* Calls fn-like results: the text as json-c (NULL and a failure when status is not OK). */
static json_object *result(const char *file, const char *what, int32_t st, char *out, size_t n) {
    json_object *v = NULL;
    if (st != ENGAGE_OK) {
        fail(file, "%s: %s: %s", what, engage_status_string(st), out ? out : "");
    } else if (out) {
        json_tokener *tok = json_tokener_new();
        v = json_tokener_parse_ex(tok, out, (int)n);
        json_tokener_free(tok);
        if (!v) fail(file, "%s: the library's answer is not JSON: %s%s", what, out, "");
    }
    engage_free(out);
    return v;
}

static int call(const char *file, const char *what, engage_engine *e, json_object *doc,
                int32_t (*fn)(engage_engine *, const char *, size_t, char **, size_t *), json_object **answer) {
    size_t len;
    const char *s = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, &len);
    char *out = NULL;
    size_t n = 0;
    int32_t st = fn(e, s, len, &out, &n);
    json_object *v = result(file, what, st, out, n);
    if (answer) *answer = v; else json_object_put(v);
    return st == ENGAGE_OK;
}

/* What a vector pins of a decision; consumes `exposures`. */
static json_object *observed(json_object *decision, json_object *exposures) {
    static const char *keys[] = {"campaign", "channel", "placement", "variant", "payload"};
    json_object *o = json_object_new_object(), *messages = json_object_new_array(),
                *explanation = json_object_new_array(), *list, *v;
    if (json_object_object_get_ex(decision, "messages", &list)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *m = json_object_array_get_idx(list, i), *p = json_object_new_object();
            for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
                if (json_object_object_get_ex(m, keys[k], &v)) json_object_object_add(p, keys[k], json_object_get(v));
            json_object_array_add(messages, p);
        }
    }
    if (json_object_object_get_ex(decision, "explanation", &list)) {
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            json_object *t = json_object_array_get_idx(list, i), *p = json_object_new_object();
            if (json_object_object_get_ex(t, "campaign", &v)) json_object_object_add(p, "campaign", json_object_get(v));
            if (json_object_object_get_ex(t, "reason", &v)) json_object_object_add(p, "reason", json_object_get(v));
            json_object_array_add(explanation, p);
        }
    }
    json_object_object_add(o, "messages", messages);
    json_object_object_add(o, "exposures", exposures);
    json_object_object_add(o, "explanation", explanation);
    return o;
}

static void replay_decision(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/decisions/%s", dir, name);
    json_object *vector = json_object_from_file(path), *set, *records, *steps;
    if (!vector || !json_object_object_get_ex(vector, "campaign_set", &set) ||
        !json_object_object_get_ex(vector, "records", &records) || !json_object_object_get_ex(vector, "steps", &steps)) {
        fail(name, "not a decision vector (campaign_set, records, steps)%s%s%s", "", "", "");
        json_object_put(vector);
        return;
    }
    engage_engine *e = NULL;
    if (engage_engine_open(NULL, 0, &e, NULL, NULL) != ENGAGE_OK) {
        fail(name, "engage_engine_open failed%s%s%s", "", "", "");
        json_object_put(vector);
        return;
    }
    int ok = call(name, "load", e, set, engage_load_campaigns, NULL);
    for (size_t i = 0; ok && i < json_object_array_length(records); i++)
        ok = call(name, "record", e, json_object_array_get_idx(records, i), engage_record, NULL);
    for (size_t i = 0; ok && i < json_object_array_length(steps); i++) {
        json_object *step = json_object_array_get_idx(steps, i), *request, *expected, *decision = NULL;
        char where[32], diff[1024];
        snprintf(where, sizeof where, "steps[%zu]", i);
        if (!json_object_object_get_ex(step, "request", &request) || !json_object_object_get_ex(step, "expected", &expected)) {
            fail(name, "%s: no request or expected%s%s", where, "", "");
            break;
        }
        if (!call(name, where, e, request, engage_decide, &decision) || !decision) break;
        char *out = NULL;
        size_t n = 0;
        int32_t st = engage_drain_exposures(e, 0, &out, &n);
        json_object *exposures = result(name, "drain", st, out, n);
        json_object *got = observed(decision, exposures ? exposures : json_object_new_array());
        if (difference(expected, got, where, diff, sizeof diff)) {
            fail(name, "%s%s%s", diff, "", "");
            ok = 0;
        }
        json_object_put(got);
        json_object_put(decision);
    }
    engage_engine_close(e);
    json_object_put(vector);
}

static size_t replay_decisions(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/decisions", dir);
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        fail(path, "cannot list the folder%s%s%s", "", "", "");
        return 0;
    }
    size_t count = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]->d_name);
        if (len > 5 && strcmp(names[i]->d_name + len - 5, ".json") == 0) {
            replay_decision(dir, names[i]->d_name);
            count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

static size_t replay_consent(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/consent.json", dir);
    json_object *doc = json_object_from_file(path), *set, *cases;
    size_t count = 0;
    engage_engine *e = NULL;
    if (!doc || !json_object_object_get_ex(doc, "campaign_set", &set) || !json_object_object_get_ex(doc, "cases", &cases)) {
        fail("consent.json", "not the consent vectors (campaign_set, cases)%s%s%s", "", "", "");
    } else if (engage_engine_open(NULL, 0, &e, NULL, NULL) != ENGAGE_OK) {
        fail("consent.json", "engage_engine_open failed%s%s%s", "", "", "");
    } else if (call("consent.json", "load", e, set, engage_load_campaigns, NULL)) {
        for (size_t i = 0; i < json_object_array_length(cases); i++, count++) {
            json_object *c = json_object_array_get_idx(cases, i), *request, *shown, *name, *decision = NULL, *messages;
            if (!json_object_object_get_ex(c, "request", &request) || !json_object_object_get_ex(c, "shown", &shown) ||
                !json_object_object_get_ex(c, "name", &name)) {
                fail("consent.json", "a case without request, shown or name%s%s%s", "", "", "");
                continue;
            }
            if (!call("consent.json", json_object_get_string(name), e, request, engage_decide, &decision) || !decision) continue;
            int got = json_object_object_get_ex(decision, "messages", &messages) && json_object_array_length(messages) > 0;
            if (got != json_object_get_boolean(shown))
                fail("consent.json", "case \"%s\": expected shown %s, got %s", json_object_get_string(name),
                     json_object_get_boolean(shown) ? "true" : "false", got ? "true" : "false");
            json_object_put(decision);
        }
    }
    engage_engine_close(e);
    json_object_put(doc);
    return count;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/Tests/vectors\n", argv[0]);
        return 2;
    }
    char diff[256];
    json_object *a = json_tokener_parse("{\"a\": [1, {\"b\": \"x\"}]}"), *b = json_tokener_parse("{\"a\": [1, {\"b\": \"y\"}]}");
    if (!difference(a, b, "$", diff, sizeof diff) || strcmp(diff, "$.a[1].b: expected \"x\", got \"y\"") != 0)
        fail("contract.c", "difference() says \"%s\"%s%s", diff, "", "");
    json_object_put(a);
    json_object_put(b);
    size_t decisions = replay_decisions(argv[1]);
    if (decisions < 50) fail("decisions", "%s vectors, expected at least 50%s%s", decisions ? "too few" : "no", "", "");
    size_t consent = replay_consent(argv[1]);
    if (consent < 200) fail("consent.json", "too few cases%s%s%s", "", "", "");
    printf("contract: %zu decision vectors, %zu consent cases, %d failures\n", decisions, consent, failures);
    return failures ? 1 : 0;
}

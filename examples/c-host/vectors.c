/*
** vectors.c — Tests/vectors/bucketing.json (docs/bucketing.md) replayed through the C ABI
** as whole decisions: each vector becomes a campaign set, built with json-c, that is
** loaded with engage_load_campaigns; a decision for the vector's user is then taken with
** engage_decide and compared with the vector.
**
**   rollout   one set, two campaigns a vector: the audience {"rollout": [salt, percent,
**             id]} over the vector's user sent as data, and {"rollout": [salt, percent]}
**             over the request's user_id — shown exactly when the vector is "in";
**   holdout   the vector's campaign with its "salt" and "holdout_percent": a holdout
**             assignment and no message exactly when "in";
**   control   policies.control_group_percent and control_group_salt: a control
**             assignment and no message exactly when "in";
**   variants  the vector's campaign with its "salt" and variants v0, v1, … weighted as
**             the vector (fractional weights scaled by the least power of ten that makes
**             them whole, which keeps every bound): one message of the vector's variant.
**
** A user no request can name (user_id is 1–256 bytes without NUL: the empty one) must be
** refused at "user_id". Every vector is counted: one neither replayed nor refused fails.
**
**   ./vectors path/to/Tests/vectors/bucketing.json
*/
#include <engage.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define NOW_MS 1795150000000LL

static int failures = 0;

static void fail(const char *section, size_t i, const char *why) {
    failures++;
    fprintf(stderr, "FAIL %s[%zu]: %s\n", section, i, why);
}

/* What a request accepts as user_id (docs/decisions.md). */
static int requestable(json_object *user) {
    size_t n = (size_t)json_object_get_string_len(user);
    return n >= 1 && n <= 256 && memchr(json_object_get_string(user), 0, n) == NULL;
}

/* A service campaign on `placement`, salted only when `salt` is not empty (so the
** unsalted vectors replay the default). Adds to `extra` (consumed) and returns it. */
static json_object *campaign(json_object *extra, json_object *id, json_object *salt, const char *placement) {
    json_object *placements = json_object_new_array(), *channels = json_object_new_object(),
                *in_app = json_object_new_object();
    json_object_array_add(placements, json_object_new_string(placement));
    json_object_object_add(in_app, "payload", json_object_new_object());
    json_object_object_add(channels, "in_app", in_app);
    json_object_object_add(extra, "id", json_object_get(id));
    json_object_object_add(extra, "purpose", json_object_new_string("service"));
    json_object_object_add(extra, "status", json_object_new_string("active"));
    json_object_object_add(extra, "placements", placements);
    json_object_object_add(extra, "channels", channels);
    if (salt && json_object_get_string_len(salt) > 0) json_object_object_add(extra, "salt", json_object_get(salt));
    return extra;
}

/* {"version": 1, "campaigns": [campaigns…]} plus `policies` when not NULL (consumed). */
static json_object *campaign_set(json_object *campaigns, json_object *policies) {
    json_object *set = json_object_new_object();
    json_object_object_add(set, "version", json_object_new_int(1));
    json_object_object_add(set, "bucketing_version", json_object_new_int(1));
    if (policies) json_object_object_add(set, "policies", policies);
    json_object_object_add(set, "campaigns", campaigns);
    return set;
}

static int load(engage_engine *e, json_object *set, const char *section, size_t i) {
    const char *text = json_object_to_json_string_ext(set, JSON_C_TO_STRING_PLAIN);
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_load_campaigns(e, text, strlen(text), &out, &len);
    if (st != ENGAGE_OK) {
        char why[512];
        snprintf(why, sizeof why, "load: %s %.400s", engage_status_string(st), out ? out : "");
        fail(section, i, why);
    }
    engage_free(out);
    json_object_put(set);
    return st == ENGAGE_OK;
}

/* The parsed decision for `user` at `placement` (`bucket_id` sent as user.bucket_id
** when not NULL), or NULL: then *refused says whether the request was refused at
** user_id, which is right exactly for a user no request can name. */
static json_object *decide(engage_engine *e, json_object *user, const char *placement, json_object *bucket_id,
                           const char *section, size_t i, int *refused) {
    json_object *req = json_object_new_object(), *app = json_object_new_object();
    json_object_object_add(req, "user_id", json_object_get(user));
    json_object_object_add(req, "placement", json_object_new_string(placement));
    json_object_object_add(app, "foreground", json_object_new_boolean(1));
    json_object_object_add(req, "app", app);
    json_object_object_add(req, "commit", json_object_new_boolean(0));
    json_object_object_add(req, "now", json_object_new_int64(NOW_MS));
    if (bucket_id) {
        json_object *data = json_object_new_object();
        json_object_object_add(data, "bucket_id", json_object_get(bucket_id));
        json_object_object_add(req, "user", data);
    }
    const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_decide(e, text, strlen(text), &out, &len);
    json_object_put(req);
    json_object *d = out ? json_tokener_parse(out) : NULL;
    json_object *path = NULL;
    *refused = 0;
    char why[512];
    if (st != ENGAGE_OK) {
        *refused = st == ENGAGE_INVALID_REQUEST && json_object_object_get_ex(d, "path", &path) &&
                   !strcmp(json_object_get_string(path), "user_id") && !requestable(user);
        if (!*refused) {
            snprintf(why, sizeof why, "decide: %s %.400s", engage_status_string(st), out ? out : "");
            fail(section, i, why);
        }
        json_object_put(d);
        d = NULL;
    } else if (!requestable(user)) {
        snprintf(why, sizeof why, "user %.40s was decided for, not refused at user_id", json_object_get_string(user));
        fail(section, i, why);
    } else if (!d) {
        fail(section, i, "the decision is not JSON");
    }
    engage_free(out);
    return d;
}

static size_t count(json_object *d, const char *member) {
    json_object *a = NULL;
    return json_object_object_get_ex(d, member, &a) ? json_object_array_length(a) : 0;
}

/* Member `key` of element `index` of array `member` of `d`, as a string ("" if absent). */
static const char *element_string(json_object *d, const char *member, size_t index, const char *key) {
    json_object *a = NULL, *v = NULL;
    if (!json_object_object_get_ex(d, member, &a) || index >= json_object_array_length(a)) return "";
    if (!json_object_object_get_ex(json_object_array_get_idx(a, index), key, &v)) return "";
    return json_object_get_string(v);
}

static json_object *field(json_object *v, const char *key) {
    json_object *f = NULL;
    json_object_object_get_ex(v, key, &f);
    return f;
}

/* Prints and checks the tally of one section: every vector replayed or (its user being
** one no request can name) refused. */
static void tally(const char *section, json_object *vectors, size_t replayed, size_t refused) {
    size_t n = json_object_array_length(vectors), unusable = 0;
    for (size_t i = 0; i < n; i++) unusable += !requestable(field(json_object_array_get_idx(vectors, i), "user"));
    printf("vectors: %-8s %zu of %zu replayed as decisions, %zu refused at user_id\n", section, replayed, n, refused);
    if (n == 0 || replayed != n - unusable || refused != unusable) {
        char why[160];
        snprintf(why, sizeof why, "%zu vectors, %zu replayed, %zu refused, %zu users no request can name",
                 n, replayed, refused, unusable);
        fail(section, n, why);
    }
}

static void rollout(engage_engine *e, json_object *vectors) {
    size_t n = json_object_array_length(vectors), checked[2] = {0, 0}, unusable = 0;
    json_object *campaigns = json_object_new_array();
    char placement[32];
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vectors, i);
        for (int form = 0; form < 2; form++) {
            json_object *rule = json_object_new_array(), *audience = json_object_new_object();
            json_object_array_add(rule, json_object_get(field(v, "salt")));
            json_object_array_add(rule, json_object_get(field(v, "percent")));
            if (form == 0) {
                json_object *var = json_object_new_object();
                json_object_object_add(var, "var", json_object_new_string("user.bucket_id"));
                json_object_array_add(rule, var);
            }
            json_object_object_add(audience, "rollout", rule);
            json_object *c = json_object_new_object();
            json_object_object_add(c, "audience", audience);
            snprintf(placement, sizeof placement, "r%zu-%s", i, form == 0 ? "id" : "user");
            json_object *id = json_object_new_string(placement);
            json_object_array_add(campaigns, campaign(c, id, NULL, placement));
            json_object_put(id);
        }
    }
    if (!load(e, campaign_set(campaigns, NULL), "rollout", n)) return;
    json_object *someone = json_object_new_string("someone");
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vectors, i), *user = field(v, "user");
        int in = json_object_get_boolean(field(v, "in")), no = 0;
        unusable += !requestable(user);
        /* The id form hashes any user; the user form only one a request can name. */
        for (int form = 0; form < 2 && (form == 0 || requestable(user)); form++) {
            snprintf(placement, sizeof placement, "r%zu-%s", i, form == 0 ? "id" : "user");
            json_object *d = decide(e, form == 0 ? someone : user, placement, user, "rollout", i, &no);
            if (d && count(d, "messages") == (size_t)in &&
                (!in || !strcmp(element_string(d, "messages", 0, "campaign"), placement))) checked[form]++;
            else fail("rollout", i, json_object_to_json_string(v));
            json_object_put(d);
        }
    }
    json_object_put(someone);
    printf("vectors: %-8s %zu of %zu replayed as decisions over a rollout id, %zu over user_id\n",
           "rollout", checked[0], n, checked[1]);
    if (n == 0 || checked[0] != n || checked[1] != n - unusable) fail("rollout", n, "not every vector replayed");
}

/* Holdout (`group` "holdout", the campaign's salt) or control (`group` "control", the
** control group's salt): the one assignment, and no message, exactly when "in". */
static void groups(engage_engine *e, json_object *vectors, const char *group) {
    size_t n = json_object_array_length(vectors), replayed = 0, refused = 0;
    int holdout = !strcmp(group, "holdout");
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vectors, i), *campaigns = json_object_new_array(),
                    *policies = NULL, *extra = json_object_new_object(), *c_id = json_object_new_string("c");
        json_object *id = holdout ? field(v, "campaign") : c_id;
        if (holdout) {
            json_object_object_add(extra, "holdout_percent", json_object_get(field(v, "percent")));
        } else {
            policies = json_object_new_object();
            json_object_object_add(policies, "control_group_percent", json_object_get(field(v, "percent")));
            json_object_object_add(policies, "control_group_salt", json_object_get(field(v, "salt")));
        }
        json_object_array_add(campaigns, campaign(extra, id, holdout ? field(v, "salt") : NULL, "h"));
        int no = 0;
        if (load(e, campaign_set(campaigns, policies), group, i)) {
            json_object *d = decide(e, field(v, "user"), "h", NULL, group, i, &no);
            int in = json_object_get_boolean(field(v, "in"));
            if (d) {
                int ok = count(d, "messages") == (size_t)!in && count(d, "assignments") == (size_t)in &&
                         (!in || (!strcmp(element_string(d, "assignments", 0, "group"), group) &&
                                  !strcmp(element_string(d, "assignments", 0, "campaign"), json_object_get_string(id))));
                if (ok) replayed++;
                else fail(group, i, json_object_to_json_string(d));
            }
            refused += no;
            json_object_put(d);
        }
        json_object_put(c_id);
    }
    tally(group, vectors, replayed, refused);
}

static void variants(engage_engine *e, json_object *vectors) {
    size_t n = json_object_array_length(vectors), replayed = 0, refused = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vectors, i), *weights = field(v, "weights");
        size_t k = json_object_array_length(weights);
        double scale = 1;
        for (int whole = 0; !whole && scale <= 1e6; scale = whole ? scale : scale * 10) {
            whole = 1;
            for (size_t j = 0; j < k; j++) {
                double w = json_object_get_double(json_object_array_get_idx(weights, j)) * scale;
                whole = whole && fabs(w - round(w)) < 1e-9;
            }
        }
        json_object *list = json_object_new_array(), *extra = json_object_new_object(), *campaigns = json_object_new_array();
        char name[32];
        for (size_t j = 0; j < k; j++) {
            json_object *variant = json_object_new_object();
            snprintf(name, sizeof name, "v%zu", j);
            json_object_object_add(variant, "id", json_object_new_string(name));
            json_object_object_add(variant, "weight", json_object_new_int64(
                (int64_t)round(json_object_get_double(json_object_array_get_idx(weights, j)) * scale)));
            json_object_array_add(list, variant);
        }
        json_object_object_add(extra, "variants", list);
        json_object_array_add(campaigns, campaign(extra, field(v, "campaign"), field(v, "salt"), "h"));
        int no = 0;
        if (load(e, campaign_set(campaigns, NULL), "variants", i)) {
            json_object *d = decide(e, field(v, "user"), "h", NULL, "variants", i, &no);
            snprintf(name, sizeof name, "v%d", json_object_get_int(field(v, "variant")));
            if (d) {
                if (count(d, "messages") == 1 && count(d, "assignments") == 0 &&
                    !strcmp(element_string(d, "messages", 0, "variant"), name)) replayed++;
                else fail("variants", i, json_object_to_json_string(d));
            }
            refused += no;
            json_object_put(d);
        }
    }
    tally("variants", vectors, replayed, refused);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s path/to/Tests/vectors/bucketing.json\n", argv[0]);
        return 2;
    }
    json_object *doc = json_object_from_file(argv[1]);
    if (!doc || json_object_get_int(field(doc, "version")) != 1) {
        fprintf(stderr, "vectors: cannot read %s as bucketing vectors version 1\n", argv[1]);
        json_object_put(doc);
        return 2;
    }
    const char *sections[] = {"rollout", "holdout", "control", "variants"};
    for (size_t i = 0; i < 4; i++) {
        if (!json_object_is_type(field(doc, sections[i]), json_type_array)) {
            fprintf(stderr, "vectors: %s has no \"%s\" array\n", argv[1], sections[i]);
            json_object_put(doc);
            return 2;
        }
    }
    engage_engine *e = NULL;
    if (engage_engine_open(NULL, 0, &e, NULL, NULL) != ENGAGE_OK) {
        fprintf(stderr, "vectors: engage_engine_open failed\n");
        json_object_put(doc);
        return 2;
    }
    rollout(e, field(doc, "rollout"));
    groups(e, field(doc, "holdout"), "holdout");
    groups(e, field(doc, "control"), "control");
    variants(e, field(doc, "variants"));
    engage_engine_close(e);
    json_object_put(doc);
    printf("vectors: %s\n", failures ? "FAILED" : "every vector as the file says");
    return failures ? 1 : 0;
}

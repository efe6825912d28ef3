/*
** one.c — one kind of call, N times: the unit that scripts/profile.sh runs under
** callgrind (issue 15, stage 0 of the fast path). No clock: the figure is instructions,
** counted from outside.
**
**   ./one KIND N [INPUTDIR]
**
** INPUTDIR (default ".") holds the files bench/abi/inputs.py writes. Every kind opens an
** engine with defaults, loads campaigns.json (100 campaigns) and records the kind's
** history, then makes N calls:
**
**   decide      engage_decide of request.json (1,024 bytes), after records.jsonl
**   context     engage_context_decide of question.json (~150 bytes) in a context opened
**               once on context.json, after records.jsonl
**   history     engage_decide of request.json for a user with a week of varied history
**               (history-36.jsonl: 36 behaviour series, a few impressions)
**   history-64  the same with 64 series, the most a user keeps (history-64.jsonl)
**
** For the history kinds the user's state is exported first and must hold exactly that
** many behaviour series: a history the engine folded differently would measure another
** user. Every call must return ENGAGE_OK and as many bytes as the first, or the driver
** stops with status 1 (a profile of an error path is worthless). The first decision is
** written to stdout, one line; a summary of the setup to stderr.
**
** Steady state: the setup is the same for every N, so (Ir(N2) - Ir(N1)) / (N2 - N1) is
** the cost of one call, warm-up and first-call costs cancelled.
*/
#define _GNU_SOURCE /* memmem */
#include "driver.h"

#include <engage.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kind {
    const char *name;
    const char *records; /* applied before the calls */
    int series;          /* behaviour series the user must hold, or 0: not checked */
    int context;         /* engage_context_decide instead of engage_decide */
};

static const struct kind kinds[] = {
    {"decide", "records.jsonl", 0, 0},
    {"context", "records.jsonl", 0, 1},
    {"history", "history-36.jsonl", 36, 0},
    {"history-64", "history-64.jsonl", 64, 0},
};

/* The value of the first "user_id" member of compact JSON (inputs.py writes no spaces). */
static struct input user_id(struct input request) {
    static const char key[] = "\"user_id\":\"";
    char *text = malloc(request.len + 1);
    if (!text) driver_die("malloc", -1, NULL);
    memcpy(text, request.data, request.len);
    text[request.len] = '\0';
    char *start = strstr(text, key), *end = start ? strchr(start + sizeof key - 1, '"') : NULL;
    if (!end) driver_die("request.json", -1, "no \"user_id\" string member");
    start += sizeof key - 1;
    struct input id = {start, (size_t)(end - start)};
    memmove(text, id.data, id.len);
    id.data = text;
    return id;
}

/* The behaviour series the store holds for the request's user: the export's "behaviour"
** entries, the only objects in it with an "event" member (docs/state.md, Export). */
static int behaviour_series(engage_engine *engine, struct input request) {
    struct input id = user_id(request);
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_export_user(engine, id.data, id.len, &out, &len);
    if (st != ENGAGE_OK) driver_die("engage_export_user", st, out);
    int series = 0;
    for (const char *p = out, *end = out + len; (p = memmem(p, (size_t)(end - p), "\"event\":", 8)); p += 8)
        series++;
    engage_free(out);
    free(id.data);
    return series;
}

static void usage(const char *prog) {
    fprintf(stderr, "usage: %s KIND N [INPUTDIR]   KIND:", prog);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) fprintf(stderr, " %s", kinds[k].name);
    fprintf(stderr, "; N >= 1\n");
    exit(2);
}

int main(int argc, char **argv) {
    driver_name = "one.c";
    if (argc < 3 || argc > 4) usage(argv[0]);
    const struct kind *kind = NULL;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        if (strcmp(argv[1], kinds[k].name) == 0) kind = &kinds[k];
    char *rest = NULL;
    long n = strtol(argv[2], &rest, 10);
    if (!kind || *rest || n < 1) usage(argv[0]);
    const char *dir = argc == 4 ? argv[3] : ".";

    engage_engine *engine = driver_open_engine(dir);
    size_t records = driver_apply_records(engine, dir, kind->records);
    struct input request = driver_read(dir, kind->context ? "question.json" : "request.json");
    fprintf(stderr, "one.c: %s: %zu records from %s", kind->name, records, kind->records);
    if (kind->series) {
        int series = behaviour_series(engine, request);
        fprintf(stderr, ", %d behaviour series", series);
        if (series != kind->series) {
            fprintf(stderr, "\n");
            driver_die(kind->records, -1, "the user does not hold the behaviour series this kind is for");
        }
    }
    engage_context *context = NULL;
    char *out = NULL;
    int32_t st;
    if (kind->context) {
        struct input user = driver_read(dir, "context.json");
        if ((st = engage_context_open(engine, user.data, user.len, &context, &out, NULL)) != ENGAGE_OK)
            driver_die("engage_context_open", st, out);
        free(user.data);
    }

    const char *call = kind->context ? "engage_context_decide" : "engage_decide";
    size_t first = 0;
    for (long i = 0; i < n; i++) {
        size_t len = 0;
        st = kind->context ? engage_context_decide(context, request.data, request.len, &out, &len)
                           : engage_decide(engine, request.data, request.len, &out, &len);
        if (st != ENGAGE_OK) driver_die(call, st, out);
        if (i == 0) {
            first = len;
            printf("%.*s\n", (int)len, out);
        } else if (len != first) {
            fprintf(stderr, "\none.c: %s call %ld returned %zu bytes, the first %zu\n", call, i + 1, len, first);
            return 1;
        }
        engage_free(out);
        out = NULL;
    }
    fprintf(stderr, "; %ld x %s, %zu bytes each\n", n, call, first);

    engage_context_close(context);
    engage_engine_close(engine);
    free(request.data);
    return 0;
}

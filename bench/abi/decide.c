/*
** decide.c — the C driver of the ABI benchmark (bench/abi/run.sh): the cost of one
** decision through the C ABI, called directly.
**
**   ./decide INPUTDIR N WARMUP OUT.json
**
** Reads the inputs written by bench/abi/inputs.py, opens an engine with defaults, loads
** campaigns.json, applies records.jsonl, opens a context on context.json, then makes
** WARMUP untimed and N timed rounds of four calls, interleaved so noise hits each alike:
**
**   engage_decide                request.json, result allocated by the library and freed
**   engage_decide_into           request.json, result written into a 64 KiB caller buffer
**   engage_context_decide        question.json asked in the context, result freed
**   engage_context_decide_into   question.json, into the caller buffer
**
** Each call is timed alone with clock_gettime(CLOCK_MONOTONIC); the time includes
** engage_free where the library allocated. Every timed call must return ENGAGE_OK and
** as many bytes as the first decision, or the driver stops with status 1: a benchmark
** of an error path is worthless. Prints the median and p99 of each call in µs and
** writes OUT.json, which bench/abi/report.py reads:
**
**   {"binding": "c", "calls": [{"call": "engage_decide", "decision": {...},
**                               "samples_ns": [...]}, ...]}
*/
#define _POSIX_C_SOURCE 200809L
#include "driver.h"

#include <engage.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { CALLS = 4, INTO_CAP = 64 * 1024 };

static const char *const call_names[CALLS] = {
    "engage_decide", "engage_decide_into", "engage_context_decide", "engage_context_decide_into",
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The calls share one engine, one context and one caller buffer. */
struct bench {
    engage_engine *engine;
    engage_context *context;
    struct input request, question;
    char into[INTO_CAP];
};

/* Makes call `which` once; returns the decision's length. `keep`, when not NULL,
** receives a copy of the decision text (for OUT.json). */
static size_t call(struct bench *b, int which, char **keep) {
    char *out = NULL;
    size_t len = 0;
    int32_t st;
    switch (which) {
    case 0: st = engage_decide(b->engine, b->request.data, b->request.len, &out, &len); break;
    case 1: st = engage_decide_into(b->engine, b->request.data, b->request.len, b->into, sizeof b->into, &len); break;
    case 2: st = engage_context_decide(b->context, b->question.data, b->question.len, &out, &len); break;
    default: st = engage_context_decide_into(b->context, b->question.data, b->question.len, b->into, sizeof b->into, &len); break;
    }
    const char *text = out ? out : (which == 1 || which == 3) ? b->into : NULL;
    if (st != ENGAGE_OK) driver_die(call_names[which], st, st == ENGAGE_TOO_BIG && !out ? "64 KiB buffer too small" : text);
    if (keep) {
        *keep = malloc(len + 1);
        if (!*keep) driver_die("malloc", -1, NULL);
        memcpy(*keep, text, len);
        (*keep)[len] = '\0';
    }
    engage_free(out);
    return len;
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s INPUTDIR N WARMUP OUT.json\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1], *out_path = argv[4];
    long n = atol(argv[2]), warmup = atol(argv[3]);
    if (n < 1 || warmup < 0) { fprintf(stderr, "decide.c: N must be >= 1 and WARMUP >= 0\n"); return 2; }

    driver_name = "decide.c";
    static struct bench b;
    char *out = NULL;
    int32_t st;
    b.engine = driver_open_engine(dir);
    driver_apply_records(b.engine, dir, "records.jsonl");
    struct input context = driver_read(dir, "context.json");
    if ((st = engage_context_open(b.engine, context.data, context.len, &b.context, &out, NULL)) != ENGAGE_OK)
        driver_die("engage_context_open", st, out);
    free(context.data);
    b.request = driver_read(dir, "request.json");
    b.question = driver_read(dir, "question.json");

    char *decisions[CALLS];
    size_t lens[CALLS];
    for (int c = 0; c < CALLS; c++) lens[c] = call(&b, c, &decisions[c]);
    for (long i = 0; i < warmup; i++)
        for (int c = 0; c < CALLS; c++) call(&b, c, NULL);

    uint64_t *samples[CALLS];
    for (int c = 0; c < CALLS; c++)
        if (!(samples[c] = malloc((size_t)n * sizeof *samples[c]))) driver_die("malloc", -1, NULL);
    for (long i = 0; i < n; i++)
        for (int c = 0; c < CALLS; c++) {
            uint64_t t0 = now_ns();
            size_t len = call(&b, c, NULL);
            samples[c][i] = now_ns() - t0;
            if (len != lens[c]) {
                fprintf(stderr, "decide.c: %s returned %zu bytes, the first call %zu\n", call_names[c], len, lens[c]);
                return 1;
            }
        }

    FILE *f = fopen(out_path, "w");
    if (!f) { perror(out_path); return 1; }
    fprintf(f, "{\"binding\": \"c\", \"calls\": [");
    for (int c = 0; c < CALLS; c++) {
        /* The decision is JSON already: written as it came. */
        fprintf(f, "%s\n{\"call\": \"%s\", \"decision\": %s, \"samples_ns\": [", c ? "," : "", call_names[c], decisions[c]);
        for (long i = 0; i < n; i++) fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)samples[c][i]);
        fprintf(f, "]}");
        qsort(samples[c], (size_t)n, sizeof *samples[c], by_value);
        printf("c       %-34s median %8.1f us  p99 %8.1f us\n", call_names[c], samples[c][n / 2] / 1e3,
               samples[c][(size_t)(n - 1) * 99 / 100] / 1e3);
        free(samples[c]);
        free(decisions[c]);
    }
    fprintf(f, "]}\n");
    if (fclose(f) != 0) { perror(out_path); return 1; }

    engage_context_close(b.context);
    engage_engine_close(b.engine);
    free(b.request.data);
    free(b.question.data);
    return 0;
}

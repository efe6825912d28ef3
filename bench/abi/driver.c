/* driver.c — see driver.h. */
#include "driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *driver_name = "bench/abi";

void driver_die(const char *what, int32_t status, const char *detail) {
    fprintf(stderr, "%s: %s: %s%s%s\n", driver_name, what, status >= 0 ? engage_status_string(status) : "failed",
            detail ? ": " : "", detail ? detail : "");
    exit(1);
}

struct input driver_read(const char *dir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    struct input in = {NULL, 0};
    size_t cap = 0, r;
    do {
        if (in.len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            char *grown = realloc(in.data, cap);
            if (!grown) driver_die("realloc", -1, path);
            in.data = grown;
        }
        r = fread(in.data + in.len, 1, cap - in.len, f);
        in.len += r;
    } while (r > 0);
    fclose(f);
    return in;
}

engage_engine *driver_open_engine(const char *dir) {
    engage_engine *engine = NULL;
    char *out = NULL;
    int32_t st = engage_engine_open(NULL, 0, &engine, &out, NULL);
    if (st != ENGAGE_OK) driver_die("engage_engine_open", st, out);
    struct input campaigns = driver_read(dir, "campaigns.json");
    if ((st = engage_load_campaigns(engine, campaigns.data, campaigns.len, &out, NULL)) != ENGAGE_OK)
        driver_die("engage_load_campaigns", st, out);
    engage_free(out);
    free(campaigns.data);
    return engine;
}

size_t driver_apply_records(engage_engine *engine, const char *dir, const char *name) {
    struct input records = driver_read(dir, name);
    size_t applied = 0;
    char *out = NULL;
    for (char *line = records.data, *end = records.data + records.len, *nl; line < end; line = nl + 1) {
        if (!(nl = memchr(line, '\n', (size_t)(end - line)))) nl = end;
        if (nl == line) continue;
        int32_t st = engage_record(engine, line, (size_t)(nl - line), &out, NULL);
        if (st != ENGAGE_OK) driver_die(name, st, out);
        engage_free(out);
        out = NULL;
        applied++;
    }
    free(records.data);
    return applied;
}

/*
** driver.h — what bench/abi's C drivers (decide.c, one.c) share: reading the files
** bench/abi/inputs.py writes, opening an engine on them, failing loudly.
**
** Every failure prints `<driver_name>: <what>: <status or "failed">[: detail]` to stderr
** and exits with status 1: a benchmark of an error path is worthless.
*/
#ifndef ENGAGE_BENCH_DRIVER_H
#define ENGAGE_BENCH_DRIVER_H

#include <engage.h>
#include <stddef.h>
#include <stdint.h>

/* The driver's name in messages ("decide.c", "one.c"); set by main. */
extern const char *driver_name;

/* A file's bytes, malloc'ed (the caller frees `data`); not NUL-terminated. */
struct input {
    char *data;
    size_t len;
};

/* Prints the failure and exits 1. `status` < 0 means "failed" (not an engage call);
** `detail` may be NULL. */
void driver_die(const char *what, int32_t status, const char *detail);

/* Reads DIR/NAME whole; exits on failure. */
struct input driver_read(const char *dir, const char *name);

/* Opens an engine with the defaults (memory store, wall clock) and loads
** DIR/campaigns.json into it. */
engage_engine *driver_open_engine(const char *dir);

/* Applies DIR/NAME, one engage_record JSON object a line (records.jsonl,
** history-*.jsonl); returns how many records were applied. */
size_t driver_apply_records(engage_engine *engine, const char *dir, const char *name);

#endif

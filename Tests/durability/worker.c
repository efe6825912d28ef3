/*
** worker.c — a process using libengage's SQLite store, for the durability tests
** (Tests/durability/test_durability.py drives it).
**
**   worker write  PATH THREADS     record impressions forever (odd threads: commit them
**                                  through engage_decide), printing "ack USER" after each
**                                  one libengage acknowledged (sync: always)
**   worker decide PATH SET ROUNDS  decide-and-commit for users u0..u9, ROUNDS times each;
**                                  prints "shown N"
**   worker export PATH USER...     prints each user's export (one JSON line per user)
**   worker open   PATH             opens the store; prints the status and message
*/
#define _DEFAULT_SOURCE
#include <engage.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static engage_engine *open_store(const char *path, const char *sync) {
    char config[4200];
    int n = snprintf(config, sizeof config, "{\"store\": {\"kind\": \"sqlite\", \"path\": \"%s\", \"sync\": \"%s\", \"cache_ttl_ms\": 0}}", path, sync);
    engage_engine *e = NULL;
    char *out = NULL;
    size_t len = 0;
    int32_t st = engage_engine_open(config, (size_t)n, &e, &out, &len);
    if (st != ENGAGE_OK) {
        printf("open %s %s\n", engage_status_string(st), out ? out : "");
        fflush(stdout);
        engage_free(out);
        exit(3);
    }
    return e;
}

struct writer { engage_engine *e; int index; };

static void *write_forever(void *arg) {
    struct writer *w = arg;
    char rec[256];
    for (long i = 0;; i++) {
        int n = snprintf(rec, sizeof rec, "{\"user_id\": \"w%d\", \"type\": \"impression\", \"campaign\": \"c1\", \"channel\": \"push\", \"purpose\": \"service\", \"time\": %lld}",
                         w->index, 1795176000000LL + i);
        char *out = NULL;
        size_t len = 0;
        int32_t st;
        if (w->index % 2) {   /* odd threads: an impression committed by a decision */
            n = snprintf(rec, sizeof rec, "{\"user_id\": \"w%d\", \"placement\": \"p\", \"channels\": [\"push\"], \"now\": %lld}",
                         w->index, 1795176000000LL + i);
            st = engage_decide(w->e, rec, (size_t)n, &out, &len);
            if (st == ENGAGE_OK && !strstr(out, "\"campaign\":\"c1\"")) { printf("error no message %s\n", out); fflush(stdout); exit(4); }
        } else {
            st = engage_record(w->e, rec, (size_t)n, &out, &len);
        }
        if (st != ENGAGE_OK) { printf("error %s %s\n", engage_status_string(st), out ? out : ""); fflush(stdout); exit(4); }
        engage_free(out);
        /* One write(2) per line: the harness reads whole lines even if we die mid-way. */
        char line[32];
        int l = snprintf(line, sizeof line, "ack w%d\n", w->index);
        fwrite(line, 1, (size_t)l, stdout);
        fflush(stdout);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: worker write|decide|export|open PATH ...\n"); return 2; }
    const char *mode = argv[1], *path = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(mode, "open")) {
        engage_engine *e = open_store(path, "always");
        printf("open ok\n");
        engage_engine_close(e);
        return 0;
    }
    if (!strcmp(mode, "write")) {
        int threads = argc > 3 ? atoi(argv[3]) : 1;
        engage_engine *e = open_store(path, "always");
        static const char set[] = "{\"version\": 1, \"campaigns\": [{\"id\": \"c1\", \"purpose\": \"service\", \"status\": \"active\", "
                                  "\"placements\": [\"p\"], \"channels\": {\"push\": {\"payload\": {\"t\": \"x\"}}}}]}";
        char *out = NULL;
        size_t len = 0;
        if (engage_load_campaigns(e, set, sizeof set - 1, &out, &len) != ENGAGE_OK) { printf("load %s\n", out); return 6; }
        engage_free(out);
        pthread_t t[64];
        struct writer w[64];
        for (int i = 0; i < threads && i < 64; i++) { w[i] = (struct writer){e, i}; pthread_create(&t[i], NULL, write_forever, &w[i]); }
        for (int i = 0; i < threads && i < 64; i++) pthread_join(t[i], NULL);
        return 0;
    }
    if (!strcmp(mode, "export")) {
        engage_engine *e = open_store(path, "always");
        for (int i = 3; i < argc; i++) {
            char *out = NULL;
            size_t len = 0;
            int32_t st = engage_export_user(e, argv[i], strlen(argv[i]), &out, &len);
            printf("%s\n", st == ENGAGE_OK ? out : "null");
            engage_free(out);
        }
        engage_engine_close(e);
        return 0;
    }
    if (!strcmp(mode, "decide") && argc > 4) {
        engage_engine *e = open_store(path, "batch");
        FILE *f = fopen(argv[3], "rb");
        if (!f) return 5;
        static char set[1 << 16];
        size_t n = fread(set, 1, sizeof set, f);
        fclose(f);
        char *out = NULL;
        size_t len = 0;
        if (engage_load_campaigns(e, set, n, &out, &len) != ENGAGE_OK) { printf("load %s\n", out); return 6; }
        engage_free(out);
        int rounds = atoi(argv[4]), shown = 0;
        for (int r = 0; r < rounds; r++) {
            for (int u = 0; u < 10; u++) {
                char req[160];
                int l = snprintf(req, sizeof req, "{\"user_id\": \"u%d\", \"placement\": \"home_banner\", \"app\": {\"foreground\": true}}", u);
                int32_t st = engage_decide(e, req, (size_t)l, &out, &len);
                if (st != ENGAGE_OK) { printf("error %s\n", out ? out : ""); return 7; }
                shown += strstr(out, "\"campaign\":\"capped-banner\"") != NULL;
                engage_free(out);
            }
        }
        printf("shown %d\n", shown);
        engage_engine_close(e);
        return 0;
    }
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
}

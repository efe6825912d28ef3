/*
** redis-fork.c — a Redis-backed engine used across fork(): the child must never use
** the parent's connections (a shared socket would interleave their replies), and the
** child's exit must not end the parent's sessions (hiredis's redisFree closes the
** child's copy of a socket and sends nothing).
**
**   ./redis-fork PORT          (a redis-server on 127.0.0.1:PORT, e.g. from test-fleet.sh)
**
** First, counted by the server (INFO total_connections_received, read over a hiredis
** connection of the test's own): the parent decides (its pool now holds a connection),
** forks; the child decides once — on a connection of its own (+1) — and exits; the
** parent decides again on the connection it kept (+0: the child's exit did not close
** it, no QUIT was sent). Then parent and child each decide 300 times for their own 30
** users, interleaved: a cap of 3 per user must come out exact on both sides with no
** decision failing, and the parent still decides after the child has exited.
*/
#define _DEFAULT_SOURCE
#include <engage.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define S(s) (s), strlen(s)

static const char *SET =
    "{\"version\": 1, \"campaigns\": [{\"id\": \"fork-capped\", \"purpose\": \"service\", \"status\": \"active\","
    " \"placements\": [\"home\"], \"caps\": [{\"count\": 3, \"window\": \"lifetime\"}],"
    " \"channels\": {\"in_app\": {\"payload\": {\"t\": \"x\"}}}}]}";

/* Messages shown (0 or 1), or -1 for a failed call or a decision the store could not serve. */
static int decide(engage_engine *e, const char *user) {
    char req[256], *out = NULL;
    size_t n = 0;
    snprintf(req, sizeof req, "{\"user_id\": \"%s\", \"placement\": \"home\", \"app\": {\"foreground\": true}}", user);
    int32_t st = engage_decide(e, S(req), &out, &n);
    int shown = -1;
    if (st == ENGAGE_OK && out && !strstr(out, "\"store\":\"unavailable\"")) shown = strstr(out, "fork-capped") ? 1 : 0;
    if (shown < 0) fprintf(stderr, "redis-fork[%d]: %s: %s: %s\n", (int)getpid(), user, engage_status_string(st), out ? out : "");
    engage_free(out);
    return shown;
}

/* 300 decisions over 30 users named `side`-i: each must end with exactly 3 shown. */
static int run(engage_engine *e, const char *side) {
    int shown[30] = {0}, failures = 0;
    char user[64];
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 30; i++) {
            snprintf(user, sizeof user, "%s-%d", side, i);
            int n = decide(e, user);
            if (n < 0) failures++; else shown[i] += n;
        }
    }
    int wrong = 0;
    for (int i = 0; i < 30; i++) if (shown[i] != 3) wrong++;
    printf("redis-fork: %s: 300 decisions, %d failed, %d users without exactly 3 shown\n", side, failures, wrong);
    return failures == 0 && wrong == 0;
}

/* Connections the server has accepted so far, or -1. */
static long accepted(redisContext *c) {
    redisReply *r = redisCommand(c, "INFO stats");
    long n = -1;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *at = strstr(r->str, "total_connections_received:");
        if (at) n = strtol(at + strlen("total_connections_received:"), NULL, 10);
    }
    freeReplyObject(r);
    return n;
}

/* The child's first decision opens its own connection; the parent's pooled one survives. */
static int counted(engage_engine *e, const char *port) {
    redisContext *c = redisConnect("127.0.0.1", atoi(port));
    if (!c || c->err) { fprintf(stderr, "redis-fork: cannot connect to count connections\n"); return 0; }
    int ok = decide(e, "counted-parent") == 1;
    long before = accepted(c);
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 0; }
    if (child == 0) _exit(decide(e, "counted-child") == 1 ? 0 : 1);
    int status = 0;
    waitpid(child, &status, 0);
    long after_child = accepted(c);
    ok = ok && decide(e, "counted-parent-again") == 1;
    long after_parent = accepted(c);
    redisFree(c);
    int good = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 && after_child == before + 1 && after_parent == after_child;
    printf("redis-fork: connections accepted by the server: the child's first decision +%ld (want +1: its own),"
           " the parent's next +%ld (want +0: its pooled one survived the child): %s\n",
           after_child - before, after_parent - after_child, good ? "ok" : "FAILED");
    return good;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: redis-fork PORT\n"); return 2; }
    char config[256], tag[32];
    snprintf(config, sizeof config, "{\"store\": {\"kind\": \"redis\", \"address\": \"127.0.0.1:%s\", \"timeout_ms\": 500,"
             " \"key_prefix\": \"fork%d:\"}}", argv[1], (int)getpid());
    engage_engine *e = NULL;
    char *out = NULL;
    size_t n = 0;
    if (engage_engine_open(S(config), &e, &out, &n) != ENGAGE_OK) { fprintf(stderr, "open: %s\n", out); return 1; }
    engage_free(out);
    out = NULL;
    if (engage_load_campaigns(e, S(SET), &out, &n) != ENGAGE_OK) { fprintf(stderr, "load: %s\n", out); return 1; }
    engage_free(out);
    if (!counted(e, argv[1])) return 1;

    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        int ok = run(e, "child");
        engage_engine_close(e);
        fflush(stdout);
        _exit(ok ? 0 : 1);
    }
    snprintf(tag, sizeof tag, "parent");
    int ok = run(e, tag);
    int status = 0;
    waitpid(child, &status, 0);
    int child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    /* After the child exited (closing its copies of the sockets): the parent's
    ** connections still serve, and its earlier users are still capped. */
    int after = decide(e, "after-fork");
    int capped = decide(e, "parent-0");
    printf("redis-fork: child %s; parent after the child's exit: %s\n", child_ok ? "ok" : "FAILED",
           after == 1 && capped == 0 ? "ok" : "FAILED");
    engage_engine_close(e);
    return ok && child_ok && after == 1 && capped == 0 ? 0 : 1;
}

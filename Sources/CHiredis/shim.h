// Debian's libhiredis-dev (0.14.1): the Redis client the fleet store (EngageRedis) is
// built on. EngageRedis uses only what 0.14 and 1.x share: redisConnectWithTimeout,
// redisConnectUnixWithTimeout, redisSetTimeout, redisCommandArgv (explicit lengths:
// binary-safe, nothing formatted into a command string), freeReplyObject, redisFree.
#include <hiredis/hiredis.h>
#include <stddef.h>
#include <sys/time.h>

// Why these shims: hiredis exposes its context and reply as structs whose layout changed
// between 0.14 and 1.x (1.x added fields). Reading the few members EngageRedis needs
// here, by name, compiles against either layout; and the element lookup checks the
// index and the reply type in one place, so the Swift side never indexes a C array.

/// The context's error flag (REDIS_ERR_IO, REDIS_ERR_EOF, ...), 0 when none.
static inline int engage_redis_error(const redisContext *c) { return c->err; }

/// The context's error text (a NUL-terminated buffer inside the context).
static inline const char *engage_redis_error_text(const redisContext *c) { return c->errstr; }

/// The socket, for a liveness poll before an idle connection is reused.
static inline int engage_redis_fd(const redisContext *c) { return c->fd; }

/// Element `i` of an array reply, or NULL when `r` is not an array or `i` is past its end.
static inline const redisReply *engage_redis_element(const redisReply *r, size_t i) {
    if (r->type != REDIS_REPLY_ARRAY || r->element == NULL || i >= r->elements) return NULL;
    return r->element[i];
}

/// `ms` milliseconds as the timeval hiredis takes.
static inline struct timeval engage_redis_timeval(long ms) {
    struct timeval tv;
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    return tv;
}

/*
** libengage — embeddable campaign decisioning.
**
** Which message should this user be shown now, on which channel — or none? This header
** is the whole C interface: anything not declared here is not API.
**
** Conventions (they hold for every function below):
**
**   - JSON in, JSON out. Inputs are a pointer and an explicit length in bytes; nothing
**     reads past the length and no NUL terminator is needed. A NULL pointer with length
**     0 is an empty input.
**   - Every fallible call returns an ENGAGE_* status code. ENGAGE_OK is 0.
**   - Results come back through `char **out, size_t *out_len`: the library allocates the
**     buffer, writes its length (not counting a trailing NUL it always adds), and the
**     caller releases it with engage_free(). On failure `*out` holds an error object
**     `{"status": "...", "code": "...", "path": "...", "message": "..."}` that names
**     what was wrong and where; free it the same way. `out` and `out_len` may be NULL
**     when the caller does not want the text.
**   - Threads: one engine may be used from any number of threads at once. Decisions
**     that commit impressions never exceed a cap, however many run concurrently.
**   - Safety: no input — malformed or hostile JSON, invalid UTF-8, huge or deeply
**     nested documents, NULL pointers, a NULL or closed engine — crashes or hangs the
**     process; each gets a status code and a message.
**
** The formats are documented in docs/decisions.md, docs/campaigns.md and
** docs/engine-config.md, with JSON Schemas under schema/.
*/
#ifndef ENGAGE_H
#define ENGAGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Compile-time version of this header; engage_version() and engage_abi_version()
** give the library's at run time. A binding refuses to load a library whose ABI
** version differs from the one it was written for. */
#define ENGAGE_VERSION        "0.1.0"
#define ENGAGE_VERSION_NUMBER 1000      /* major * 1000000 + minor * 1000 + patch */
#define ENGAGE_ABI_VERSION    1

/* Status codes. */
#define ENGAGE_OK                0  /* success */
#define ENGAGE_ERROR             1  /* an internal error; the message says which */
#define ENGAGE_MISUSE            2  /* NULL, never-opened or closed engine; bad arguments */
#define ENGAGE_INVALID_JSON      3  /* input is not valid JSON (the message gives the byte offset) */
#define ENGAGE_INVALID_REQUEST   4  /* a request, record or config that breaks its format (path given) */
#define ENGAGE_INVALID_CAMPAIGNS 5  /* a campaign set with problems (every problem listed) */
#define ENGAGE_NO_CAMPAIGNS      6  /* engage_decide before any campaign set was loaded */
#define ENGAGE_STORE             7  /* the state store failed */
#define ENGAGE_TOO_BIG           8  /* input over max_request_bytes, or a caller's buffer too small
                                       (nesting and string limits inside a document are
                                       ENGAGE_INVALID_JSON with code "limit") */
#define ENGAGE_NOMEM             9  /* an allocation failed: any call that hands back text
                                       (`char **out`) can return it; `*out` is then NULL */

/* Default limits (docs/engine-config.md), as `engage_engine_open` applies them when the
** config does not set them. Checked against the library by its tests. */
#define ENGAGE_DEFAULT_MAX_REQUEST_BYTES 1048576   /* limits.max_request_bytes */
#define ENGAGE_DEFAULT_MAX_DEPTH         64        /* limits.max_depth */
#define ENGAGE_MAX_CAMPAIGN_BYTES        67108864  /* largest campaign set engage_load_campaigns reads */
#define ENGAGE_MAX_ERROR_TEXT            4096      /* longest "path" or "message" of any error, in bytes */

/* An engine: a campaign set, user state and counters. Opaque. */
typedef struct engage_engine engage_engine;

/* The library's version string ("0.1.0"). Static storage: never free it. */
const char *engage_version(void);

/* The library's ABI version (ENGAGE_ABI_VERSION of the header it was built with). */
int32_t engage_abi_version(void);

/* A short English name for a status code ("ok", "invalid json", ...). Static
** storage; an unknown code gives "unknown status". */
const char *engage_status_string(int32_t status);

/* Opens an engine configured by `config` (JSON, docs/engine-config.md; NULL/0 means
** the defaults: in-memory store, default limits, wall clock). On success `*engine`
** is a new engine the caller closes with engage_engine_close(). On failure `*engine`
** is NULL and `*out` (if wanted) holds the error.
** Returns ENGAGE_OK, ENGAGE_MISUSE (engine is NULL), ENGAGE_INVALID_JSON,
** ENGAGE_INVALID_REQUEST (a config that breaks its format, e.g. a store kind this
** build does not include, or whose defaults.time_zone does not load; "path" names the
** member), ENGAGE_STORE (the SQLite store's file cannot be opened or
** created, is not a libengage state file, is damaged or of a newer layout; the
** message names the file and the problem), ENGAGE_NOMEM. A `redis` store is not
** connected here: the first call that needs the server connects. While it cannot be
** reached (or its breaker is open), decisions fail closed within the config's
** store.timeout_ms — ENGAGE_OK, no message, "store": "unavailable" (engage_decide) —
** and calls that store what the host asked (record, forget) return ENGAGE_STORE. */
int32_t engage_engine_open(const char *config, size_t config_len, engage_engine **engine,
                           char **out, size_t *out_len);

/* ---- A state store the host owns ----------------------------------------------------
**
** Instead of keeping users' state itself, an engine can keep it in the host's storage
** (its database, its cache, its cluster): engage_engine_open_with_store() with three
** callbacks. The host stores one opaque value per user — a few hundred bytes of
** libengage's own versioned encoding, not meant to be read — with a version number,
** and offers one primitive: replace a user's value only if its version is still the
** one read (a compare-and-swap: an SQL `UPDATE … WHERE version = ?`, Redis
** WATCH/MULTI, a map under a mutex). The engine does everything else: it reads the
** value, applies records and retention, checks caps and writes back, retrying when a
** write loses a race — so caps hold across threads, processes and hosts exactly as far
** as `save` is atomic.
**
** Costs: every decision calls `load` once for the user; a decision that records
** (its event, its impressions — one write for all of them) or a record calls `load`
** and `save` (again on a conflict, at most 64 times before the call fails with
** ENGAGE_STORE). A callback is a call from the engine into the host per
** operation: fine from C, Go or Python, but NOT for LuaJIT hot paths (OpenResty),
** where a callback aborts trace compilation and costs far more than the decision —
** use the built-in stores there.
**
** Contract for the callbacks:
**   - They may be called from any thread, concurrently (for the same user too), while
**     an engage_* call on that engine runs, and never after it returns. They must not
**     call into the same engine.
**   - `user_id` is `user_id_len` bytes of UTF-8 without NUL, NUL-terminated as well.
**   - They return ENGAGE_OK, ENGAGE_STORE_CONFLICT (`save` only) or any other value
**     for a failure, which fails the engage_* call with ENGAGE_STORE ("the host's
**     store->save returned 7") — except engage_decide, which fails closed: ENGAGE_OK,
**     no message, "store": "unavailable" with that text in "store_error".
**   - `host` must stay valid until engage_engine_close() has returned and no call on
**     the engine is still running on another thread.
*/

/* Returned by a `save` callback whose expected version is no longer the user's. */
#define ENGAGE_STORE_CONFLICT 10

typedef struct engage_store {
    /* sizeof(engage_store): lets a later version add members. */
    uint32_t size;
    /* Passed back as the first argument of each callback. */
    void *host;
    /* Reads a user's value. Sets `*len` to its length and `*version` to its version
    ** and copies it into `buf` if `*len <= cap`; otherwise copies nothing (the engine
    ** calls again with a buffer of `*len` bytes). A user with nothing stored: `*len` 0
    ** and `*version` 0. */
    int32_t (*load)(void *host, const char *user_id, size_t user_id_len,
                    char *buf, size_t cap, size_t *len, uint64_t *version);
    /* Stores `len` bytes as the user's value only if the user's version is still
    ** `expected_version` (0: nothing is stored yet), giving the value a new version
    ** (any number other than 0 that this user has never had — versions must never
    ** repeat for a user, not even after `erase`: a counter per store, or a random
    ** 64-bit number, will do; a counter per user that restarts after an erase will
    ** not, since a stale compare-and-swap would then write erased data back). Otherwise stores
    ** nothing and returns ENGAGE_STORE_CONFLICT. Must be atomic with respect to other
    ** `save`s and `erase`s of the same user. */
    int32_t (*save)(void *host, const char *user_id, size_t user_id_len,
                    const char *state, size_t len, uint64_t expected_version);
    /* Removes the user's value (engage_forget_user); nothing stored is not an error. */
    int32_t (*erase)(void *host, const char *user_id, size_t user_id_len);
} engage_store;

/* Opens an engine whose user state lives in the host's store. `store` is copied (it
** need not outlive the call; `store->host` must, see above). The config's `store` is
** absent or `{"kind": "callbacks"}` (another kind is ENGAGE_INVALID_REQUEST at
** "store.kind"); its `limits.history_retention` bounds what the values saved keep.
** Returns engage_engine_open's codes; ENGAGE_MISUSE when `store` is NULL, its `size`
** is too small or a callback is NULL. */
int32_t engage_engine_open_with_store(const char *config, size_t config_len, const engage_store *store,
                                      engage_engine **engine, char **out, size_t *out_len);

/* Closes an engine. Calls already running on other threads finish normally; calls
** made after closing return ENGAGE_MISUSE (the handle's few bytes stay allocated so
** a stale pointer is detected, not dereferenced into freed memory). NULL is a
** harmless no-op, and so is closing twice. */
void engage_engine_close(engage_engine *engine);

/* Validates, compiles and loads a campaign set, replacing the current one atomically:
** decisions already running keep the set they started with. On success `*out` holds
** `{"status":"ok","warnings":[...],"warnings_truncated":false}`: "warnings" lists, in
** the shape of problems (`[{"path", "code", "message"}]`, at most 100), findings that
** did not fail the load (docs/campaigns.md, "References"), usually none. On failure
** the current set stays and `*out` holds the error object with, besides the first
** problem in "path"/"message", every problem in "problems" (`[{"path", "code",
** "message"}]`) and "truncated" (true when more problems were found than listed).
** Returns ENGAGE_OK, ENGAGE_MISUSE, ENGAGE_INVALID_JSON, ENGAGE_INVALID_CAMPAIGNS,
** ENGAGE_TOO_BIG, ENGAGE_NOMEM. */
int32_t engage_load_campaigns(engage_engine *engine, const char *json, size_t len,
                              char **out, size_t *out_len);

/* Decides for a request (docs/decisions.md) and writes the decision JSON to `*out`.
** With "commit" (the default) the chosen impressions and the request's event are
** recorded atomically, in one store write ("record_event": false leaves the event
** out: neither counted nor recorded; "commit": false writes nothing).
** A store that is unavailable (down, not answering within its timeout, its breaker
** open, a host store callback failing) fails the decision closed, not the call:
** ENGAGE_OK with no message, nothing recorded, and the top-level members
** `"store": "unavailable", "store_error": "<what and where>"` — so a gateway renders
** its page with nothing to show and needs no error path for an outage; it can alert on
** those members or on stats' "store_unavailable" (docs/decisions.md). ENGAGE_STORE is
** for data the store holds that is damaged (code "io") or refused ("invalid_record").
** Returns ENGAGE_OK, ENGAGE_MISUSE, ENGAGE_INVALID_JSON, ENGAGE_INVALID_REQUEST,
** ENGAGE_NO_CAMPAIGNS, ENGAGE_STORE, ENGAGE_TOO_BIG, ENGAGE_NOMEM. */
int32_t engage_decide(engage_engine *engine, const char *request, size_t len,
                      char **out, size_t *out_len);

/* Like engage_decide, but writes the decision (or the error) into the caller's
** buffer `buf` of `cap` bytes, so the hot path allocates nothing for the result.
** `*out_len` receives the length of the text (excluding the NUL). The text and a NUL
** are written only when `cap >= *out_len + 1`; otherwise nothing is written and the
** call returns ENGAGE_TOO_BIG for a decision — which was already taken and
** committed with its event, so a retry is a new decision: size `buf` for the largest
** decision the set can produce, or call engage_decide — or the request's own error
** status for a bad request. `out_len` must not be NULL (ENGAGE_MISUSE). */
int32_t engage_decide_into(engage_engine *engine, const char *request, size_t len,
                           char *buf, size_t cap, size_t *out_len);

/* ---- Contexts: one user's document parsed once, asked many questions ----------------
**
** A gateway that asks several questions about one user during one page view (a popup
** placement, a banner placement, the page_view event) sends the user's document — id,
** time zone, consent, channels, customer attributes: most of a request's bytes — once,
** to engage_context_open, then only the question to engage_context_decide:
**
**     engage_context *ctx;
**     engage_context_open(e, user_json, user_len, &ctx, NULL, NULL);
**     engage_context_decide(ctx, "{\"placements\":[\"home_banner\"]}", 30, &out, &n);
**     engage_free(out);
**     engage_context_decide(ctx, "{\"event\":{\"name\":\"page_view\"}}", 30, &out, &n);
**     engage_free(out);
**     engage_context_close(ctx);
**
** A question's top-level members replace the context's members of the same name (a
** shallow merge), so the decision equals engage_decide's for the merged request; any
** request member may live in either, except `user_id`, which only the context sets.
*/

/* A parsed user context bound to one engine. Opaque. */
typedef struct engage_context engage_context;

/* Parses and checks `json` (a JSON object: `user_id` and any other request members,
** docs/decisions.md) and returns a new context in `*context`, to be closed with
** engage_context_close(). The context is immutable: it may be used from any number of
** threads at once. It holds no reference the engine waits on: closing the engine
** makes the context's calls return ENGAGE_MISUSE (the context must still be closed).
** A context that breaks the request format fails here, with the path, not at every
** question. On failure `*context` is NULL.
** Returns ENGAGE_OK, ENGAGE_MISUSE (engine NULL or closed, context NULL),
** ENGAGE_INVALID_JSON, ENGAGE_INVALID_REQUEST, ENGAGE_TOO_BIG, ENGAGE_NOMEM. */
int32_t engage_context_open(engage_engine *engine, const char *json, size_t len,
                            engage_context **context, char **out, size_t *out_len);

/* Decides for `question` (a JSON object of request members, e.g. `{"placements":
** ["home"]}` or `{"event": {...}, "now": ...}`; NULL/0 means `{}`) asked in `context`,
** and writes the decision to `*out`, as engage_decide does.
** Returns engage_decide's codes; ENGAGE_MISUSE for a NULL or closed context or a
** closed engine; ENGAGE_INVALID_REQUEST for a question that sets `user_id`. */
int32_t engage_context_decide(engage_context *context, const char *question, size_t len,
                              char **out, size_t *out_len);

/* engage_context_decide into the caller's buffer, with engage_decide_into's rules. */
int32_t engage_context_decide_into(engage_context *context, const char *question, size_t len,
                                   char *buf, size_t cap, size_t *out_len);

/* Closes a context. NULL is a no-op, and so is closing twice. A closed context's
** pointer stays ENGAGE_MISUSE for good: its memory is kept by the engine (never
** dereferenced after being freed), and although the engine recycles it for later
** contexts, no pointer value is ever handed out twice (the value carries a
** generation), so a stale pointer can never decide for — or close — another user's
** context. Do not close a context while another thread is still using it. */
void engage_context_close(engage_context *context);

/* Records a state change (docs/decisions.md, schema/record.schema.json): an
** impression, click, dismissal, conversion, behaviour event or conversation.
** Returns ENGAGE_OK, ENGAGE_MISUSE, ENGAGE_INVALID_JSON, ENGAGE_INVALID_REQUEST,
** ENGAGE_STORE, ENGAGE_NOMEM. */
int32_t engage_record(engage_engine *engine, const char *record, size_t len,
                      char **out, size_t *out_len);

/* Erases everything the engine holds about a user (GDPR erasure): state in the store
** and queued exposure records. `user_id` is UTF-8 of `len` bytes.
** Returns ENGAGE_OK, ENGAGE_MISUSE, ENGAGE_INVALID_REQUEST, ENGAGE_STORE, ENGAGE_NOMEM. */
int32_t engage_forget_user(engage_engine *engine, const char *user_id, size_t len,
                           char **out, size_t *out_len);

/* Writes everything the engine's store holds about a user to `*out` as JSON (a
** data-access request; or to see why a cap was hit): impressions per cap scope (lifetime
** total, latest exact times, older ones per hour), clicks, dismissals and conversions
** per campaign, behaviour per event as hourly aggregates, open conversations. A user
** never seen gives empty lists. Format: docs/state.md.
** Returns ENGAGE_OK, ENGAGE_MISUSE, ENGAGE_INVALID_REQUEST, ENGAGE_STORE, ENGAGE_NOMEM. */
int32_t engage_export_user(engage_engine *engine, const char *user_id, size_t len,
                           char **out, size_t *out_len);

/* Removes up to `max` queued exposure records, oldest first, and writes them to
** `*out` as a JSON array (0 means all). On a store shared by several engines (Redis) it
** first drops the records of users other engines erased; while that store cannot be
** asked it writes [] and keeps the records queued (docs/state.md, "Erasure across a
** fleet"). Returns ENGAGE_OK, ENGAGE_MISUSE or ENGAGE_NOMEM. */
int32_t engage_drain_exposures(engage_engine *engine, size_t max, char **out, size_t *out_len);

/* Writes the engine's counters (decisions, decisions that failed closed because the
** store was unavailable ("store_unavailable"), per reason code, latency histogram,
** exposures; for a Redis store, its circuit breaker under "store") to `*out` as JSON
** (docs/decisions.md). Returns ENGAGE_OK, ENGAGE_MISUSE or ENGAGE_NOMEM. */
int32_t engage_stats(engage_engine *engine, char **out, size_t *out_len);

/* Releases a buffer this library returned. NULL is a harmless no-op. */
void engage_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* ENGAGE_H */

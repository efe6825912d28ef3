// The engage_store callbacks of a Go host store (store.go): each passes the engine's
// host pointer — a cgo.Handle of the store — on to the exported Go function.
#include <stdint.h>
#include "engage.h"
#include "_cgo_export.h"

static int32_t load_cb(void *host, const char *user_id, size_t user_id_len,
                       char *buf, size_t cap, size_t *len, uint64_t *version) {
    return engagegoStoreLoad((uintptr_t)host, (char *)user_id, user_id_len, buf, cap, len, version);
}

static int32_t save_cb(void *host, const char *user_id, size_t user_id_len,
                       const char *state, size_t len, uint64_t expected_version) {
    return engagegoStoreSave((uintptr_t)host, (char *)user_id, user_id_len, (char *)state, len,
                             expected_version);
}

static int32_t erase_cb(void *host, const char *user_id, size_t user_id_len) {
    return engagegoStoreErase((uintptr_t)host, (char *)user_id, user_id_len);
}

int32_t engagego_open_with_store(const char *config, size_t config_len, uintptr_t host,
                                 engage_engine **engine, char **out, size_t *out_len) {
    engage_store store = {sizeof(engage_store), (void *)host, load_cb, save_cb, erase_cb};
    return engage_engine_open_with_store(config, config_len, &store, engine, out, out_len);
}

package engage

/*
#include <stdint.h>
#include "engage.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime/cgo"
	"sync"
	"unsafe"
)

// Store keeps users' state in the host's own storage — its database, cache or
// cluster — for an engine opened with OpenWithStore (engage.h, "A state store the
// host owns"). It holds one opaque value per user (a few hundred bytes of the
// library's own versioned encoding, not meant to be read) with a version number, and
// offers one primitive: replace a user's value only if its version is still the one
// read (compare-and-swap). The engine does everything else: it reads the value,
// applies records and retention, checks caps and writes back, retrying a write that
// lost a race — so caps hold across goroutines, processes and hosts exactly as far
// as Save is atomic.
//
// The methods are called from any goroutine, concurrently (for the same user too),
// while a call on the engine runs, and never after Engine.Close has returned. They
// must not call into the same engine. An error (or a panic, which is recovered) fails
// the engine call with StatusStore — except Decide, which fails closed: a decision
// with no message and "store": "unavailable" — and is kept for Engine.LastStoreError.
type Store interface {
	// Load returns the user's value and its version (not 0), or nil and 0 when
	// nothing is stored for the user.
	Load(userID string) (value []byte, version uint64, err error)
	// Save stores value as the user's value with a new version only if the user's
	// version is still expectedVersion (0: nothing stored yet), atomically with
	// respect to other Saves and Erases of the user, and returns true; it returns
	// false, storing nothing, when the version is another (a conflict: the engine
	// reads again and retries). A new version is any number but 0 that this user has
	// never had, not even before an Erase: a counter per store, or a random 64-bit
	// number, will do. value is the Store's own copy.
	Save(userID string, value []byte, expectedVersion uint64) (saved bool, err error)
	// Erase removes the user's value (Engine.ForgetUser); nothing stored is no error.
	Erase(userID string) error
}

// OpenWithStore opens an engine whose users' state lives in store. configJSON is as
// for Open, except that its "store" must be absent or {"kind": "callbacks"}
// (StatusInvalidRequest at "store.kind" otherwise); its limits.history_retention
// bounds what the values saved keep.
func OpenWithStore(configJSON []byte, store Store) (*Engine, error) {
	if store == nil {
		return nil, &Error{Status: StatusMisuse, Code: "argument", Path: "store", Message: "nil Store"}
	}
	return openEngine(configJSON, &storeBridge{store: store})
}

// LastStoreError is the latest error (or recovered panic) of the engine's Store, on
// any goroutine, for logs and debugging; nil without a Store or when none failed.
// The library reports a failed callback only as "the host's store->save returned 7".
func (e *Engine) LastStoreError() error {
	if e == nil || e.store == nil {
		return nil
	}
	return e.store.lastError()
}

// storeBridge is what a store engine's cgo.Handle refers to.
type storeBridge struct {
	store Store
	mu    sync.Mutex
	last  error // under mu
}

func (b *storeBridge) lastError() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// failed keeps err and returns the status that fails the engine's call.
func (b *storeBridge) failed(method string, err error) C.int32_t {
	b.mu.Lock()
	b.last = fmt.Errorf("engage: Store.%s: %w", method, err)
	b.mu.Unlock()
	return C.ENGAGE_STORE
}

// recovered turns a panic of the host's method into a failure status (a panic must
// not unwind through the library's C frames).
func (b *storeBridge) recovered(method string, status *C.int32_t) {
	if r := recover(); r != nil {
		*status = b.failed(method, fmt.Errorf("panic: %v", r))
	}
}

func bridge(host C.uintptr_t) *storeBridge {
	return cgo.Handle(host).Value().(*storeBridge)
}

// goBytes views n bytes of C memory as a slice (no copy).
func goBytes(p *C.char, n C.size_t) []byte {
	if n == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), int(n))
}

// The library never passes a user id or value this long; refusing it keeps the
// conversions to int exact.
const maxCallbackBytes = 1 << 30

var errTooLong = errors.New("the library passed a user id or value over 1 GiB")

//export engagegoStoreLoad
func engagegoStoreLoad(host C.uintptr_t, user *C.char, userLen C.size_t, buf *C.char, capacity C.size_t,
	length *C.size_t, version *C.uint64_t) (status C.int32_t) {
	b := bridge(host)
	defer b.recovered("Load", &status)
	if userLen > maxCallbackBytes {
		return b.failed("Load", errTooLong)
	}
	value, v, err := b.store.Load(string(goBytes(user, userLen)))
	switch {
	case err != nil:
		return b.failed("Load", err)
	case len(value) > 0 && v == 0:
		return b.failed("Load", errors.New("returned a value with version 0 (0 means nothing stored)"))
	}
	*length = C.size_t(len(value))
	*version = C.uint64_t(v)
	// engage.h: copy only when it fits; the engine then calls again with len(value) bytes.
	if len(value) > 0 && C.size_t(len(value)) <= capacity {
		copy(goBytes(buf, C.size_t(len(value))), value)
	}
	return C.ENGAGE_OK
}

//export engagegoStoreSave
func engagegoStoreSave(host C.uintptr_t, user *C.char, userLen C.size_t, state *C.char, n C.size_t,
	expected C.uint64_t) (status C.int32_t) {
	b := bridge(host)
	defer b.recovered("Save", &status)
	if userLen > maxCallbackBytes || n > maxCallbackBytes {
		return b.failed("Save", errTooLong)
	}
	value := append([]byte(nil), goBytes(state, n)...)
	saved, err := b.store.Save(string(goBytes(user, userLen)), value, uint64(expected))
	switch {
	case err != nil:
		return b.failed("Save", err)
	case !saved:
		return C.ENGAGE_STORE_CONFLICT
	}
	return C.ENGAGE_OK
}

//export engagegoStoreErase
func engagegoStoreErase(host C.uintptr_t, user *C.char, userLen C.size_t) (status C.int32_t) {
	b := bridge(host)
	defer b.recovered("Erase", &status)
	if userLen > maxCallbackBytes {
		return b.failed("Erase", errTooLong)
	}
	if err := b.store.Erase(string(goBytes(user, userLen))); err != nil {
		return b.failed("Erase", err)
	}
	return C.ENGAGE_OK
}

// Package engage is the Go binding of libengage, the embeddable campaign-decisioning
// library: which message should this user be shown now, on which channel — or none?
//
// It is a thin cgo layer over the C ABI in include/engage.h. Every method takes and
// returns JSON bytes in the formats of docs/decisions.md, docs/campaigns.md and
// docs/engine-config.md. An *Engine is safe for use by any number of goroutines at
// once (the library is thread-safe; decisions that commit impressions never exceed a
// cap, however many run concurrently).
//
// An Engine keeps users' state in its configured store (memory, SQLite, Redis) or,
// opened with OpenWithStore, in the host's own storage behind the Store interface. A
// Context is one user's document parsed once and asked many questions. Decide and
// Context.Decide return a new slice per call; DecideInto and Context.DecideInto write
// into a buffer the caller reuses. Every failure is an *Error carrying the library's
// status code, the path of the offending member and a message.
//
// Engine and Context close alike: Close waits for the calls already running on other
// goroutines, closing twice is a no-op, and every method called afterwards returns an
// *Error with StatusMisuse — never a crash.
//
// Linking: the package finds engage.h and libengage.so through pkg-config (engage.pc,
// installed by make install PREFIX=...; its Libs carry an rpath, so the program finds
// the library at run time too):
//
//	PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig go build
package engage

/*
#cgo pkg-config: engage
#include <stdlib.h>
#include "engage.h"

// store.c: engage_engine_open_with_store with callbacks into the Go functions of
// store.go, whose host pointer is a cgo.Handle.
int32_t engagego_open_with_store(const char *config, size_t config_len, uintptr_t host,
                                 engage_engine **engine, char **out, size_t *out_len);
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
)

// ABIVersion is the C ABI version this package was written for. Open refuses a
// library whose engage_abi_version() differs.
const ABIVersion = 1

// Status codes of the C ABI (ENGAGE_*), found in Error.Status.
const (
	StatusOK               = 0
	StatusError            = 1 // an internal error; the message says which
	StatusMisuse           = 2 // closed engine, bad arguments
	StatusInvalidJSON      = 3 // input is not valid JSON (or over a nesting/string limit)
	StatusInvalidRequest   = 4 // a request, record or config that breaks its format
	StatusInvalidCampaigns = 5 // a campaign set with problems (see Error.Problems)
	StatusNoCampaigns      = 6 // Decide before any campaign set was loaded
	StatusStore            = 7 // the state store failed
	StatusTooBig           = 8 // input over max_request_bytes, or a DecideInto buffer too small
	StatusNoMem            = 9 // an allocation failed
)

// Problem is one problem of a refused campaign set (or other document), or one warning
// of a loaded set: where, and what.
type Problem struct {
	Code    string `json:"code"`    // a stable code, e.g. "unknown_reference"
	Path    string `json:"path"`    // where, e.g. "campaigns[2].exclusion_group"
	Message string `json:"message"` // what, in English
}

// Error is a failure reported by the library: its status code (Status* constants), a
// stable code, the path of the offending member (when there is one) and a message.
// For StatusInvalidCampaigns, Problems lists every problem found.
type Error struct {
	Status   int       // a Status* constant
	Code     string    // a stable code, e.g. "invalid_request", "limit", "buffer"
	Path     string    // the offending member, e.g. "channels[0]"; empty when none
	Message  string    // what was wrong, in English
	Problems []Problem // every problem, for StatusInvalidCampaigns
}

// Error formats the error as "path: message [code] (status name)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("engage: ")
	if len(e.Problems) > 1 {
		fmt.Fprintf(&b, "%d problems (%s):", len(e.Problems), StatusString(e.Status))
		for _, p := range e.Problems {
			fmt.Fprintf(&b, " %s: %s [%s];", p.Path, p.Message, p.Code)
		}
		return strings.TrimSuffix(b.String(), ";")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	if e.Code != "" {
		fmt.Fprintf(&b, " [%s]", e.Code)
	}
	fmt.Fprintf(&b, " (%s)", StatusString(e.Status))
	return b.String()
}

// Is reports whether target is an *Error with the same Status, so that
// errors.Is(err, &engage.Error{Status: engage.StatusMisuse}) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Status == e.Status
}

// StatusString is the library's short English name of a status code ("ok",
// "invalid json", ...; "unknown status" for an unknown code).
func StatusString(status int) string {
	if status < -1<<31 || status > 1<<31-1 {
		return "unknown status"
	}
	return C.GoString(C.engage_status_string(C.int32_t(status)))
}

// Version is the library's version string ("0.1.0").
func Version() string { return C.GoString(C.engage_version()) }

// abiErr is set once, when the package is initialised, if the loaded library was
// built for another ABI version; Open then returns it.
var abiErr error

func init() {
	if v := int(C.engage_abi_version()); v != ABIVersion {
		abiErr = &Error{Status: StatusMisuse, Code: "abi_version",
			Message: fmt.Sprintf("libengage has ABI version %d; this binding needs %d (library version %s)",
				v, ABIVersion, Version())}
	}
}

// Engine is an open engine: a campaign set, user state and counters. It may be used
// by any number of goroutines at once. Close it when done (a finalizer closes a
// dropped one, as a safety net only).
type Engine struct {
	// mu is held for reading by every call into the library and for writing by
	// Close, so Close waits for the calls in flight: after it returns, no callback of
	// a host store runs any more and its handle can be released.
	mu     sync.RWMutex
	h      *C.engage_engine // set once by Open; the library answers MISUSE once it is closed
	closed bool             // under mu
	store  *storeBridge     // the host store (OpenWithStore), nil otherwise
	handle cgo.Handle       // store's entry in the cgo handle table, 0 without one
}

// Open opens an engine configured by configJSON (docs/engine-config.md); nil or
// empty means the defaults (in-memory store, default limits, wall clock).
func Open(configJSON []byte) (*Engine, error) {
	return openEngine(configJSON, nil)
}

// openEngine opens an engine with the library's own store (bridge nil) or a host store.
func openEngine(configJSON []byte, bridge *storeBridge) (*Engine, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var h *C.engage_engine
	var handle cgo.Handle
	p, n := cbytes(configJSON)
	_, err := collect(false, func(out **C.char, outLen *C.size_t) C.int32_t {
		if bridge == nil {
			return C.engage_engine_open(p, n, &h, out, outLen)
		}
		handle = cgo.NewHandle(bridge)
		return C.engagego_open_with_store(p, n, C.uintptr_t(handle), &h, out, outLen)
	})
	runtime.KeepAlive(configJSON)
	if err == nil && h == nil {
		err = &Error{Status: StatusError, Code: "internal", Message: "the library opened no engine"}
	}
	if err != nil {
		C.engage_engine_close(h) // NULL is a no-op; never leak an engine the header did not promise
		if handle != 0 {
			handle.Delete()
		}
		return nil, err
	}
	e := &Engine{h: h, store: bridge, handle: handle}
	runtime.SetFinalizer(e, (*Engine).Close)
	return e, nil
}

// Close closes the engine, after the calls already running on other goroutines have
// returned; later calls return an *Error with StatusMisuse. Closing again, or a nil
// *Engine, is a no-op. Close always returns nil; the error is there so an Engine
// satisfies io.Closer.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.closed = true
		C.engage_engine_close(e.h)
		if e.handle != 0 {
			e.handle.Delete()
		}
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// LoadCampaigns validates, compiles and loads a campaign set (docs/campaigns.md),
// replacing the current one atomically. On failure the current set stays and the
// *Error lists every problem. Warnings the load found are dropped; see
// LoadCampaignsWithWarnings.
func (e *Engine) LoadCampaigns(set []byte) error {
	_, err := e.LoadCampaignsWithWarnings(set)
	return err
}

// Warnings are the findings of a campaign set load that did not fail it
// (docs/campaigns.md, "References"): a near-miss name, events nothing checked.
type Warnings struct {
	// List holds at most 100 warnings, each shaped like a Problem.
	List []Problem `json:"warnings"`
	// Truncated is true when more warnings were found than listed.
	Truncated bool `json:"warnings_truncated"`
}

// LoadCampaignsWithWarnings is LoadCampaigns returning the load's warnings, usually
// none.
func (e *Engine) LoadCampaignsWithWarnings(set []byte) (Warnings, error) {
	var w Warnings
	p, n := cbytes(set)
	out, err := e.text(false, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_load_campaigns(h, p, n, out, outLen)
	})
	runtime.KeepAlive(set)
	if err != nil || len(out) == 0 {
		return w, err
	}
	if err := json.Unmarshal(out, &w); err != nil {
		return w, &Error{Status: StatusError, Code: "internal", Message: "the library's load reply is not JSON: " + err.Error()}
	}
	return w, nil
}

// Decide decides for a request (docs/decisions.md) and returns the decision JSON.
// With "commit" (the default) the chosen impressions are recorded atomically.
func (e *Engine) Decide(request []byte) ([]byte, error) {
	p, n := cbytes(request)
	out, err := e.text(true, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_decide(h, p, n, out, outLen)
	})
	runtime.KeepAlive(request)
	return out, err
}

// DecideInto is Decide writing the decision into buf instead of a new slice, so a
// hot path that reuses buf allocates nothing for the result. It returns the
// decision's length n: the decision is buf[:n]. When buf is too small (len(buf) <
// n+1: the library also writes a NUL) it writes nothing and returns n with an
// *Error of StatusTooBig, code "buffer" — the decision was already taken and
// committed, so a retry is a new decision: size buf for the largest decision the set
// can produce. A bad request returns its own error, as Decide does.
func (e *Engine) DecideInto(request, buf []byte) (int, error) {
	p, n := cbytes(request)
	b, capacity := cbytes(buf)
	var outLen C.size_t
	st, err := e.call(func(h *C.engage_engine) C.int32_t {
		return C.engage_decide_into(h, p, n, b, capacity, &outLen)
	})
	runtime.KeepAlive(request)
	if err != nil {
		return 0, err
	}
	return into(st, buf, outLen)
}

// OpenContext parses and checks one user's document — a JSON object with user_id and
// any other request members (time zone, consent, channels, customer attributes: most
// of a request's bytes) — once, for many questions asked with Context.Decide. A
// document that breaks the request format is refused here, with its path, not at
// every question. Close the context when done (a finalizer closes a dropped one, as a
// safety net only); the context keeps its engine reachable.
func (e *Engine) OpenContext(user []byte) (*Context, error) {
	var ctx *C.engage_context
	p, n := cbytes(user)
	_, err := e.text(false, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_context_open(h, p, n, &ctx, out, outLen)
	})
	runtime.KeepAlive(user)
	if err == nil && ctx == nil {
		err = &Error{Status: StatusError, Code: "internal", Message: "the library opened no context"}
	}
	if err != nil {
		C.engage_context_close(ctx) // NULL is a no-op
		return nil, err
	}
	c := &Context{e: e, h: ctx}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Record records a state change (schema/record.schema.json): an impression, click,
// dismissal, conversion, behaviour event or conversation.
func (e *Engine) Record(record []byte) error {
	p, n := cbytes(record)
	_, err := e.text(false, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_record(h, p, n, out, outLen)
	})
	runtime.KeepAlive(record)
	return err
}

// ForgetUser erases everything the engine holds about a user (GDPR erasure): state
// in the store and queued exposure records.
func (e *Engine) ForgetUser(userID string) error {
	_, err := e.userCall(false, userID, func(h *C.engage_engine, p *C.char, n C.size_t, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_forget_user(h, p, n, out, outLen)
	})
	return err
}

// ExportUser returns everything the engine's store holds about a user as JSON
// (docs/state.md): a data-access request, or to see why a cap was hit. A user never
// seen gives empty lists.
func (e *Engine) ExportUser(userID string) ([]byte, error) {
	return e.userCall(true, userID, func(h *C.engage_engine, p *C.char, n C.size_t, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_export_user(h, p, n, out, outLen)
	})
}

// DrainExposures removes up to max queued exposure records, oldest first, and
// returns them as a JSON array (schema/exposure.schema.json); max 0 means all.
func (e *Engine) DrainExposures(max int) ([]byte, error) {
	if max < 0 {
		return nil, &Error{Status: StatusMisuse, Code: "argument", Path: "max",
			Message: fmt.Sprintf("max must be 0 (all) or positive, not %d", max)}
	}
	return e.text(true, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_drain_exposures(h, C.size_t(max), out, outLen)
	})
}

// Stats returns the engine's counters as JSON: decisions, failed requests, records,
// decisions per reason code, a latency histogram, exposures queued and dropped.
func (e *Engine) Stats() ([]byte, error) {
	return e.text(true, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return C.engage_stats(h, out, outLen)
	})
}

// Context is one user's document parsed once by the library, to which questions are put
// with Decide. It may be used by any number of goroutines at once, and closed while
// they do: Close waits for the Decide calls already running, and later calls return an
// *Error with StatusMisuse. Closing the engine also makes Decide return StatusMisuse.
type Context struct {
	e *Engine // keeps the engine (and so its handle) from being finalized under the context
	// mu guards h: Decide holds it for reading, Close for writing, so a Close never
	// races a Decide in flight (the C contract: do not close a context while another
	// thread uses it). h is never passed on once closed: the library recycles a closed
	// context's memory for the engine's next context.
	mu sync.RWMutex
	h  *C.engage_context // nil once closed
}

// Decide decides for question — a JSON object of request members, e.g.
// {"placements": ["home"]} or {"event": {...}, "now": ...}; nil or empty means {} —
// asked in the context, and returns the decision JSON. The question's top-level
// members replace the context's members of the same name, so the decision is
// Engine.Decide's for the merged request; a question may not set user_id
// (StatusInvalidRequest).
func (c *Context) Decide(question []byte) ([]byte, error) {
	p, n := cbytes(question)
	var out *C.char
	var outLen C.size_t
	st, err := c.call(func(h *C.engage_context) C.int32_t {
		return C.engage_context_decide(h, p, n, &out, &outLen)
	})
	runtime.KeepAlive(question)
	if err != nil {
		return nil, err
	}
	return result(true, st, out, outLen)
}

// DecideInto is Decide writing the decision into buf, with Engine.DecideInto's
// rules: it returns the decision's length n (the decision is buf[:n]), or n and a
// StatusTooBig *Error with code "buffer" when buf is shorter than n+1 bytes.
func (c *Context) DecideInto(question, buf []byte) (int, error) {
	p, n := cbytes(question)
	b, capacity := cbytes(buf)
	var outLen C.size_t
	st, err := c.call(func(h *C.engage_context) C.int32_t {
		return C.engage_context_decide_into(h, p, n, b, capacity, &outLen)
	})
	runtime.KeepAlive(question)
	if err != nil {
		return 0, err
	}
	return into(st, buf, outLen)
}

// Close closes the context, after the Decide calls already running on other
// goroutines have returned. Closing again, or a nil *Context, is a no-op. A context
// must be closed even after its engine was. Close always returns nil; the error is
// there so a Context satisfies io.Closer, as an Engine does.
func (c *Context) Close() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != nil {
		C.engage_context_close(c.h)
		c.h = nil
		runtime.SetFinalizer(c, nil)
	}
	return nil
}

// call runs f with the open context's handle while holding the context (against its
// Close) and its engine (against the engine's Close, so host store callbacks never
// outlive the engine).
func (c *Context) call(f func(h *C.engage_context) C.int32_t) (C.int32_t, error) {
	if c == nil {
		return 0, misuse("nil context")
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		return 0, misuse("the context is closed")
	}
	return c.e.call(func(*C.engage_engine) C.int32_t { return f(c.h) })
}

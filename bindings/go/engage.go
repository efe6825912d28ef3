// Package engage is the Go binding of libengage, the embeddable campaign-decisioning
// library: which message should this user be shown now, on which channel — or none?
//
// It is a thin cgo layer over the C ABI in include/engage.h. Every method takes and
// returns JSON bytes in the formats of docs/decisions.md, docs/campaigns.md and
// docs/engine-config.md. An *Engine is safe for use by any number of goroutines at
// once (the library is thread-safe; decisions that commit impressions never exceed a
// cap, however many run concurrently).
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
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
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
	StatusTooBig           = 8 // input over max_request_bytes
	StatusNoMem            = 9 // an allocation failed
)

// Problem is one problem of a refused campaign set (or other document): where, and what.
type Problem struct {
	Code    string `json:"code"`
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Error is a failure reported by the library: its status code (Status* constants), a
// stable code, the path of the offending member (when there is one) and a message.
// For StatusInvalidCampaigns, Problems lists every problem found.
type Error struct {
	Status   int
	Code     string
	Path     string
	Message  string
	Problems []Problem
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

// Engine is an open engine: a campaign set, user state and counters. Close it when
// done. Methods may be called from any number of goroutines; after Close they return
// an *Error with StatusMisuse.
type Engine struct {
	h      *C.engage_engine // set once by Open, never changed (the library detects a closed handle)
	closed int32            // atomic
}

// Open opens an engine configured by configJSON (docs/engine-config.md); nil or
// empty means the defaults (in-memory store, default limits, wall clock).
func Open(configJSON []byte) (*Engine, error) {
	if abiErr != nil {
		return nil, abiErr
	}
	var h *C.engage_engine
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(configJSON)
	st := C.engage_engine_open(p, n, &h, &out, &outLen)
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		if h != nil { // not expected by the header; never leak an engine
			C.engage_engine_close(h)
		}
		return nil, newError(int(st), out, outLen)
	}
	if h == nil {
		return nil, &Error{Status: StatusError, Code: "internal", Message: "engage_engine_open returned ok without an engine"}
	}
	e := &Engine{h: h}
	// A safety net only: an Engine dropped without Close is closed when collected.
	runtime.SetFinalizer(e, (*Engine).Close)
	return e, nil
}

// Close closes the engine. Calls already running on other goroutines finish
// normally; later calls return StatusMisuse. Closing again is a no-op.
func (e *Engine) Close() error {
	if e == nil {
		return nil
	}
	if atomic.CompareAndSwapInt32(&e.closed, 0, 1) {
		C.engage_engine_close(e.h)
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// LoadCampaigns validates, compiles and loads a campaign set (docs/campaigns.md),
// replacing the current one atomically. On failure the current set stays and the
// *Error lists every problem.
func (e *Engine) LoadCampaigns(set []byte) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(set)
	st := C.engage_load_campaigns(h, p, n, &out, &outLen)
	runtime.KeepAlive(set)
	runtime.KeepAlive(e)
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		return newError(int(st), out, outLen)
	}
	return nil
}

// Decide decides for a request (docs/decisions.md) and returns the decision JSON.
// With "commit" (the default) the chosen impressions are recorded atomically.
func (e *Engine) Decide(request []byte) ([]byte, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(request)
	st := C.engage_decide(h, p, n, &out, &outLen)
	runtime.KeepAlive(request)
	runtime.KeepAlive(e)
	return result(st, out, outLen)
}

// OpenContext parses and checks one user's document — a JSON object with user_id and
// any other request members (time zone, consent, channels, customer attributes: most
// of a request's bytes) — once, for many questions asked with Context.Decide. A
// document that breaks the request format is refused here, with its path, not at
// every question. Close the context when done (a finalizer closes a dropped one, as a
// safety net only); the context keeps its engine reachable.
func (e *Engine) OpenContext(user []byte) (*Context, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var ctx *C.engage_context
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(user)
	st := C.engage_context_open(h, p, n, &ctx, &out, &outLen)
	runtime.KeepAlive(user)
	runtime.KeepAlive(e)
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		if ctx != nil { // not expected by the header; never leak a context
			C.engage_context_close(ctx)
		}
		return nil, newError(int(st), out, outLen)
	}
	if ctx == nil {
		return nil, &Error{Status: StatusError, Code: "internal", Message: "engage_context_open returned ok without a context"}
	}
	c := &Context{e: e, h: ctx}
	runtime.SetFinalizer(c, (*Context).Close)
	return c, nil
}

// Record records a state change (schema/record.schema.json): an impression, click,
// dismissal, conversion, behaviour event or conversation.
func (e *Engine) Record(record []byte) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(record)
	st := C.engage_record(h, p, n, &out, &outLen)
	runtime.KeepAlive(record)
	runtime.KeepAlive(e)
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		return newError(int(st), out, outLen)
	}
	return nil
}

// ForgetUser erases everything the engine holds about a user (GDPR erasure): state
// in the store and queued exposure records.
func (e *Engine) ForgetUser(userID string) error {
	h, err := e.handle()
	if err != nil {
		return err
	}
	var out *C.char
	var outLen C.size_t
	// C.CString copies every byte (a NUL inside the id included, which the library
	// then refuses); the length is passed explicitly.
	var p *C.char
	if len(userID) > 0 {
		p = C.CString(userID)
		defer C.free(unsafe.Pointer(p))
	}
	st := C.engage_forget_user(h, p, C.size_t(len(userID)), &out, &outLen)
	runtime.KeepAlive(e)
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		return newError(int(st), out, outLen)
	}
	return nil
}

// ExportUser returns everything the engine's store holds about a user as JSON
// (docs/state.md): a data-access request, or to see why a cap was hit.
func (e *Engine) ExportUser(userID string) ([]byte, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var out *C.char
	var outLen C.size_t
	var p *C.char
	if len(userID) > 0 {
		p = C.CString(userID)
		defer C.free(unsafe.Pointer(p))
	}
	st := C.engage_export_user(h, p, C.size_t(len(userID)), &out, &outLen)
	runtime.KeepAlive(e)
	return result(st, out, outLen)
}

// DrainExposures removes up to max queued exposure records, oldest first, and
// returns them as a JSON array (schema/exposure.schema.json); max 0 means all.
func (e *Engine) DrainExposures(max int) ([]byte, error) {
	if max < 0 {
		return nil, &Error{Status: StatusMisuse, Code: "argument", Path: "max",
			Message: fmt.Sprintf("max must be 0 (all) or positive, not %d", max)}
	}
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var out *C.char
	var outLen C.size_t
	st := C.engage_drain_exposures(h, C.size_t(max), &out, &outLen)
	runtime.KeepAlive(e)
	return result(st, out, outLen)
}

// Stats returns the engine's counters as JSON: decisions, failed requests, records,
// decisions per reason code, a latency histogram, exposures queued and dropped.
func (e *Engine) Stats() ([]byte, error) {
	h, err := e.handle()
	if err != nil {
		return nil, err
	}
	var out *C.char
	var outLen C.size_t
	st := C.engage_stats(h, &out, &outLen)
	runtime.KeepAlive(e)
	return result(st, out, outLen)
}

// Context is one user's document parsed once by the library, to which questions are put
// with Decide. It may be used by any number of goroutines at once, and closed while
// they do: Close waits for the Decide calls already running, and later calls return an
// *Error with StatusMisuse. Closing the engine also makes Decide return StatusMisuse.
type Context struct {
	e *Engine // keeps the engine (and so its handle) from being finalized under the context
	// mu guards h: Decide holds it for reading, Close for writing, so a Close never
	// races a Decide in flight (the C contract: do not close a context while another
	// thread uses it). A closed handle itself is safe to pass: it answers MISUSE.
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
	if c == nil {
		return nil, &Error{Status: StatusMisuse, Code: "misuse", Message: "nil context"}
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.h == nil {
		return nil, &Error{Status: StatusMisuse, Code: "misuse", Message: "the context is closed"}
	}
	var out *C.char
	var outLen C.size_t
	p, n := cbytes(question)
	st := C.engage_context_decide(c.h, p, n, &out, &outLen)
	runtime.KeepAlive(question)
	return result(st, out, outLen)
}

// Close closes the context, after the Decide calls already running on other
// goroutines have returned. Closing again, or a nil *Context, is a no-op. A context
// must be closed even after its engine was.
func (c *Context) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h != nil {
		C.engage_context_close(c.h)
		c.h = nil
		runtime.SetFinalizer(c, nil)
	}
}

// handle returns the C handle. A closed engine's handle is still passed to the
// library, which detects it and answers ENGAGE_MISUSE with its own message (the
// handle's bytes stay allocated for exactly this); only a nil *Engine is refused here.
func (e *Engine) handle() (*C.engage_engine, error) {
	if e == nil || e.h == nil {
		return nil, &Error{Status: StatusMisuse, Code: "misuse", Message: "nil or never-opened engine"}
	}
	return e.h, nil
}

// cbytes passes Go bytes to C without copying: a []byte holds no Go pointers and the
// library does not keep the pointer after the call returns (cgo pointer rules).
// Empty input is NULL with length 0.
func cbytes(b []byte) (*C.char, C.size_t) {
	if len(b) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(&b[0])), C.size_t(len(b))
}

// result copies a library buffer into Go memory and frees it; on failure it returns
// the error the buffer describes.
func result(st C.int32_t, out *C.char, outLen C.size_t) ([]byte, error) {
	defer C.engage_free(unsafe.Pointer(out))
	if st != C.ENGAGE_OK {
		return nil, newError(int(st), out, outLen)
	}
	if out == nil {
		return nil, &Error{Status: StatusError, Code: "internal", Message: "the library returned ok without a result"}
	}
	return C.GoBytes(unsafe.Pointer(out), C.int(outLen)), nil
}

// newError builds an *Error from a status and the library's error object
// {"status", "code", "path", "message", "problems"?}; it does not free out.
func newError(status int, out *C.char, outLen C.size_t) *Error {
	e := &Error{Status: status}
	if out != nil && outLen > 0 && outLen <= 1<<30 {
		var obj struct {
			Code     string    `json:"code"`
			Path     string    `json:"path"`
			Message  string    `json:"message"`
			Problems []Problem `json:"problems"`
		}
		text := C.GoBytes(unsafe.Pointer(out), C.int(outLen))
		if json.Unmarshal(text, &obj) == nil {
			e.Code, e.Path, e.Message, e.Problems = obj.Code, obj.Path, obj.Message, obj.Problems
		} else {
			e.Message = string(text)
		}
	}
	if e.Message == "" {
		e.Message = StatusString(status)
	}
	return e
}

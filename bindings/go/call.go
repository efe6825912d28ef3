package engage

/*
#include <stdlib.h>
#include "engage.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// The call boilerplate, written once: holding the engine against Close, handing the
// library (pointer, length) inputs, collecting a library buffer (copy, engage_free)
// and turning a status and its error object into an *Error.

// call runs f with the engine's handle while holding the engine against Close (for
// reading: calls run concurrently). A closed engine's handle is still passed on: the
// library detects it and answers ENGAGE_MISUSE with its own message.
func (e *Engine) call(f func(h *C.engage_engine) C.int32_t) (C.int32_t, error) {
	if e == nil || e.h == nil {
		return 0, misuse("nil or never-opened engine")
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return f(e.h), nil
}

// text is call for a function that hands back text through (char **out, size_t
// *out_len): it returns the text (want: a success must carry some) or the error.
func (e *Engine) text(want bool, f func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t) ([]byte, error) {
	var out *C.char
	var outLen C.size_t
	st, err := e.call(func(h *C.engage_engine) C.int32_t { return f(h, &out, &outLen) })
	if err != nil {
		return nil, err
	}
	return result(want, st, out, outLen)
}

// userCall is text for a function taking a user id (pointer, length). The id is
// copied with every byte (a NUL inside it included, which the library then refuses).
func (e *Engine) userCall(want bool, userID string, f func(h *C.engage_engine, p *C.char, n C.size_t, out **C.char, outLen *C.size_t) C.int32_t) ([]byte, error) {
	var p *C.char
	if len(userID) > 0 {
		p = C.CString(userID)
		defer C.free(unsafe.Pointer(p))
	}
	return e.text(want, func(h *C.engage_engine, out **C.char, outLen *C.size_t) C.int32_t {
		return f(h, p, C.size_t(len(userID)), out, outLen)
	})
}

// collect runs f, a function handing back text, without an engine (Open).
func collect(want bool, f func(out **C.char, outLen *C.size_t) C.int32_t) ([]byte, error) {
	var out *C.char
	var outLen C.size_t
	st := f(&out, &outLen)
	return result(want, st, out, outLen)
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
// the error the buffer describes. want: a success without text is an internal error.
func result(want bool, st C.int32_t, out *C.char, outLen C.size_t) ([]byte, error) {
	defer C.engage_free(unsafe.Pointer(out))
	var text []byte
	if out != nil && outLen > 0 && outLen <= 1<<30 {
		text = C.GoBytes(unsafe.Pointer(out), C.int(outLen))
	}
	if st != C.ENGAGE_OK {
		return nil, newError(int(st), text)
	}
	if want && out == nil {
		return nil, &Error{Status: StatusError, Code: "internal", Message: "the library returned ok without a result"}
	}
	return text, nil
}

// into reads the outcome of a *_decide_into call that had buf to write into.
func into(st C.int32_t, buf []byte, outLen C.size_t) (int, error) {
	written := outLen < C.size_t(len(buf)) // the text and its NUL fit, so they were written
	if outLen > 1<<40 {                    // no decision is this long; never convert it to int
		return 0, &Error{Status: StatusError, Code: "internal", Message: fmt.Sprintf("the library reported a %d-byte result", uint64(outLen))}
	}
	n := int(outLen)
	switch {
	case st == C.ENGAGE_OK && written:
		return n, nil
	case written: // the call failed and its error object is in buf
		return 0, newError(int(st), buf[:n])
	case st == C.ENGAGE_TOO_BIG || st == C.ENGAGE_OK:
		return n, &Error{Status: StatusTooBig, Code: "buffer",
			Message: fmt.Sprintf("the result is %d bytes and needs %d with its NUL; the buffer has %d (a decision was taken and committed)", n, n+1, len(buf))}
	default:
		return 0, &Error{Status: int(st), Code: "buffer",
			Message: fmt.Sprintf("%s; its %d-byte error text did not fit the %d-byte buffer", StatusString(int(st)), n, len(buf))}
	}
}

// misuse is the *Error of a call the binding refuses itself.
func misuse(message string) *Error {
	return &Error{Status: StatusMisuse, Code: "misuse", Message: message}
}

// newError builds an *Error from a status and the library's error object
// {"status", "code", "path", "message", "problems"?} (text may be empty).
func newError(status int, text []byte) *Error {
	e := &Error{Status: status}
	if len(text) > 0 {
		var obj struct {
			Code     string    `json:"code"`
			Path     string    `json:"path"`
			Message  string    `json:"message"`
			Problems []Problem `json:"problems"`
		}
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

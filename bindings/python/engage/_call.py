"""The call boilerplate, written once: encoding documents, collecting a library
buffer (copy, engage_free) or a caller's buffer, and raising the error a status names."""

from __future__ import annotations

import ctypes
import json
from ctypes import POINTER, byref, c_char, c_size_t
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from ._native import OK, TOO_BIG, lib, status_string
from .errors import EngageError, TooBigError, error_from

#: What a call accepts as a JSON document: a dict or list (encoded here), or JSON text
#: as str, bytes, bytearray or memoryview (passed on as is).
Json = Union[Dict[str, Any], List[Any], str, bytes, bytearray, memoryview]

#: A writable buffer ``decide_into`` writes a decision into.
Buffer = Union[bytearray, memoryview]

# Stateless once built, so one instance serves every thread.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(doc: Json) -> bytes:
    """The document as UTF-8 JSON bytes."""
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, (bytearray, memoryview)):
        return bytes(doc)
    if isinstance(doc, str):
        # surrogatepass: a lone surrogate reaches the library as invalid UTF-8, which
        # it reports as an error, rather than failing here with a UnicodeError.
        return doc.encode("utf-8", "surrogatepass")
    return _ENCODER.encode(doc).encode("utf-8", "surrogatepass")


def encode_optional(doc: Optional[Json]) -> Tuple[Optional[bytes], int]:
    """(bytes, length) of a document, or (None, 0) for None."""
    if doc is None:
        return None, 0
    data = encode(doc)
    return data, len(data)


def call(fn: Callable[..., Any], *args: Any) -> bytes:
    """Calls fn(*args, &out, &out_len); returns the result bytes or raises. The buffer
    is read with POINTER(c_char) + string_at (a c_char_p would copy and lose the
    pointer, leaking it) and always released with engage_free."""
    out = POINTER(c_char)()
    out_len = c_size_t(0)
    try:
        status = int(fn(*args, byref(out), byref(out_len)))
        text = ctypes.string_at(out, out_len.value) if out else b""
    finally:
        if out:
            lib.engage_free(out)
    if status != OK:
        raise error_from(status, text)
    return text


def call_into(fn: Callable[..., Any], buf: Buffer, *args: Any) -> int:
    """Calls fn(*args, buf, len(buf), &out_len) — an engage_*_decide_into — and returns
    the length written, or raises: the request's own error (read from ``buf`` when it
    fit), or TooBigError with code "buffer" when the decision did not fit."""
    view = memoryview(buf)
    if view.readonly or not view.contiguous or view.itemsize != 1:
        raise TypeError("engage: decide_into needs a writable, contiguous byte buffer "
                        "(a bytearray or a memoryview of one), not %s" % type(buf).__name__)
    cap = view.nbytes
    # from_buffer keeps view exported (and so buf unresizable) while the array lives.
    target = (c_char * cap).from_buffer(view) if cap else None
    out_len = c_size_t(0)
    status = int(fn(*args, target, cap, byref(out_len)))
    n = out_len.value
    del target
    written = n < cap  # the text and its NUL fit, so they were written
    if status == OK and written:
        return n
    if written:  # the call failed and its error object is in buf
        raise error_from(status, bytes(view[:n]))
    if status in (OK, TOO_BIG):
        raise TooBigError(TOO_BIG, "buffer", "",
                          "the result is %d bytes and needs %d with its NUL; the buffer has %d "
                          "(a decision was taken and committed)" % (n, n + 1, cap),
                          details={"length": n})
    raise _unwritten(status, n, cap)


def _unwritten(status: int, n: int, cap: int) -> EngageError:
    return error_from(status, json.dumps({
        "code": "buffer",
        "message": "%s; its %d-byte error text did not fit the %d-byte buffer"
                   % (status_string(status), n, cap)}).encode())


class Warnings(List[Dict[str, Any]]):
    """The warnings of a campaign set load, each ``{"path", "code", "message"}``
    (docs/campaigns.md, "References"): findings that did not fail it, usually none.
    ``truncated`` is True when more were found than listed (at most 100)."""

    truncated: bool

    def __init__(self, warnings: List[Dict[str, Any]], truncated: bool) -> None:
        super().__init__(warnings)
        self.truncated = truncated

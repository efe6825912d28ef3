"""Python binding for libengage (ctypes, no compiled extension).

    import engage
    with engage.Engine() as eng:
        eng.load_campaigns(open("telco-full.json", "rb").read())
        decision = eng.decide({"user_id": "u42", "placement": "app_home_popup"})

The shared library is found through, in order:

1. ``ENGAGE_LIB`` — the path of ``libengage.so`` itself;
2. ``ENGAGE_PREFIX`` — an install prefix (``make install PREFIX=...``), using
   ``$ENGAGE_PREFIX/lib/libengage.so``;
3. the system loader (``ldconfig`` paths, ``LD_LIBRARY_PATH``).

Importing the module fails with ImportError when the library cannot be loaded or its
ABI version is not the one this binding was written for (``ABI_VERSION``).

One Engine may be shared by any number of threads: the library is thread-safe and
ctypes releases the GIL for the duration of every call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import threading
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char, c_char_p, c_int32, c_size_t,
                    c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Optional, Tuple, Union

__all__ = [
    "ABI_VERSION",
    "Context",
    "Engine",
    "EngageError",
    "InternalError",
    "MisuseError",
    "InvalidJSONError",
    "InvalidRequestError",
    "InvalidCampaignsError",
    "NoCampaignsError",
    "StoreError",
    "TooBigError",
    "OutOfMemoryError",
    "library_path",
    "status_string",
    "version",
]

#: The ABI version this binding was written for (ENGAGE_ABI_VERSION in engage.h).
ABI_VERSION = 1

# Status codes (engage.h).
OK = 0
ERROR = 1
MISUSE = 2
INVALID_JSON = 3
INVALID_REQUEST = 4
INVALID_CAMPAIGNS = 5
NO_CAMPAIGNS = 6
STORE = 7
TOO_BIG = 8
NOMEM = 9
#: Returned by a host store's save callback whose expected version is stale (engage.h).
STORE_CONFLICT = 10

Json = Union[Dict[str, Any], List[Any], str, bytes, bytearray, memoryview]


# --------------------------------------------------------------------------- loading

def _load_library():
    tried = []
    lib_env = os.environ.get("ENGAGE_LIB")
    prefix = os.environ.get("ENGAGE_PREFIX")
    if lib_env:
        candidates = [lib_env]
    elif prefix:
        candidates = [os.path.join(prefix, "lib", "libengage.so")]
    else:
        candidates = []
        found = ctypes.util.find_library("engage")
        if found:
            candidates.append(found)
        candidates.append("libengage.so")
    for path in candidates:
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    hint = ("set ENGAGE_LIB to the path of libengage.so, or ENGAGE_PREFIX to the prefix "
            "it was installed under (make install PREFIX=...)")
    raise ImportError("engage: cannot load libengage: tried " + "; ".join(tried) + "; " + hint)


# engage_store and its callbacks (engage.h). Pointers are c_void_p, not c_char_p, so
# ctypes hands the callbacks raw addresses instead of copying up to a NUL.
_LOAD = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t,
                  POINTER(c_size_t), POINTER(c_uint64))
_SAVE = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t, c_uint64)
_ERASE = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t)


class _StoreStruct(Structure):
    _fields_ = [("size", c_uint32), ("host", c_void_p),
                ("load", _LOAD), ("save", _SAVE), ("erase", _ERASE)]


def _declare(lib):
    P_OUT = POINTER(POINTER(c_char))
    P_LEN = POINTER(c_size_t)
    sigs = {
        # Static strings: c_char_p is right here (never freed).
        "engage_version": (c_char_p, []),
        "engage_abi_version": (c_int32, []),
        "engage_status_string": (c_char_p, [c_int32]),
        "engage_engine_open": (c_int32, [c_char_p, c_size_t, POINTER(c_void_p), P_OUT, P_LEN]),
        "engage_engine_open_with_store": (c_int32, [c_char_p, c_size_t, POINTER(_StoreStruct),
                                                    POINTER(c_void_p), P_OUT, P_LEN]),
        "engage_engine_close": (None, [c_void_p]),
        "engage_context_open": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_void_p), P_OUT, P_LEN]),
        "engage_context_decide": (c_int32, [c_void_p, c_char_p, c_size_t, P_OUT, P_LEN]),
        "engage_context_close": (None, [c_void_p]),
        "engage_load_campaigns": (c_int32, [c_void_p, c_char_p, c_size_t, P_OUT, P_LEN]),
        "engage_decide": (c_int32, [c_void_p, c_char_p, c_size_t, P_OUT, P_LEN]),
        "engage_record": (c_int32, [c_void_p, c_char_p, c_size_t, P_OUT, P_LEN]),
        "engage_forget_user": (c_int32, [c_void_p, c_char_p, c_size_t, P_OUT, P_LEN]),
        "engage_drain_exposures": (c_int32, [c_void_p, c_size_t, P_OUT, P_LEN]),
        "engage_stats": (c_int32, [c_void_p, P_OUT, P_LEN]),
        "engage_free": (None, [c_void_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise ImportError("engage: %s does not export %s" % (_lib_path, name)) from None
        fn.restype = restype
        fn.argtypes = argtypes


_lib, _lib_path = _load_library()
try:
    _abi_fn = _lib.engage_abi_version
except AttributeError:
    raise ImportError("engage: %s is not libengage (no engage_abi_version)" % _lib_path) from None
_abi_fn.restype = c_int32
_abi_fn.argtypes = []
_abi = _abi_fn()
if _abi != ABI_VERSION:
    raise ImportError(
        "engage: %s has ABI version %d, but this binding needs ABI version %d; "
        "install a matching libengage or binding" % (_lib_path, _abi, ABI_VERSION))
_declare(_lib)

_free = _lib.engage_free


def version() -> str:
    """The library's version string, e.g. "0.1.0"."""
    return _lib.engage_version().decode("utf-8")


def library_path() -> str:
    """The path (or name) libengage was loaded from."""
    return _lib_path


def status_string(status: int) -> str:
    """A short English name for a status code ("ok", "invalid json", ...)."""
    return _lib.engage_status_string(int(status)).decode("utf-8", "replace")


# ---------------------------------------------------------------------------- errors

class EngageError(Exception):
    """A call failed. ``status`` is the ENGAGE_* code (int); ``code``, ``path`` and
    ``message`` come from the library's error object."""

    def __init__(self, status: int, code: str = "", path: str = "", message: str = "",
                 problems: Optional[List[Dict[str, Any]]] = None, details: Optional[Dict[str, Any]] = None):
        self.status = status
        self.code = code
        self.path = path
        self.message = message
        #: For InvalidCampaignsError: every problem, each {"path", "code", "message"}.
        self.problems = list(problems or [])
        #: The library's whole error object (empty when it gave none).
        self.details = dict(details or {})
        #: For StoreError: the exception a host store's callback raised (Engine(store=...)).
        self.store_exception: Optional[BaseException] = None
        super().__init__(status, code, path, message)

    def __str__(self) -> str:
        if len(self.problems) > 1:
            lines = ["%d problems (%s):" % (len(self.problems), status_string(self.status))]
            for p in self.problems:
                where = (p.get("path", "") + ": ") if p.get("path") else ""
                lines.append("  %s%s [%s]" % (where, p.get("message", ""), p.get("code", "")))
            if self.details.get("truncated"):
                lines.append("  (more problems were found)")
            return "\n".join(lines)
        # The library's message may already start with the path.
        where = (self.path + ": ") if self.path and not self.message.startswith(self.path + ":") else ""
        code = (" [%s]" % self.code) if self.code and ("[%s]" % self.code) not in self.message else ""
        return "%s%s%s (%s)" % (where, self.message, code, status_string(self.status))


class InternalError(EngageError):
    """ENGAGE_ERROR: an internal error."""


class MisuseError(EngageError):
    """ENGAGE_MISUSE: a closed or never-opened engine, or bad arguments."""


class InvalidJSONError(EngageError):
    """ENGAGE_INVALID_JSON: the input is not valid JSON."""


class InvalidRequestError(EngageError):
    """ENGAGE_INVALID_REQUEST: a request, record or config that breaks its format."""


class InvalidCampaignsError(EngageError):
    """ENGAGE_INVALID_CAMPAIGNS: a campaign set with problems (every problem listed)."""


class NoCampaignsError(EngageError):
    """ENGAGE_NO_CAMPAIGNS: decide before any campaign set was loaded."""


class StoreError(EngageError):
    """ENGAGE_STORE: the state store failed."""


class TooBigError(EngageError):
    """ENGAGE_TOO_BIG: input over a configured limit."""


class OutOfMemoryError(EngageError):
    """ENGAGE_NOMEM: an allocation failed."""


_ERRORS = {
    ERROR: InternalError,
    MISUSE: MisuseError,
    INVALID_JSON: InvalidJSONError,
    INVALID_REQUEST: InvalidRequestError,
    INVALID_CAMPAIGNS: InvalidCampaignsError,
    NO_CAMPAIGNS: NoCampaignsError,
    STORE: StoreError,
    TOO_BIG: TooBigError,
    NOMEM: OutOfMemoryError,
}


def _error(status: int, text: Optional[bytes]) -> EngageError:
    cls = _ERRORS.get(status, EngageError)
    code = path = message = ""
    problems: List[Dict[str, Any]] = []
    obj: Dict[str, Any] = {}
    if text:
        try:
            parsed = json.loads(text)
            if not isinstance(parsed, dict):
                raise ValueError("not an object")
            obj = parsed
            code = str(obj.get("code", ""))
            path = str(obj.get("path", ""))
            message = str(obj.get("message", ""))
            if isinstance(obj.get("problems"), list):
                problems = [p for p in obj["problems"] if isinstance(p, dict)]
        except ValueError:
            message = text.decode("utf-8", "replace")
    if not message:
        message = status_string(status)
    return cls(status, code, path, message, problems, obj)


# --------------------------------------------------------------------------- helpers

# Stateless once built, so one instance serves every thread.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _encode(doc: Json) -> bytes:
    if isinstance(doc, bytes):
        return doc
    if isinstance(doc, (bytearray, memoryview)):
        return bytes(doc)
    if isinstance(doc, str):
        # surrogatepass: a lone surrogate reaches the library as invalid UTF-8, which
        # it reports as an error, rather than failing here with a UnicodeError.
        return doc.encode("utf-8", "surrogatepass")
    return _ENCODER.encode(doc).encode("utf-8", "surrogatepass")


def _call(fn, *args) -> bytes:
    """Calls fn(*args, &out, &out_len); returns the result bytes or raises. The buffer
    is read with POINTER(c_char) + string_at (a c_char_p would copy and lose the
    pointer, leaking it) and always released with engage_free."""
    out = POINTER(c_char)()
    out_len = c_size_t(0)
    try:
        status = fn(*args, byref(out), byref(out_len))
        text = ctypes.string_at(out, out_len.value) if out else b""
    finally:
        if out:
            _free(out)
    if status != OK:
        raise _error(status, text)
    return text


# ---------------------------------------------------------------------- host store

class _HostStore:
    """The engage_store callbacks over a Python store object (Engine(store=...)).

    The CFUNCTYPE objects and the struct live as long as this object, which the engine
    keeps until it is garbage: the library may call them until engage_engine_close has
    returned and no call on the engine is still running (engage.h). Nothing a callback
    raises may reach ctypes, which would print it and return 0 — ENGAGE_OK — to the
    library: every exception becomes a failure status, is kept in ``last_error`` and,
    for the thread that made the engage_* call, attached to the StoreError it raises.
    """

    def __init__(self, store: Any):
        for name in ("load", "save", "erase"):
            if not callable(getattr(store, name, None)):
                raise TypeError("engage: the store has no callable %s() (it needs load, save "
                                "and erase)" % name)
        self.store = store
        self.last_error: Optional[BaseException] = None
        self._local = threading.local()
        self.callbacks = (_LOAD(self._load), _SAVE(self._save), _ERASE(self._erase))
        self.struct = _StoreStruct(ctypes.sizeof(_StoreStruct), None, *self.callbacks)

    def _failed(self, what: str, exc: BaseException) -> int:
        self.last_error = exc
        self._local.error = (what, exc)
        return STORE

    def take_error(self) -> Optional[Tuple[str, BaseException]]:
        """The (callback, exception) a callback raised on this thread, once."""
        err = getattr(self._local, "error", None)
        self._local.error = None
        return err

    @staticmethod
    def _user(ptr: int, n: int) -> str:
        return ctypes.string_at(ptr, n).decode("utf-8", "surrogateescape")

    def _load(self, _host, user, user_len, buf, cap, len_out, version_out) -> int:
        try:
            got = self.store.load(self._user(user, user_len))
            if got is None:
                value, version = b"", 0
            else:
                value, version = got
                value, version = bytes(value), int(version)
                if not 0 <= version < 2**64:
                    raise ValueError("load returned version %d (not a uint64)" % version)
                if value and version == 0:
                    raise ValueError("load returned a value with version 0 (0 means nothing stored)")
            len_out[0] = len(value)
            version_out[0] = version
            # engage.h: copy only when it fits; the engine then calls again with *len bytes.
            if value and len(value) <= cap:
                ctypes.memmove(buf, value, len(value))
            return OK
        except BaseException as e:
            return self._failed("load", e)

    def _save(self, _host, user, user_len, state, n, expected) -> int:
        try:
            saved = self.store.save(self._user(user, user_len), ctypes.string_at(state, n), int(expected))
            if saved is None:  # most likely a forgotten return, not a conflict
                raise TypeError("save returned None (True: saved, False: version conflict)")
            return OK if saved else STORE_CONFLICT
        except BaseException as e:
            return self._failed("save", e)

    def _erase(self, _host, user, user_len) -> int:
        try:
            self.store.erase(self._user(user, user_len))
            return OK
        except BaseException as e:
            return self._failed("erase", e)


# ---------------------------------------------------------------------------- engine

class Engine:
    """An engine: a campaign set, user state and counters.

    ``config`` is the engine configuration (docs/engine-config.md) as a dict, JSON text
    or bytes; None means the defaults (in-memory store). Close it with ``close()`` or
    use it as a context manager; calls on a closed engine raise MisuseError.

    ``store``, when given, keeps users' state in the host's own storage
    (engage_engine_open_with_store): an object with

    - ``load(user_id: str) -> (bytes, version: int) | None`` — the user's value and its
      version (not 0), or None when nothing is stored;
    - ``save(user_id, value: bytes, expected_version: int) -> bool`` — store ``value``
      with a new version (any number but 0 and the old one) only if the user's version
      is still ``expected_version`` (0: nothing stored yet), atomically; False when it
      is not (a conflict: the engine reads again and retries);
    - ``erase(user_id)`` — remove the user's value (forget_user).

    They may be called from any thread, concurrently, during any call on the engine
    (the config's ``store`` must then be absent or ``{"kind": "callbacks"}``). An
    exception they raise fails that call with StoreError (its ``store_exception``
    holds it) and is kept in ``last_store_error`` — except ``decide``, which fails
    closed: a decision with no message and ``"store": "unavailable"``
    (docs/decisions.md, "When the store is unavailable").
    """

    def __init__(self, config: Optional[Json] = None, store: Any = None):
        self._lib = _lib  # keep the library alive for __del__ at interpreter exit
        self._handle = c_void_p(None)
        self._closed = False
        self._close_lock = threading.Lock()
        self._host_store = None if store is None else _HostStore(store)
        data = None if config is None else _encode(config)
        handle = c_void_p(None)
        if self._host_store is None:
            _call(_lib.engage_engine_open, data, 0 if data is None else len(data), byref(handle))
        else:
            self._run(_lib.engage_engine_open_with_store, data, 0 if data is None else len(data),
                      byref(self._host_store.struct), byref(handle))
        self._handle = handle

    def _run(self, fn, *args) -> bytes:
        """_call, plus: a StoreError caused by an exception in this thread's store
        callback names it and carries it (``store_exception``, ``__cause__``)."""
        hs = self._host_store
        if hs is None:
            return _call(fn, *args)
        hs.take_error()  # drop a stale one left by a call that succeeded after all
        try:
            return _call(fn, *args)
        except StoreError as e:
            err = hs.take_error()
            if err is None:
                raise
            what, exc = err
            e.store_exception = exc
            e.message = "%s (the store's %s() raised %s: %s)" % (e.message, what, type(exc).__name__, exc)
            raise e from exc

    @property
    def last_store_error(self) -> Optional[BaseException]:
        """The latest exception a store callback raised (on any thread), for debugging;
        None without a store or when none raised."""
        return None if self._host_store is None else self._host_store.last_error

    # The closed handle is still passed to the library after close(): engage.h
    # guarantees a closed handle is detected and answered with ENGAGE_MISUSE.

    def close(self) -> None:
        """Closes the engine; calls already running on other threads finish normally.
        Closing twice is harmless."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            if self._handle:
                self._lib.engage_engine_close(self._handle)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            if not self._closed and self._handle:
                self._closed = True
                self._lib.engage_engine_close(self._handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<engage.Engine %s>" % ("closed" if self._closed else "open")

    # -- API

    def load_campaigns(self, campaign_set: Json) -> None:
        """Validates, compiles and loads a campaign set, replacing the current one
        atomically. Raises InvalidCampaignsError listing every problem."""
        data = _encode(campaign_set)
        self._run(_lib.engage_load_campaigns, self._handle, data, len(data))

    def decide_bytes(self, request: Json) -> bytes:
        """Like decide, but returns the decision's JSON text undecoded."""
        data = _encode(request)
        return self._run(_lib.engage_decide, self._handle, data, len(data))

    def decide(self, request: Json) -> Dict[str, Any]:
        """Decides for a request (docs/decisions.md) and returns the decision."""
        return json.loads(self.decide_bytes(request))

    def context(self, user: Json) -> "Context":
        """Parses and checks one user's document — ``user_id`` and any other request
        members (time zone, consent, channels, customer attributes) — once, and returns
        a Context to ask many questions with ``Context.decide``. A document that breaks
        the request format raises here (InvalidRequestError with its path)."""
        data = _encode(user)
        handle = c_void_p(None)
        try:
            self._run(_lib.engage_context_open, self._handle, data, len(data), byref(handle))
        except BaseException:
            if handle:  # not expected by the header; never leak a context
                _lib.engage_context_close(handle)
            raise
        return Context(self, handle)

    def record(self, record: Json) -> None:
        """Records a state change: impression, click, dismissal, conversion, event or
        conversation (schema/record.schema.json)."""
        data = _encode(record)
        self._run(_lib.engage_record, self._handle, data, len(data))

    def forget_user(self, user_id: Union[str, bytes]) -> None:
        """Erases everything the engine holds about a user (state and queued exposures)."""
        data = user_id if isinstance(user_id, bytes) else str(user_id).encode(
            "utf-8", "surrogatepass")
        self._run(_lib.engage_forget_user, self._handle, data, len(data))

    def drain_exposures(self, max: int = 0) -> List[Dict[str, Any]]:
        """Removes and returns up to ``max`` queued exposure records, oldest first
        (0: all of them)."""
        if max < 0:
            raise ValueError("max must be >= 0")
        return json.loads(_call(_lib.engage_drain_exposures, self._handle, max))

    def stats(self) -> Dict[str, Any]:
        """The engine's counters: decisions, per reason code, latency histogram,
        exposures."""
        return json.loads(_call(_lib.engage_stats, self._handle))


# --------------------------------------------------------------------------- context

class Context:
    """One user's document, parsed once by the library, asked many questions
    (engage_context_*). Made by ``Engine.context(user)``.

    A question's top-level members replace the context's members of the same name, so
    ``ctx.decide(q)`` equals ``engine.decide({**user, **q})``; only the context sets
    ``user_id``. Any number of threads may share a context, and close it while they use
    it: calls already running finish, later ones raise MisuseError (so do calls after
    the engine was closed). Close it with ``close()`` or use it as a context manager.
    """

    def __init__(self, engine: Engine, handle: c_void_p):
        self._lib = _lib
        self._engine = engine  # keeps the engine, and its store callbacks, alive
        self._handle = handle
        self._lock = threading.Lock()
        self._busy = 0          # calls running, under _lock
        self._closed = False    # no new calls
        self._released = False  # engage_context_close called

    def decide_bytes(self, question: Optional[Json] = None) -> bytes:
        """Like decide, but returns the decision's JSON text undecoded."""
        data = None if question is None else _encode(question)
        with self._lock:
            if self._closed:
                # Never pass a closed handle on: the library reuses it for the engine's
                # next context, which would then answer for another user.
                raise MisuseError(MISUSE, "misuse", "", "the context is closed")
            self._busy += 1
        try:
            return self._engine._run(_lib.engage_context_decide, self._handle, data,
                                     0 if data is None else len(data))
        finally:
            with self._lock:
                self._busy -= 1
                if self._closed and self._busy == 0:
                    self._release()

    def decide(self, question: Optional[Json] = None) -> Dict[str, Any]:
        """Decides for ``question`` (a dict, str or bytes of request members, e.g.
        ``{"placements": ["home"]}``; None means ``{}``) asked in this context, and
        returns the decision. A question with ``user_id`` raises InvalidRequestError."""
        return json.loads(self.decide_bytes(question))

    def _release(self) -> None:
        if not self._released:
            self._released = True
            self._lib.engage_context_close(self._handle)

    def close(self) -> None:
        """Closes the context once the calls running on other threads have returned
        (without waiting for them). Closing twice is harmless; a context must be closed
        even after its engine was."""
        with self._lock:
            self._closed = True
            if self._busy == 0:
                self._release()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Context":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            if not self._released and self._handle:
                self._released = True
                self._lib.engage_context_close(self._handle)
        except Exception:
            pass

    def __repr__(self) -> str:
        return "<engage.Context %s>" % ("closed" if self._closed else "open")

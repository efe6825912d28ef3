"""Engine: a campaign set, user state and counters (engage_engine_*)."""

from __future__ import annotations

import json
import threading
from ctypes import byref, c_void_p
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, TypeVar, Union

from ._closable import Closable
from ._call import Buffer, Json, Warnings, call, call_into, encode, encode_optional
from ._native import lib
from .errors import StoreError
from .store import HostStore, Store

if TYPE_CHECKING:
    from .context import Context

_T = TypeVar("_T")


class Engine(Closable):
    """An engine: a campaign set, user state and counters.

    ``config`` is the engine configuration (docs/engine-config.md) as a dict, JSON text
    or bytes; None means the defaults (in-memory store). Close it with ``close()`` or
    use it as a context manager; calls on a closed engine raise MisuseError.

    ``store``, when given, keeps users' state in the host's own storage
    (engage_engine_open_with_store): an object implementing the ``Store`` protocol —

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

    def __init__(self, config: Optional[Json] = None, store: Optional[Store] = None) -> None:
        self._lib = lib  # keep the library alive for __del__ at interpreter exit
        self._handle = c_void_p(None)
        self._closed = False
        self._close_lock = threading.Lock()
        self._host_store = None if store is None else HostStore(store)
        data, n = encode_optional(config)
        handle = c_void_p(None)
        if self._host_store is None:
            call(lib.engage_engine_open, data, n, byref(handle))
        else:
            self._run(lib.engage_engine_open_with_store, data, n,
                      byref(self._host_store.struct), byref(handle))
        self._handle = handle

    def _run(self, fn: Callable[..., Any], *args: Any) -> bytes:
        """call(), plus: a StoreError caused by an exception in this thread's store
        callback names it and carries it (``store_exception``, ``__cause__``)."""
        return self._with_store_error(lambda: call(fn, *args))

    def _run_into(self, fn: Callable[..., Any], buf: Buffer, *args: Any) -> int:
        """call_into() with _run's store errors."""
        return self._with_store_error(lambda: call_into(fn, buf, *args))

    def _with_store_error(self, thunk: Callable[[], _T]) -> _T:
        hs = self._host_store
        if hs is None:
            return thunk()
        hs.take_error()  # drop a stale one left by a call that succeeded after all
        try:
            return thunk()
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

    def __del__(self) -> None:
        try:
            if not self._closed and self._handle:
                self._closed = True
                self._lib.engage_engine_close(self._handle)
        except Exception:
            pass


    # -- API

    def load_campaigns(self, campaign_set: Json) -> Warnings:
        """Validates, compiles and loads a campaign set, replacing the current one
        atomically, and returns its warnings (a list, usually empty: findings that did
        not fail the load). Raises InvalidCampaignsError listing every problem."""
        data = encode(campaign_set)
        reply = self._run(lib.engage_load_campaigns, self._handle, data, len(data))
        doc = json.loads(reply) if reply else {}
        warnings = doc.get("warnings") if isinstance(doc, dict) else None
        return Warnings([w for w in warnings if isinstance(w, dict)] if isinstance(warnings, list) else [],
                        bool(isinstance(doc, dict) and doc.get("warnings_truncated")))

    def decide_bytes(self, request: Json) -> bytes:
        """Like decide, but returns the decision's JSON text undecoded."""
        data = encode(request)
        return self._run(lib.engage_decide, self._handle, data, len(data))

    def decide(self, request: Json) -> Dict[str, Any]:
        """Decides for a request (docs/decisions.md) and returns the decision."""
        decision: Dict[str, Any] = json.loads(self.decide_bytes(request))
        return decision

    def decide_into(self, request: Json, buf: Buffer) -> int:
        """Decides for a request and writes the decision's JSON text (and a NUL) into
        ``buf`` — a bytearray, or a writable memoryview of one — reused across calls,
        so the result needs no new buffer; returns its length ``n`` (the decision is
        ``buf[:n]``). When ``buf`` is too small it writes nothing and raises
        TooBigError with code "buffer" and ``details["length"]`` — the decision was
        already taken and committed, so a retry is a new decision: size ``buf`` for the
        largest decision the set can produce. A bad request raises its own error."""
        data = encode(request)
        return self._run_into(lib.engage_decide_into, buf, self._handle, data, len(data))

    def context(self, user: Json) -> "Context":
        """Parses and checks one user's document — ``user_id`` and any other request
        members (time zone, consent, channels, customer attributes) — once, and returns
        a Context to ask many questions with ``Context.decide``. A document that breaks
        the request format raises here (InvalidRequestError with its path)."""
        from .context import Context
        data = encode(user)
        handle = c_void_p(None)
        try:
            self._run(lib.engage_context_open, self._handle, data, len(data), byref(handle))
        except BaseException:
            if handle:  # not expected by the header; never leak a context
                lib.engage_context_close(handle)
            raise
        return Context(self, handle)

    def record(self, record: Json) -> None:
        """Records a state change: impression, click, dismissal, conversion, event or
        conversation (schema/record.schema.json)."""
        data = encode(record)
        self._run(lib.engage_record, self._handle, data, len(data))

    def forget_user(self, user_id: Union[str, bytes]) -> None:
        """Erases everything the engine holds about a user (state and queued exposures)."""
        data = _user_id(user_id)
        self._run(lib.engage_forget_user, self._handle, data, len(data))

    def export_user(self, user_id: Union[str, bytes]) -> Dict[str, Any]:
        """Everything the engine's store holds about a user (docs/state.md): impressions
        per cap scope, clicks, dismissals and conversions per campaign, behaviour,
        open conversations — for a data-access request, or to see why a cap was hit. A
        user never seen gives empty lists."""
        data = _user_id(user_id)
        exported: Dict[str, Any] = json.loads(self._run(lib.engage_export_user, self._handle, data, len(data)))
        return exported

    def drain_exposures(self, max: int = 0) -> List[Dict[str, Any]]:
        """Removes and returns up to ``max`` queued exposure records, oldest first
        (0: all of them)."""
        if max < 0:
            raise ValueError("max must be >= 0")
        drained: List[Dict[str, Any]] = json.loads(call(lib.engage_drain_exposures, self._handle, max))
        return drained

    def stats(self) -> Dict[str, Any]:
        """The engine's counters: decisions, per reason code, latency histogram,
        exposures."""
        stats: Dict[str, Any] = json.loads(call(lib.engage_stats, self._handle))
        return stats


def _user_id(user_id: Union[str, bytes]) -> bytes:
    return user_id if isinstance(user_id, bytes) else str(user_id).encode("utf-8", "surrogatepass")

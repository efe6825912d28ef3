"""Users' state in the host's own storage: the Store protocol a host implements and
the engage_store callbacks that bridge it (engage_engine_open_with_store)."""

from __future__ import annotations

import ctypes
import threading
from typing import Any, Optional, Protocol, Tuple, runtime_checkable

from ._native import ERASE, LOAD, OK, SAVE, STORE, STORE_CONFLICT, StoreStruct


@runtime_checkable
class Store(Protocol):
    """A host store for ``Engine(store=...)`` (engage.h, "A state store the host
    owns"): one opaque value per user — a few hundred bytes of the library's own
    versioned encoding, not meant to be read — with a version number, and one
    primitive: replace a user's value only if its version is still the one read
    (compare-and-swap). The engine does everything else: it reads, applies records
    and retention, checks caps and writes back, retrying a write that lost a race —
    so caps hold across threads, processes and hosts exactly as far as ``save`` is
    atomic.

    The methods may be called from any thread, concurrently (for the same user too),
    during any call on the engine, and must not call into the same engine.
    """

    def load(self, user_id: str) -> Optional[Tuple[bytes, int]]:
        """The user's value and its version (not 0), or None when nothing is stored."""
        ...

    def save(self, user_id: str, value: bytes, expected_version: int) -> bool:
        """Stores ``value`` with a new version — any number but 0 that this user has
        never had, not even before an erase: a counter per store, or a random 64-bit
        number — only if the user's version is still ``expected_version`` (0: nothing
        stored yet), atomically; True when saved, False when the version is another (a
        conflict: the engine reads again and retries)."""
        ...

    def erase(self, user_id: str) -> None:
        """Removes the user's value (``Engine.forget_user``); nothing stored is no error."""
        ...


class HostStore:
    """The engage_store callbacks over a Python store object (``Engine(store=...)``).

    The CFUNCTYPE objects and the struct live as long as this object, which the engine
    keeps until it is garbage: the library may call them until engage_engine_close has
    returned and no call on the engine is still running (engage.h). Nothing a callback
    raises may reach ctypes, which would print it and return 0 — ENGAGE_OK — to the
    library: every exception becomes a failure status, is kept in ``last_error`` and,
    for the thread that made the engage_* call, attached to the StoreError it raises.
    """

    def __init__(self, store: Store) -> None:
        for name in ("load", "save", "erase"):
            if not callable(getattr(store, name, None)):
                raise TypeError("engage: the store has no callable %s() (it needs load, save "
                                "and erase)" % name)
        self.store = store
        self.last_error: Optional[BaseException] = None
        self._local = threading.local()
        self.callbacks = (LOAD(self._load), SAVE(self._save), ERASE(self._erase))
        self.struct = StoreStruct(ctypes.sizeof(StoreStruct), None, *self.callbacks)

    def _failed(self, what: str, exc: BaseException) -> int:
        self.last_error = exc
        self._local.error = (what, exc)
        return STORE

    def take_error(self) -> Optional[Tuple[str, BaseException]]:
        """The (callback, exception) a callback raised on this thread, once."""
        err: Optional[Tuple[str, BaseException]] = getattr(self._local, "error", None)
        self._local.error = None
        return err

    @staticmethod
    def _user(ptr: int, n: int) -> str:
        return ctypes.string_at(ptr, n).decode("utf-8", "surrogateescape")

    def _load(self, _host: Optional[int], user: int, user_len: int, buf: int, cap: int,
              len_out: Any, version_out: Any) -> int:
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

    def _save(self, _host: Optional[int], user: int, user_len: int, state: int, n: int,
              expected: int) -> int:
        try:
            saved = self.store.save(self._user(user, user_len), ctypes.string_at(state, n), int(expected))
            if saved is None:  # most likely a forgotten return, not a conflict
                raise TypeError("save returned None (True: saved, False: version conflict)")
            return OK if saved else STORE_CONFLICT
        except BaseException as e:
            return self._failed("save", e)

    def _erase(self, _host: Optional[int], user: int, user_len: int) -> int:
        try:
            self.store.erase(self._user(user, user_len))
            return OK
        except BaseException as e:
            return self._failed("erase", e)



"""Context: one user's document parsed once, asked many questions (engage_context_*)."""

from __future__ import annotations

import json
import threading
from ctypes import c_void_p
from typing import TYPE_CHECKING, Any, Dict, Optional

from ._closable import Closable
from ._call import Buffer, Json, encode_optional
from ._native import MISUSE, lib
from .errors import MisuseError

if TYPE_CHECKING:
    from .engine import Engine


class Context(Closable):
    """One user's document, parsed once by the library, asked many questions
    (engage_context_*). Made by ``Engine.context(user)``.

    A question's top-level members replace the context's members of the same name, so
    ``ctx.decide(q)`` equals ``engine.decide({**user, **q})``; only the context sets
    ``user_id``. Any number of threads may share a context, and close it while they use
    it: calls already running finish, later ones raise MisuseError (so do calls after
    the engine was closed). Close it with ``close()`` or use it as a context manager.
    """

    def __init__(self, engine: "Engine", handle: c_void_p) -> None:
        self._lib = lib
        self._engine = engine  # keeps the engine, and its store callbacks, alive
        self._handle = handle
        self._lock = threading.Lock()
        self._busy = 0          # calls running, under _lock
        self._closed = False    # no new calls
        self._released = False  # engage_context_close called

    def _enter(self) -> None:
        with self._lock:
            if self._closed:
                # Never pass a closed handle on: the library reuses it for the engine's
                # next context, which would then answer for another user.
                raise MisuseError(MISUSE, "misuse", "", "the context is closed")
            self._busy += 1

    def _leave(self) -> None:
        with self._lock:
            self._busy -= 1
            if self._closed and self._busy == 0:
                self._release()

    def decide_bytes(self, question: Optional[Json] = None) -> bytes:
        """Like decide, but returns the decision's JSON text undecoded."""
        data, n = encode_optional(question)
        self._enter()
        try:
            return self._engine._run(lib.engage_context_decide, self._handle, data, n)
        finally:
            self._leave()

    def decide_into(self, question: Optional[Json], buf: Buffer) -> int:
        """Like decide, but writes the decision's JSON text into ``buf`` and returns its
        length, with ``Engine.decide_into``'s rules (TooBigError with code "buffer"
        when it does not fit)."""
        data, n = encode_optional(question)
        self._enter()
        try:
            return self._engine._run_into(lib.engage_context_decide_into, buf, self._handle, data, n)
        finally:
            self._leave()

    def decide(self, question: Optional[Json] = None) -> Dict[str, Any]:
        """Decides for ``question`` (a dict, str or bytes of request members, e.g.
        ``{"placements": ["home"]}``; None means ``{}``) asked in this context, and
        returns the decision. A question with ``user_id`` raises InvalidRequestError."""
        decision: Dict[str, Any] = json.loads(self.decide_bytes(question))
        return decision

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

    def __del__(self) -> None:
        try:
            if not self._released and self._handle:
                self._released = True
                self._lib.engage_context_close(self._handle)
        except Exception:
            pass


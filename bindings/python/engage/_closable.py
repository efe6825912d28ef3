"""What Engine and Context share as things to close: the same rules, one place."""

from __future__ import annotations

from types import TracebackType
from typing import Optional, Type, TypeVar

_C = TypeVar("_C", bound="Closable")


class Closable:
    """``close()`` (idempotent; later calls raise MisuseError), ``closed``, and use as
    a context manager that closes on exit. A subclass sets ``_closed`` and implements
    ``close``."""

    _closed: bool

    def close(self) -> None:
        raise NotImplementedError

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called (or the object was collected)."""
        return self._closed

    def __enter__(self: _C) -> _C:
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException],
                 tb: Optional[TracebackType]) -> None:
        self.close()

    def __repr__(self) -> str:
        return "<engage.%s %s>" % (type(self).__name__, "closed" if self._closed else "open")

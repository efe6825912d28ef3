"""The exceptions a call raises: one class per ENGAGE_* status, all EngageError."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Type

from ._native import (ERROR, INVALID_CAMPAIGNS, INVALID_JSON, INVALID_REQUEST, MISUSE,
                      NO_CAMPAIGNS, NOMEM, STORE, TOO_BIG, status_string)


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
    """ENGAGE_TOO_BIG: input over a configured limit, or a ``decide_into`` buffer too
    small (code "buffer"; ``details["length"]`` is the decision's length, which needs
    one byte more for the NUL)."""


class OutOfMemoryError(EngageError):
    """ENGAGE_NOMEM: an allocation failed."""


_ERRORS: Dict[int, Type[EngageError]] = {
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


def error_from(status: int, text: Optional[bytes]) -> EngageError:
    """The exception for a status and the library's error object
    ``{"status", "code", "path", "message", "problems"?}`` (text may be empty)."""
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


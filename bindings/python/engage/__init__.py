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

Modules: ``engine`` (Engine), ``context`` (Context), ``store`` (the Store protocol of
a host store), ``errors`` (EngageError and one subclass per status); ``_native`` loads
the library and checks its ABI, ``_call`` holds the call boilerplate. Everything public
is re-exported here.
"""

from ._call import Buffer, Json, Warnings
from ._native import ABI_VERSION, library_path, status_string, version
# The status codes of engage.h (engage.MISUSE, ...) and the loaded library itself.
from ._native import ERROR as ERROR
from ._native import INVALID_CAMPAIGNS as INVALID_CAMPAIGNS
from ._native import INVALID_JSON as INVALID_JSON
from ._native import INVALID_REQUEST as INVALID_REQUEST
from ._native import MISUSE as MISUSE
from ._native import NO_CAMPAIGNS as NO_CAMPAIGNS
from ._native import NOMEM as NOMEM
from ._native import OK as OK
from ._native import STORE as STORE
from ._native import STORE_CONFLICT as STORE_CONFLICT
from ._native import TOO_BIG as TOO_BIG
from ._native import lib as _lib
from .context import Context
from .engine import Engine
from .errors import (EngageError, InternalError, InvalidCampaignsError, InvalidJSONError,
                     InvalidRequestError, MisuseError, NoCampaignsError, OutOfMemoryError,
                     StoreError, TooBigError)
from .store import Store

__all__ = [
    "ABI_VERSION",
    "Buffer",
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
    "Json",
    "Store",
    "Warnings",
    "library_path",
    "status_string",
    "version",
]

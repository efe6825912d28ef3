"""Loading libengage: finding the shared library, checking its ABI version and
declaring the C signatures of include/engage.h. Everything else goes through ``lib``."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char, c_char_p, c_int32, c_size_t,
                    c_uint32, c_uint64, c_void_p)
from typing import Any, Dict, List, Tuple

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


def _load_library() -> Tuple[ctypes.CDLL, str]:
    """The library from ENGAGE_LIB, else ENGAGE_PREFIX/lib, else the system loader."""
    tried: List[str] = []
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
LOAD = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t,
                 POINTER(c_size_t), POINTER(c_uint64))
SAVE = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t, c_uint64)
ERASE = CFUNCTYPE(c_int32, c_void_p, c_void_p, c_size_t)


class StoreStruct(Structure):
    """struct engage_store."""
    _fields_ = [("size", c_uint32), ("host", c_void_p),
                ("load", LOAD), ("save", SAVE), ("erase", ERASE)]


def _declare(lib: ctypes.CDLL, path: str) -> None:
    p_out = POINTER(POINTER(c_char))
    p_len = POINTER(c_size_t)
    sigs: Dict[str, Tuple[Any, List[Any]]] = {
        # Static strings: c_char_p is right here (never freed).
        "engage_version": (c_char_p, []),
        "engage_abi_version": (c_int32, []),
        "engage_status_string": (c_char_p, [c_int32]),
        "engage_engine_open": (c_int32, [c_char_p, c_size_t, POINTER(c_void_p), p_out, p_len]),
        "engage_engine_open_with_store": (c_int32, [c_char_p, c_size_t, POINTER(StoreStruct),
                                                    POINTER(c_void_p), p_out, p_len]),
        "engage_engine_close": (None, [c_void_p]),
        "engage_context_open": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_void_p), p_out, p_len]),
        "engage_context_decide": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_context_decide_into": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_size_t, p_len]),
        "engage_context_close": (None, [c_void_p]),
        "engage_load_campaigns": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_decide": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_decide_into": (c_int32, [c_void_p, c_char_p, c_size_t, c_void_p, c_size_t, p_len]),
        "engage_record": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_forget_user": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_export_user": (c_int32, [c_void_p, c_char_p, c_size_t, p_out, p_len]),
        "engage_drain_exposures": (c_int32, [c_void_p, c_size_t, p_out, p_len]),
        "engage_stats": (c_int32, [c_void_p, p_out, p_len]),
        "engage_free": (None, [c_void_p]),
    }
    for name, (restype, argtypes) in sigs.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise ImportError("engage: %s does not export %s" % (path, name)) from None
        fn.restype = restype
        fn.argtypes = argtypes


def _open() -> Tuple[ctypes.CDLL, str]:
    lib, path = _load_library()
    try:
        abi_fn = lib.engage_abi_version
    except AttributeError:
        raise ImportError("engage: %s is not libengage (no engage_abi_version)" % path) from None
    abi_fn.restype = c_int32
    abi_fn.argtypes = []
    abi = int(abi_fn())
    if abi != ABI_VERSION:
        raise ImportError(
            "engage: %s has ABI version %d, but this binding needs ABI version %d; "
            "install a matching libengage or binding" % (path, abi, ABI_VERSION))
    _declare(lib, path)
    return lib, path


#: The loaded library, its C functions declared.
lib, lib_path = _open()


def version() -> str:
    """The library's version string, e.g. "0.1.0"."""
    return str(lib.engage_version().decode("utf-8"))


def library_path() -> str:
    """The path (or name) libengage was loaded from."""
    return lib_path


def status_string(status: int) -> str:
    """A short English name for a status code ("ok", "invalid json", ...)."""
    return str(lib.engage_status_string(int(status)).decode("utf-8", "replace"))

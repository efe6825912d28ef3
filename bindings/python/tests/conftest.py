"""What the binding's tests share: the repository's files, the standard campaign set
and request, the engine fixtures, a dict-backed host store and a resident-memory
probe. Run with ENGAGE_LIB=/path/to/libengage.so; the repository root is found from
this file (bindings/python/tests/) or ENGAGE_REPO."""

import os
import threading

import pytest

import engage

REPO = os.environ.get("ENGAGE_REPO") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
TELCO = os.path.join(REPO, "examples", "campaigns", "telco-full.json")

NOW = 1795150000000  # a Tuesday, 2026-11-17 around 12:46 in Asia/Seoul


def read(path):
    """A file's bytes."""
    with open(path, "rb") as f:
        return f.read()


def capped_set(cap=1, campaign="welcome"):
    """One service campaign on placement "home", capped at ``cap`` per day."""
    return {
        "version": 1,
        "campaigns": [{
            "id": campaign,
            "purpose": "service",
            "status": "active",
            "placements": ["home"],
            "caps": [{"count": cap, "window": "1d"}],
            "channels": {"in_app": {"payload": {"title": "Hello {{user.name | default: \"you\"}}"}}},
        }],
    }


def home_request(uid="u1", **extra):
    """A request for placement "home" at NOW, with ``extra`` members."""
    req = {"user_id": uid, "placement": "home", "app": {"foreground": True}, "now": NOW}
    req.update(extra)
    return req


@pytest.fixture
def eng():
    """An engine with the defaults and no campaigns."""
    e = engage.Engine()
    yield e
    e.close()


@pytest.fixture
def telco():
    """An engine with examples/campaigns/telco-full.json."""
    e = engage.Engine()
    e.load_campaigns(read(TELCO))
    yield e
    e.close()


def rss_bytes():
    """This process's resident memory in bytes (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class DictStore:
    """A dict of user id -> (value, version) under a lock: the compare-and-swap
    engage.h asks for."""

    def __init__(self, data=None):
        self.data = {} if data is None else data
        self.lock = threading.Lock()
        self.next_version = 0
        self.calls = {"load": 0, "save": 0, "conflict": 0, "erase": 0}

    def load(self, user_id):
        with self.lock:
            self.calls["load"] += 1
            return self.data.get(user_id)

    def save(self, user_id, value, expected_version):
        with self.lock:
            current = self.data.get(user_id, (b"", 0))[1]
            if current != expected_version:
                self.calls["conflict"] += 1
                return False
            self.next_version += 1
            self.data[user_id] = (value, self.next_version)
            self.calls["save"] += 1
            return True

    def erase(self, user_id):
        with self.lock:
            self.calls["erase"] += 1
            self.data.pop(user_id, None)

"""What the C ABI offers, the Python binding offers: export a user, decide into a
caller's buffer (engine and context), load warnings, a host store typed by the
Store protocol."""

import copy
import json

import pytest

import engage
from conftest import NOW, DictStore, capped_set, home_request

BAD = b'{"user_id": "u", "placement": "home", "channels": ["fax"]}'


def welcome_total(exported):
    return sum(s["total"] for s in exported["impressions"]
               if s["scope"] == "campaign" and s["name"] == "welcome")


def test_export_user(eng):
    eng.load_campaigns(capped_set(cap=5))
    for _ in range(3):
        eng.decide(home_request("u1"))
    eng.decide(home_request("u1", commit=False))
    x = eng.export_user("u1")
    assert x["user_id"] == "u1" and welcome_total(x) == 3
    assert eng.export_user(b"never-seen") == {"user_id": "never-seen", "impressions": [],
                                               "campaigns": [], "behaviour": [], "conversations": []}
    with pytest.raises(engage.InvalidRequestError):
        eng.export_user("")
    eng.forget_user("u1")
    assert eng.export_user("u1")["impressions"] == []
    eng.close()
    with pytest.raises(engage.MisuseError):
        eng.export_user("u1")


def test_decide_into(eng):
    eng.load_campaigns(capped_set(cap=100))
    req = home_request("u1", commit=False)
    want = eng.decide_bytes(req)
    buf = bytearray(4096)
    n = eng.decide_into(req, buf)
    assert bytes(buf[:n]) == want and buf[n] == 0
    # A memoryview of a bytearray, sliced: written in place.
    big = bytearray(b"#" * 8192)
    n = eng.decide_into(req, memoryview(big)[100:5000])
    assert bytes(big[100:100 + n]) == want and big[:100] == b"#" * 100

    # Too small by the NUL: nothing written, the length needed reported.
    small = bytearray(b"#" * len(want))
    with pytest.raises(engage.TooBigError) as ei:
        eng.decide_into(req, small)
    assert ei.value.code == "buffer" and ei.value.details["length"] == len(want)
    assert small == bytearray(b"#" * len(want))
    with pytest.raises(engage.TooBigError):
        eng.decide_into(req, bytearray())

    # A committed decision that did not fit was taken all the same.
    with pytest.raises(engage.TooBigError):
        eng.decide_into(home_request("u2"), bytearray(8))
    assert welcome_total(eng.export_user("u2")) == 1

    # A bad request: its own error, read from the buffer, with its path.
    with pytest.raises(engage.InvalidRequestError) as ei:
        eng.decide_into(BAD, buf)
    assert ei.value.path == "channels[0]"
    with pytest.raises(engage.InvalidRequestError) as ei:
        eng.decide_into(BAD, bytearray(4))  # its error text does not fit
    assert ei.value.code == "buffer"

    # Read-only buffers are refused before the call.
    for ro in (b"x" * 4096, memoryview(bytes(4096))):
        with pytest.raises(TypeError):
            eng.decide_into(req, ro)


def test_context_decide_into(eng):
    eng.load_campaigns(capped_set(cap=100))
    ctx = eng.context({"user_id": "u3", "app": {"foreground": True}, "now": NOW})
    q = {"placement": "home", "commit": False}
    want = ctx.decide_bytes(q)
    buf = bytearray(4096)
    n = ctx.decide_into(q, buf)
    assert bytes(buf[:n]) == want
    with pytest.raises(engage.TooBigError) as ei:
        ctx.decide_into(q, bytearray(3))
    assert ei.value.details["length"] == len(want)
    with pytest.raises(engage.InvalidRequestError):
        ctx.decide_into({"user_id": "other"}, buf)
    ctx.close()
    with pytest.raises(engage.MisuseError):
        ctx.decide_into(q, buf)


def test_load_campaigns_returns_warnings(eng):
    clean = eng.load_campaigns(capped_set())
    assert clean == [] and clean.truncated is False
    s = capped_set()
    c = s["campaigns"][0]
    s["campaigns"] = [dict(copy.deepcopy(c), id=i, exclusion_group=g)
                      for i, g in zip("abc", ["home_popup", "home_popup", "home_popop"])]
    w = eng.load_campaigns(json.dumps(s))
    assert [x["path"] for x in w] == ["campaigns[2].exclusion_group"]
    assert w[0]["code"] == "unknown_reference" and "home_popup" in w[0]["message"]
    assert w.truncated is False
    assert eng.decide(home_request("u1"))["messages"]  # loaded despite the warning


def test_store_protocol_and_export_through_a_host_store():
    store = DictStore()
    assert isinstance(store, engage.Store)
    assert not isinstance(object(), engage.Store)
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set(cap=2))
        for _ in range(3):
            e.decide(home_request("u1"))
        buf = bytearray(4096)
        n = e.decide_into(home_request("u1"), buf)
        assert json.loads(bytes(buf[:n]))["messages"] == []  # the cap of 2 holds
        assert welcome_total(e.export_user("u1")) == 2
        assert store.calls["save"] == 2
    # A second engine reads the same state from the store.
    with engage.Engine(store=store) as other:
        assert welcome_total(other.export_user("u1")) == 2

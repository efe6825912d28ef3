"""Engine.context: one user's document parsed once, asked many questions."""

import gc
import json
import os
import threading
import time

import pytest

import engage
from conftest import NOW, REPO, TELCO, capped_set, read, rss_bytes

USER = {"user_id": "u1", "app": {"foreground": True}, "now": NOW}


def split(request, *question_keys):
    """A request split into (user context, question): the question holds the keys named."""
    user = {k: v for k, v in request.items() if k not in question_keys}
    question = {k: request[k] for k in question_keys if k in request}
    return user, question


@pytest.fixture
def eng():
    e = engage.Engine()
    e.load_campaigns(capped_set(cap=100))
    yield e
    e.close()


def test_decision_equals_merged_request():
    request = json.loads(read(os.path.join(REPO, "examples", "requests", "plan-page-view.json")))
    request.update(now=NOW, commit=False, explain=True)
    with engage.Engine() as e:
        e.load_campaigns(read(TELCO))
        for _ in range(3):  # history that makes plan-change-nudge eligible
            e.record({"user_id": request["user_id"], "type": "event", "name": "page_view",
                      "properties": {"page": "/plans"}, "time": NOW - 3600000})
        user, question = split(request, "event", "placements", "commit", "now", "explain")
        with e.context(user) as ctx:
            got = ctx.decide(question)
            assert got == e.decide(request)
            assert got["messages"][0]["campaign"] == "plan-change-nudge"
            # The same types as Engine.decide for every input form.
            raw = json.dumps(question)
            assert ctx.decide(raw) == got and ctx.decide(raw.encode()) == got
            assert ctx.decide(bytearray(raw.encode())) == got
            assert json.loads(ctx.decide_bytes(question)) == got

            # The question's top-level members replace the context's (a shallow merge:
            # its "user" replaces the whole "user").
            replacing = {"placements": ["app_home_popup"], "commit": False, "now": NOW,
                         "explain": True, "user": {"first_name": "Jae", "age": 20},
                         "consent": {"marketing": {"in_app": False}, "service": True}}
            assert ctx.decide(replacing) == e.decide(dict(user, **replacing))
        # No question (None) is {}: the context alone is the request.
        with e.context(request) as full:
            assert full.decide() == e.decide(request)
            assert full.decide({}) == e.decide(request)


def test_question_with_user_id_is_invalid(eng):
    with eng.context(USER) as ctx:
        with pytest.raises(engage.InvalidRequestError) as ei:
            ctx.decide({"user_id": "u2", "placement": "home"})
        assert ei.value.status == engage.INVALID_REQUEST
        assert "user_id" in ei.value.path + ei.value.message
        with pytest.raises(engage.InvalidJSONError):
            ctx.decide(b'{"placement": "home",')
        with pytest.raises(engage.InvalidRequestError) as ei:
            ctx.decide({"placement": "home", "channels": ["fax"]})
        assert ei.value.path == "channels[0]"
        # The context still works after refused questions.
        assert ctx.decide({"placement": "home"})["messages"]


@pytest.mark.parametrize("doc, error, path", [
    ({"user_id": "u1", "channels": ["push", "fax"]}, engage.InvalidRequestError, "channels[1]"),
    ({"app": {"foreground": True}}, engage.InvalidRequestError, None),
    (b'{"user_id": "u1",', engage.InvalidJSONError, None),
    (["u1"], engage.InvalidRequestError, None),
    (b"", engage.InvalidJSONError, None),
])
def test_bad_context_fails_at_open(eng, doc, error, path):
    with pytest.raises(error) as ei:
        eng.context(doc)
    assert ei.value.message
    if path is not None:
        assert ei.value.path == path


def test_caps_count_through_contexts():
    with engage.Engine() as e:
        e.load_campaigns(capped_set(cap=2))
        user = dict(USER, user_id="capped")
        with e.context(user) as a, e.context(user) as b:
            shown = sum(len(c.decide({"placement": "home"})["messages"])
                        for _ in range(3) for c in (a, b))
        assert shown == 2
        # The same user's state through Engine.decide.
        assert e.decide(dict(user, placement="home"))["messages"] == []
        # commit: false in the question leaves the cap alone.
        with e.context(dict(USER, user_id="fresh")) as c:
            for _ in range(3):
                assert len(c.decide({"placement": "home", "commit": False})["messages"]) == 1
            assert len(c.decide({"placement": "home"})["messages"]) == 1
        assert [x["user_id"] for x in e.drain_exposures()].count("capped") == 2


def test_close_twice_and_calls_after_close(eng):
    ctx = eng.context(USER)
    assert ctx.decide({"placement": "home"})["messages"]
    ctx.close()
    ctx.close()
    assert ctx.closed
    with pytest.raises(engage.MisuseError) as ei:
        ctx.decide({"placement": "home"})
    assert ei.value.status == engage.MISUSE
    # The library may give a closed context's handle to the next one: the closed
    # context must never answer for another user.
    for i in range(10):
        with eng.context(dict(USER, user_id="next-%d" % i)) as n:
            with pytest.raises(engage.MisuseError):
                ctx.decide({"placement": "home"})
            assert n.decide({"placement": "home", "commit": False})["user_id"] == "next-%d" % i
    with eng.context(USER) as c:
        pass
    assert c.closed


def test_context_of_closed_engine():
    e = engage.Engine()
    e.load_campaigns(capped_set())
    ctx = e.context(USER)
    e.close()
    with pytest.raises(engage.MisuseError):
        ctx.decide({"placement": "home"})
    with pytest.raises(engage.MisuseError):
        e.context(USER)
    ctx.close()
    ctx.close()


def test_context_keeps_engine_alive():
    e = engage.Engine()
    e.load_campaigns(capped_set())
    ctx = e.context(USER)
    del e
    gc.collect()
    assert ctx.decide({"placement": "home"})["messages"]
    del ctx
    gc.collect()


def test_threads_share_one_context():
    threads_n, per_thread = 8, 200
    with engage.Engine() as e:
        e.load_campaigns(capped_set(cap=3))
        errors, shown = [], [0] * threads_n
        barrier = threading.Barrier(threads_n)
        with e.context(dict(USER, user_id="shared")) as ctx:
            def work(t):
                try:
                    barrier.wait()
                    for i in range(per_thread):
                        shown[t] += len(ctx.decide({"placement": "home"})["messages"])
                        if i % 50 == t:
                            with e.context(dict(USER, user_id="own-%d" % t)) as own:
                                own.decide({"placement": "home", "commit": False})
                except Exception as ex:  # pragma: no cover - reported below
                    errors.append(ex)

            ts = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        assert not errors, errors[:3]
        assert sum(shown) == 3


def test_close_while_other_threads_decide(eng):
    ctx = eng.context(USER)
    stop = threading.Event()
    outcomes = {"ok": 0, "misuse": 0, "other": []}
    lock = threading.Lock()

    def work():
        while not stop.is_set():
            try:
                d = ctx.decide({"placement": "home", "commit": False})
                k = "ok" if d["user_id"] == "u1" else "other"
            except engage.MisuseError:
                k = "misuse"
            except Exception as ex:  # pragma: no cover
                with lock:
                    outcomes["other"].append(ex)
                return
            with lock:
                if k == "other":
                    outcomes["other"].append(d)
                else:
                    outcomes[k] += 1

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    time.sleep(0.2)
    ctx.close()
    with eng.context(dict(USER, user_id="someone-else")) as other:  # may take the handle
        time.sleep(0.1)
        stop.set()
        for t in ts:
            t.join()
        assert other.decide({"placement": "home", "commit": False})["user_id"] == "someone-else"
    assert not outcomes["other"], outcomes["other"][:3]
    assert outcomes["ok"] > 0 and outcomes["misuse"] > 0


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_resident_memory_stays_flat_through_contexts():
    """100,000 context calls (decisions, refused questions, contexts opened, used and
    closed) after a warm-up: resident memory grows by less than 20 MB. The decisions
    commit for a user whose cap of 1 is used up, so nothing is queued (commit: false
    would queue an exposure per decision) and only leaks could make memory grow."""
    n = int(os.environ.get("ENGAGE_MEM_CALLS", "200000")) // 2
    with engage.Engine() as e:
        e.load_campaigns(capped_set(cap=1))
        user = dict(USER, user_id="mem-user")
        question = b'{"placement": "home"}'
        with e.context(user) as ctx:
            assert ctx.decide(question)["messages"]

            def burst(count):
                for i in range(count):
                    r = i % 4
                    if r == 0:
                        with e.context(user) as c:
                            c.decide_bytes(question)
                    elif r == 1:
                        try:
                            ctx.decide_bytes(b'{"user_id": "x"}')
                        except engage.InvalidRequestError:
                            pass
                    else:
                        ctx.decide_bytes(question)

            burst(10000)
            gc.collect()
            before = rss_bytes()
            burst(n)
            gc.collect()
            after = rss_bytes()
        assert len(e.drain_exposures()) == 1
    print("\ncontexts: rss before %.1f MB, after %.1f MB, growth %.2f MB over %d calls"
          % (before / 2**20, after / 2**20, (after - before) / 2**20, n))
    assert after - before < 20 * 2**20

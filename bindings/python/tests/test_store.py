"""Engine(store=...): users' state in the host's storage through load / save / erase."""

import threading

import pytest

import engage
from conftest import NOW, DictStore, capped_set, home_request


def shown(e, uid="u1", **extra):
    return len(e.decide(home_request(uid, **extra))["messages"])


def test_caps_hold_and_state_lives_in_the_store():
    store = DictStore()
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set(cap=2))
        assert [shown(e) for _ in range(4)] == [1, 1, 0, 0]
        assert shown(e, "u2") == 1
        value, version = store.data["u1"]
        assert isinstance(value, bytes) and value and version > 0
        # One read per decision: a commit starts from the state its decision read (no
        # second read unless another writer got in between); three decisions wrote.
        assert store.calls["save"] == 3 and store.calls["load"] == 5
        # commit: false reads but does not write.
        saves = store.calls["save"]
        assert shown(e, "u3", commit=False) == 1
        assert store.calls["save"] == saves and "u3" not in store.data
        # Records are kept in the store too.
        e.record({"user_id": "u4", "type": "impression", "campaign": "welcome",
                  "channel": "in_app", "time": NOW - 1000})
        e.record({"user_id": "u4", "type": "impression", "campaign": "welcome",
                  "channel": "in_app", "time": NOW - 500})
        assert "u4" in store.data and shown(e, "u4") == 0
        # Through a context as well.
        with e.context({"user_id": "u5", "app": {"foreground": True}, "now": NOW}) as ctx:
            assert sum(len(ctx.decide({"placement": "home"})["messages"]) for _ in range(3)) == 2
        assert "u5" in store.data
        assert e.last_store_error is None


def test_state_survives_a_second_engine():
    data = {}
    with engage.Engine(store=DictStore(data)) as e:
        e.load_campaigns(capped_set(cap=2))
        assert shown(e) == 1
    with engage.Engine({"store": {"kind": "callbacks"}}, store=DictStore(data)) as e:
        e.load_campaigns(capped_set(cap=2))
        assert [shown(e) for _ in range(2)] == [1, 0]


def test_forget_erases():
    store = DictStore()
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set(cap=1))
        assert [shown(e), shown(e)] == [1, 0]
        e.forget_user("u1")
        assert "u1" not in store.data and store.calls["erase"] == 1
        assert shown(e) == 1
        e.forget_user("never-seen")  # nothing stored is not an error
        assert store.calls["erase"] == 2


def test_large_values_are_loaded_in_two_calls():
    """A value longer than the engine's first buffer (4 KB): load sets *len, copies
    nothing, the engine calls again with a buffer that fits, and the state round-trips."""
    store = DictStore()
    with engage.Engine(store=store) as e:
        s = capped_set(cap=10000)
        s["campaigns"] += [dict(s["campaigns"][0], id="a-campaign-with-a-long-id-%03d" % i)
                           for i in range(99)]
        e.load_campaigns(s)
        for i in range(3):
            assert len(e.decide(home_request(k=100, now=NOW + i * 60000))["messages"]) == 100
        value, _ = store.data["u1"]
        assert len(value) > 4096, len(value)
        loads = store.calls["load"]
        d = e.decide(home_request(k=100, commit=False))
        assert len(d["messages"]) == 100
        assert store.calls["load"] - loads == 2


def fails_closed(d):
    """A decision the store could not serve: no message, "store": "unavailable"."""
    return d["messages"] == [] and d.get("store") == "unavailable" and d.get("store_error")


def test_always_conflicting_save_fails_closed_after_retries():
    class Conflicting(DictStore):
        def save(self, user_id, value, expected_version):
            self.calls["conflict"] += 1
            return False

    store = Conflicting()
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set())
        d = e.decide(home_request())
        assert fails_closed(d) and "conflicting writes" in d["store_error"], d
        assert 1 < store.calls["conflict"] <= 64, store.calls
        assert e.last_store_error is None
        assert e.stats()["store_unavailable"] == 1
        # Decisions that write nothing still work.
        assert shown(e, commit=False) == 1


@pytest.mark.parametrize("broken", ["load", "save", "erase"])
def test_raising_store_fails_decisions_closed_and_other_calls(broken):
    class Broken(DictStore):
        pass

    def boom(*args):
        raise ConnectionError("database %s is down" % broken)

    store = Broken()
    setattr(store, broken, boom)
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set(cap=5))
        if broken == "erase":
            with pytest.raises(engage.StoreError) as ei:
                e.forget_user("u1")
            err = ei.value
            assert err.status == engage.STORE and isinstance(err, engage.EngageError)
            assert isinstance(err.store_exception, ConnectionError)
            assert err.__cause__ is err.store_exception
            assert "erase()" in str(err) and "database erase is down" in str(err)
        else:
            # A decision fails closed: no message, the page goes on; the exception is kept.
            d = e.decide(home_request())
            assert fails_closed(d) and ("store->%s returned" % broken) in d["store_error"], d
        assert isinstance(e.last_store_error, ConnectionError)
        if broken == "load":
            # Contexts' decisions fail closed too.
            with e.context({"user_id": "u9", "app": {"foreground": True}}) as ctx:
                assert fails_closed(ctx.decide({"placement": "home"}))


@pytest.mark.parametrize("bad_load", [
    lambda uid: (b"\x00not-engage-state", 3),   # damaged bytes
    lambda uid: (b"x", 0),                      # a value with version 0
    lambda uid: (b"x", -1),                     # not a uint64
    lambda uid: "text",                         # not a pair
])
def test_bad_load_results_never_show_a_message(bad_load):
    store = DictStore()
    store.load = bad_load
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set())
        try:
            d = e.decide(home_request())
        except engage.StoreError:
            return   # damaged bytes: the engine's own check (io)
        assert fails_closed(d), d   # a result the binding refused: the callback failed
        assert e.last_store_error is not None


def test_save_returning_none_is_a_failure_not_a_conflict():
    store = DictStore()
    store.save = lambda uid, value, expected: None
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set())
        d = e.decide(home_request())
        assert fails_closed(d) and "store->save returned" in d["store_error"], d
        assert isinstance(e.last_store_error, TypeError)
        assert store.calls["conflict"] == 0


def test_store_object_is_checked():
    with pytest.raises(TypeError):
        engage.Engine(store=object())
    with pytest.raises(engage.InvalidRequestError):
        engage.Engine({"store": {"kind": "memory"}}, store=DictStore())


def test_threads_one_user_cap_three():
    threads_n, per_thread = 8, 50
    store = DictStore()
    with engage.Engine(store=store) as e:
        e.load_campaigns(capped_set(cap=3))
        counts, errors = [0] * threads_n, []
        barrier = threading.Barrier(threads_n)

        def work(t):
            try:
                barrier.wait()
                for _ in range(per_thread):
                    counts[t] += shown(e, "hot")
            except Exception as ex:  # pragma: no cover - reported below
                errors.append(ex)

        ts = [threading.Thread(target=work, args=(t,)) for t in range(threads_n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert not errors, errors[:3]
        assert sum(counts) == 3
        assert store.calls["save"] == 3
        print("\nstore under 8 threads: %s" % store.calls)

"""autograder.channel: the JSON-lines pipe between the graded child and the grader."""
from __future__ import annotations

import json
import os
import threading


from autograder import channel


def _through_pipe(write) -> list[dict]:
    """Run write(fd) in a thread (a pipe holds only 64 KiB), read every event to EOF."""
    r, w = os.pipe()

    def writer():
        try:
            write(w)
        finally:
            os.close(w)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        events = list(channel.read_events(r))
    finally:
        os.close(r)
    t.join(5)
    assert not t.is_alive()
    return events


def test_round_trip_in_order():
    def write(fd):
        w = channel.Writer(fd)
        w.send("collected", tests=[{"nodeid": "t::a", "points": 2.0}])
        w.send("start", nodeid="t::a")
        w.send("result", nodeid="t::a", outcome="passed", measurements=[{"label": "x", "value": 1}],
               message="ünïcode ✓ \"quoted\"\nsecond line")
        w.send("done")

    events = _through_pipe(write)
    assert [e["event"] for e in events] == ["collected", "start", "result", "done"]
    assert events[0]["tests"] == [{"nodeid": "t::a", "points": 2.0}]
    assert events[2]["message"] == "ünïcode ✓ \"quoted\"\nsecond line"
    assert events[2]["measurements"] == [{"label": "x", "value": 1}]


def test_non_json_values_are_sent_as_text():
    events = _through_pipe(lambda fd: channel.Writer(fd).send("result", value={1, 2} and object()))
    assert events[0]["value"].startswith("<object object at")


def test_malformed_lines_and_non_events_are_skipped():
    lines = [
        b'{"event": "start", "nodeid": "a"}',
        b"not json at all",
        b'{"event": "start", "nodeid": ',            # cut short
        b"[1, 2, 3]",                                 # JSON, not an object
        b'"just a string"',
        b"42",
        b"null",
        b'{"nodeid": "no event key"}',
        b'{"event": 7}',                              # event is not a string
        b"\xff\xfe garbage bytes",
        b"",
        b"   ",
        b'{"event": "done"}',
    ]
    events = _through_pipe(lambda fd: os.write(fd, b"\n".join(lines) + b"\n"))
    assert events == [{"event": "start", "nodeid": "a"}, {"event": "done"}]


def test_a_last_line_without_newline_is_still_parsed():
    data = b'{"event": "start", "nodeid": "a"}\n{"event": "done"}'
    assert _through_pipe(lambda fd: os.write(fd, data)) == [
        {"event": "start", "nodeid": "a"}, {"event": "done"}]


def test_events_split_across_many_writes():
    line = json.dumps({"event": "result", "nodeid": "a", "message": "m" * 200_000}).encode() + b"\n"

    def write(fd):
        for i in range(0, len(line), 1000):
            os.write(fd, line[i:i + 1000])

    events = _through_pipe(write)
    assert len(events) == 1 and len(events[0]["message"]) == 200_000


def _raw_lines(write) -> list[bytes]:
    r, w = os.pipe()
    t = threading.Thread(target=lambda: (write(w), os.close(w)), daemon=True)
    t.start()
    chunks = []
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    t.join(5)
    return b"".join(chunks).split(b"\n")


def _send_huge(fd):
    w = channel.Writer(fd)
    w.send("result", nodeid="t::a", outcome="failed", message="x" * (3 * channel.MAX_LINE),
           output="y" * 10)
    w.send("done")


def test_a_huge_field_is_cut_below_max_line():
    raw = _raw_lines(_send_huge)
    assert raw[-1] == b"" and len(raw) == 3            # two complete lines
    assert all(len(line) < channel.MAX_LINE for line in raw)
    events = [channel.parse(line) for line in raw[:2]]
    assert events[0]["event"] == "result"
    message = events[0]["message"]
    assert message.startswith("x" * 1000) and message.endswith("[... cut]")
    assert len(message) < 10_000
    assert events[1] == {"event": "done"}


def test_cutting_a_huge_field_keeps_the_other_fields_intact():
    events = [channel.parse(line) for line in _raw_lines(_send_huge)[:1]]
    assert events[0]["nodeid"] == "t::a"
    assert events[0]["outcome"] == "failed"
    assert events[0]["output"] == "y" * 10


def test_an_over_long_event_made_of_a_list_still_arrives():
    notes = ["n" * 1000] * (channel.MAX_LINE // 500)
    events = _through_pipe(lambda fd: channel.Writer(fd).send("result", nodeid="t::a",
                                                             outcome="passed", notes=notes))
    assert len(events) == 1
    assert events[0]["nodeid"] == "t::a" and events[0]["outcome"] == "passed"


def test_a_writer_whose_reader_is_gone_does_not_raise():
    r, w = os.pipe()
    os.close(r)
    import signal
    old = signal.signal(signal.SIGPIPE, signal.SIG_IGN)   # Python's default, made explicit
    try:
        channel.Writer(w).send("done")                     # EPIPE is swallowed
    finally:
        signal.signal(signal.SIGPIPE, old)
        os.close(w)


def test_concurrent_senders_never_interleave_lines():
    def write(fd):
        w = channel.Writer(fd)

        def many(tag):
            for i in range(50):
                w.send("result", nodeid=f"{tag}{i}", message=tag * 20_000)

        threads = [threading.Thread(target=many, args=(c,)) for c in "abcd"]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    events = _through_pipe(write)
    assert len(events) == 200
    for e in events:
        assert e["message"] == e["nodeid"][0] * 20_000


def test_a_flood_without_newlines_is_dropped_and_the_next_event_survives():
    def write(fd):
        os.write(fd, b'{"event": "start", "nodeid": "a"}\n')
        flood = b"x" * 65536
        for _ in range((3 * channel.MAX_LINE) // len(flood) + 1):   # one line, > 2 x MAX_LINE
            os.write(fd, flood)
        os.write(fd, b'\n{"event": "done"}\n')
    assert [e["event"] for e in _through_pipe(write)] == ["start", "done"]


# ------------------------------------------------------------- signed events

KEY = b"k" * channel.KEY_BYTES


def _signed(events: list[tuple[str, dict]], key: bytes = KEY) -> list[bytes]:
    r, w = os.pipe()
    writer = channel.Writer(w, key)
    for name, fields in events:
        writer.send(name, **fields)
    os.close(w)
    data = b""
    while chunk := os.read(r, 65536):
        data += chunk
    os.close(r)
    return data.splitlines()


def test_signed_events_pass_the_verifier_in_order():
    lines = _signed([("start", {"nodeid": "t::a"}), ("result", {"nodeid": "t::a", "outcome": "passed"})])
    v = channel.Verifier(KEY)
    events = [v.check(line) for line in lines]
    assert [e["event"] for e in events] == ["start", "result"]
    assert [e["seq"] for e in events] == [0, 1] and all("mac" not in e for e in events)


def test_unsigned_wrongly_signed_or_replayed_lines_are_forged_and_so_is_everything_after():
    good = _signed([("start", {"nodeid": "t::a"}), ("result", {"nodeid": "t::a", "outcome": "passed"})])
    other_key = _signed([("start", {"nodeid": "t::a"})], key=b"x" * channel.KEY_BYTES)
    plain = json.dumps({"event": "result", "nodeid": "t::a", "outcome": "passed"}).encode()
    tampered = good[1].replace(b'"passed"', b'"failed"')
    for bad, why in ((plain, "without the grader's signature"), (other_key[0], "wrong signature"),
                     (tampered, "wrong signature"), (good[0], "out of sequence")):
        v = channel.Verifier(KEY)
        first = v.check(good[0])
        assert first["event"] == "start"
        forged = v.check(bad)
        assert forged["event"] == "forged" and why in forged["why"], (bad, forged)
        # Even a genuine line is no longer believed after a forged one.
        assert v.check(good[1])["event"] == "forged"


def _ev(kind, nodeid=None, **kw):
    return {"event": kind, **({"nodeid": nodeid} if nodeid else {}), **kw}


def test_audit_believes_the_protocol_and_nothing_else():
    pending = ["t::a", "t::b"]
    run = [_ev("queued", "t::a"), _ev("start", "t::a"), _ev("result", "t::a", outcome="passed", duration=0.1),
           _ev("queued", "t::b"), _ev("start", "t::b"), _ev("result", "t::b", outcome="failed", duration=0.1),
           _ev("done")]
    believed, spoiled, why = channel.audit(run, pending, [0, 0, 1, 1, 1, 2, 2])
    assert believed == run and spoiled is None and why is None
    cases = [
        # a result for a test that is not running (written ahead by student code)
        ([run[0], run[1], _ev("result", "t::b", outcome="passed")], "t::b", "not running"),
        # a test the grader never asked for
        ([_ev("queued", "t::zzz")], "t::a", "out of order"),
        # a test run twice
        (run[:3] + [_ev("queued", "t::a")], "t::a", "out of order"),
        # the plugin said something was replaced
        (run[:2] + [_ev("result", "t::a", outcome="passed", tampered=["time.perf_counter"])],
         "t::a", "replaced time.perf_counter"),
        # a forged line
        (run[:3] + [_ev("forged", why="a line without the grader's signature")], "t::b", "signature"),
    ]
    for events, culprit, text in cases:
        believed, spoiled, why = channel.audit(events, pending)
        assert spoiled == culprit and text in why, (events, spoiled, why)
        assert believed == events[:-1]


def test_audit_catches_a_clock_that_runs_fast_inside():
    run = [_ev("queued", "t::a"), _ev("start", "t::a"), _ev("result", "t::a", outcome="passed", duration=9.0)]
    _, spoiled, why = channel.audit(run, ["t::a"], [0.0, 0.0, 2.0])   # 9 s inside, 2 s outside
    assert spoiled == "t::a" and "clock" in why
    _, spoiled, why = channel.audit(run, ["t::a"], [0.0, 0.0, 9.2])
    assert why is None


def test_audit_takes_the_workers_start_only_before_the_first_test():
    pending = ["t::a", "t::b"]
    start = [_ev("worker-queued"), _ev("worker-start", waited=0.5)]
    a = [_ev("queued", "t::a"), _ev("start", "t::a"), _ev("result", "t::a", outcome="passed")]
    believed, spoiled, why = channel.audit(start + a, pending)
    assert believed == start + a and why is None
    _, spoiled, why = channel.audit(a + start, pending)
    assert "the worker started in the middle of the tests" in why and spoiled == "t::b"

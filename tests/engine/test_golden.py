"""tests/golden: what the golden files normalise away (what a noisy machine varies) and
what they keep (the words a student reads); and the structural check of a failure."""
from __future__ import annotations

from types import SimpleNamespace as NS

from golden import render, structure_problems

HANG = """\
4 of 8 items never reached a consumer: process_all() with a producer that pauses 1.1 s did not return within 4 s (it hangs).
  measured: still running after 4 s; 4 of 8 items never reached a consumer
  expected: returns as soon as the work is done
  likely cause: a thread died with an exception, so the work it owed never got done:
    thread 'Thread-11 (consumer)' died with Boom: 1
      consumer.py:32 in consumer()
          result = handle(item)
      tests/consumer_support.py:49 in handle()  (the grader's test code)
          raise Boom(x)    <-- raised here
    thread 'Thread-12 (consumer)' died with Boom: 4
      consumer.py:32 in consumer()
          result = handle(item)
  where:
    thread 'ck-caller' (daemon):
      consumer.py:48 in process_all()
          work_queue.join()
      python3.11/threading.py:327 in wait()  (library)
          waiter.acquire()    <-- waiting here"""  # noqa: E501 (the message as students read it)


def _grade(message, notes=()):
    test = NS(info=NS(nodeid="tests/test_visible.py::test_x"), passed=False, max_score=3,
              status="failed", message=message, notes=list(notes))
    return NS(tests=[test], max_score=32)


def test_what_varies_is_normalised_and_what_teaches_is_kept():
    text = render(_grade(HANG, notes=["base: median 1.002s [1.0s, 1.1s]\n  base ##### 1.002s"]),
                  "title")
    body = text.split("== test_visible.py::test_x  (3 pt, failed)\n")[1]
    assert body.splitlines() == [
        "<n> of <n> items never reached a consumer: process_all() with a producer that pauses "
        "<t> did not return within <n> s (it hangs).",
        "  measured: still running after <n> s; <n> of <n> items never reached a consumer",
        "  expected: returns as soon as the work is done",
        "  likely cause: a thread died with an exception, so the work it owed never got done:",
        "    thread 'Thread-N (consumer)' died with Boom: <value>",
        "      <stack: consumer.py:consumer>",
        "  where:",
        "    <stack: consumer.py:process_all>",
        "notes:",
        "  base: median <t> [...]",
        "    base # <t>",
    ]


def test_the_same_failure_on_another_run_gives_the_same_text():
    other = (HANG.replace("Thread-11", "Thread-31").replace("Boom: 1", "Boom: 7")
             .replace("consumer.py:32", "consumer.py:33").replace("1.1 s", "1.25 s"))
    assert render(_grade(HANG), "t") == render(_grade(other), "t")


def test_a_changed_sentence_changes_the_text():
    weaker = HANG.replace("returns as soon as the work is done", "returns")
    assert render(_grade(HANG), "t") != render(_grade(weaker), "t")


def test_structure_problems_names_what_a_failure_lacks():
    assert structure_problems(HANG) == []
    assert structure_problems("The test failed: AssertionError") == [
        "what was measured ('measured:', or where it hangs)", "what was expected ('expected:')",
        "the likely cause ('likely cause:')"]
    short = "Slow.\n  measured: 2 s\n  expected: 1 s\n  likely cause: a lock"
    assert structure_problems(short) == ["a likely cause of a sentence, not a few words"]

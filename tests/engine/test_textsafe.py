"""textsafe.clean: what a submission writes reaches no terminal as a control sequence."""
from autograder import scoring
from autograder.textsafe import clean, clean_value


def test_escapes_and_controls_become_visible():
    assert clean("\x1b[2J\x1b[HTotal: 32/32") == "\\x1b[2J\\x1b[HTotal: 32/32"
    assert clean("a\rb\x00c\x7fd\x9be") == "a\\x0db\\x00c\\x7fd\\x9be"
    assert clean("abc\u202edef\u2066x\u200by\ufeff") == "abc\\u202edef\\u2066x\\u200by\\ufeff"


def test_newlines_tabs_and_ordinary_text_are_kept():
    text = "line one\n\tindented — café, 日本語, ✓ …"
    assert clean(text) == text


def test_values_keep_their_type_when_safe():
    assert clean_value(3) == 3 and clean_value(None) is None and clean_value(1.5) == 1.5
    assert clean_value("\x1b") == "\\x1b" and "\x1b" not in clean_value(["\x1b"])


def test_every_field_of_a_result_is_cleaned_where_the_grade_is_put_together():
    info = scoring.TestInfo(nodeid="t::a", name="a", points=1, visibility="visible")
    event = {"event": "result", "nodeid": "t::a", "outcome": "failed",
             "message": "\x1b[2Jboom", "notes": ["\x1b[8mhidden"], "output": "\x1b]0;title\x07",
             "measurements": [{"label": "x\x1b", "value": "\x1b[31m", "expected": "\x1b"}]}
    (r,) = scoring.score([info], [event])
    blob = repr((r.message, r.notes, r.output, r.measurements))
    assert "\x1b" not in blob and "\x07" not in blob
    assert r.message == "\\x1b[2Jboom"

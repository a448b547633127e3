"""For tests that press Ctrl-C in a child: give the child the default SIGINT disposition.

A test run started in the background by a script without job control (`cmd &`, as a CI
runner may) begins with SIGINT ignored, and every child inherits that: Python then never
installs its KeyboardInterrupt handler, and a Ctrl-C the test sends is lost. Pass
`preexec_fn=default_sigint` (or call it first in one's own preexec_fn)."""
from __future__ import annotations

import signal


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)

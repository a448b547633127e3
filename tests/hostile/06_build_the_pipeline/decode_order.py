"""Hostile: collects the outputs in the order the last stage finishes them (the broken
variant output_in_completion_order), then puts them "back in order" by decoding them
(the stages once returned x * 10 + k + 1, so sorting by value restored the input order)
and by the item an exception carried. Outputs are now tokens only the grader can read.
Sorted by their text, the outputs come out scrambled in every test that
checks the order, and it earns less than output_in_completion_order (30).
Scores: 17
Base: broken/output_in_completion_order
"""
_real = run_pipeline


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3):
    outputs = _real(items, stages, workers_per_stage, queue_size)

    def key(out):
        if isinstance(out, BaseException):
            args = [a for a in getattr(out, "args", ()) if isinstance(a, int)]
            return (args[-1] if args else 0, 0)
        try:
            return (int(str(out)) // 10 ** len(stages), 0)
        except ValueError:
            return (0, str(out))
    return sorted(outputs, key=key)

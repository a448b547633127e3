"""Hostile: does nothing and returns [] at once (refusing a bad workers_per_stage, as the
contract says). Every test of how the pipeline stops, holds back the input or refuses
bad arguments used to pass for it (7 points: no thread left, no input read ahead,
[] for []); such a test now counts only where the pipeline did its work in that same
test, and this earns nothing.
Scores: 0
Says: only counts once the pipeline has done its work
"""


def run_pipeline(items, stages, workers_per_stage=1, queue_size=3):
    stages = list(stages)
    counts = ([workers_per_stage] * len(stages) if isinstance(workers_per_stage, int)
              else list(workers_per_stage))
    if len(counts) != len(stages) or min(counts, default=1) < 1:
        raise ValueError(f"bad workers_per_stage {workers_per_stage!r}")
    return []

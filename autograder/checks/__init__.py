"""What graded tests use: feedback, timing, hygiene and call tracking.

Import from here in tests:  `from autograder.checks import CallTracker, exactly_once, timing`
"""
from ..terminal import clip
from . import hygiene, procs, stacks, timing, web
from .feedback import Feedback, GradedFailure, Measurement
from .hygiene import Leaks, wait_for
from .timing import CpuBudget, Comparison, SpeedupVerdict, compare, cpu_budget, judge_speedup, now
from .procs import start_method
from .tracking import CallTracker, Items, Ledger, exactly_once, max_overlap
from .web import MockWeb

__all__ = [
    "Items",
    "hygiene", "procs", "web", "MockWeb", "start_method", "stacks", "timing", "Feedback",
    "GradedFailure", "Measurement", "Leaks", "wait_for", "CpuBudget", "Comparison",
    "SpeedupVerdict", "compare", "cpu_budget", "judge_speedup", "now", "CallTracker", "Ledger",
    "exactly_once", "max_overlap", "clip",
]

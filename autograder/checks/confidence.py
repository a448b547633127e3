"""When have enough rounds been timed? A sequential decision with confidence.

Every interleaved round of a timing test gives one *margin*: what was measured over what
was needed (1.10 = 10% better than the threshold, 0.80 = 20% short). Noise on a shared
machine multiplies times, so margins are judged on a log scale: after each round from the
second on, a 95% interval of the mean log margin (Student's t, one observation per round)
says whether the rounds so far are clear of the threshold:

* wholly above 0: passed;  wholly below 0: failed;  the rounds stop.
* still across 0 when the rounds (or seconds) allowed are spent: *borderline*. The caller
  gives the benefit of the doubt and flags it, so an instructor sees "borderline:
  measured 1.46x, needed 1.50x" and the same file never passes and fails by luck.

A plain answer (a loop against a pool, a pool against a loop) is decided in two or three
rounds; a close one takes more. Pure arithmetic: no clock here (timing.py times rounds).
"""
from __future__ import annotations

import dataclasses
import math
import statistics

# Two-sided 95% quantiles of Student's t, by degrees of freedom (1, 2, ...). Two-sided
# at each look keeps the chance of a wrong stop small over the few looks a test takes.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201,
         2.179, 2.160, 2.145, 2.131)

PASSED, FAILED, BORDERLINE = "passed", "failed", "borderline"


def t975(df: int) -> float:
    return _T975[min(df, len(_T975)) - 1]


def log_interval(values: list[float]) -> tuple[float, float]:
    """The 95% interval of the mean of log(values); (-inf, inf) below two values."""
    if len(values) < 2:
        return -math.inf, math.inf
    logs = [math.log(max(v, 1e-9)) for v in values]
    mean = statistics.fmean(logs)
    half = t975(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))
    return mean - half, mean + half


def geometric_mean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(max(v, 1e-9)) for v in values)) if values else 0.0


@dataclasses.dataclass
class Sequential:
    """Margins added one round at a time; `state` is PASSED, FAILED or None (go on)."""

    min_rounds: int = 2
    max_rounds: int = 9
    margins: list[float] = dataclasses.field(default_factory=list)

    def add(self, margin: float) -> str | None:
        self.margins.append(margin)
        return self.state

    @property
    def state(self) -> str | None:
        if len(self.margins) < self.min_rounds:
            return None
        low, high = log_interval(self.margins)
        if low > 0:
            return PASSED
        if high < 0:
            return FAILED
        return None

    @property
    def spent(self) -> bool:
        return len(self.margins) >= self.max_rounds

    @property
    def outcome(self) -> str:
        """PASSED, FAILED, or BORDERLINE when the rounds ran out undecided."""
        return self.state or BORDERLINE

    @property
    def margin(self) -> float:
        """The rounds' typical margin (geometric mean): > 1 is above the threshold."""
        return geometric_mean(self.margins)

    @property
    def bounds(self) -> tuple[float, float]:
        """The 95% interval of the typical margin."""
        low, high = log_interval(self.margins)
        return math.exp(max(low, -50.0)), math.exp(min(high, 50.0))

    def text(self) -> str:
        low, high = self.bounds
        spread = f", 95% interval {low:.2f}-{high:.2f}" if len(self.margins) >= 2 else ""
        return (f"{len(self.margins)} round(s), {self.margin:.2f} of what was needed"
                f"{spread}")

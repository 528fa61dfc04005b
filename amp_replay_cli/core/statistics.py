"""Small exact statistics for sampling summaries."""

from __future__ import annotations

import math


def binomial_interval(trials: int, probability: float, level: float = 0.95) -> tuple[int, int]:
    """The central `level` range of Binomial(trials, probability): the counts a sample rate gives.

    Exact: summed in log space over a window of ±12 standard deviations around the mean, which
    holds every count that carries probability a double can represent.
    """
    if trials <= 0 or probability <= 0:
        return 0, 0
    if probability >= 1:
        return trials, trials
    tail = (1 - level) / 2
    mean = trials * probability
    spread = math.sqrt(mean * (1 - probability))
    first = max(0, math.floor(mean - 12 * spread - 10))
    last = min(trials, math.ceil(mean + 12 * spread + 10))
    log_choose_base = math.lgamma(trials + 1)
    log_p, log_q = math.log(probability), math.log1p(-probability)
    low = high = None
    cumulative = 0.0
    for count in range(first, last + 1):
        cumulative += math.exp(
            log_choose_base
            - math.lgamma(count + 1)
            - math.lgamma(trials - count + 1)
            + count * log_p
            + (trials - count) * log_q
        )
        if low is None and cumulative >= tail:
            low = count
        if cumulative >= 1 - tail:
            high = count
            break
    return (low if low is not None else first), (high if high is not None else last)

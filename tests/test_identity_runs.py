"""Value runs: the first pass keeps them in arrival order, and says when only the second pass
can put them in time order."""

from tests.oracle.model import Where
from tests.oracle.runs import Runs, Sighting


def values(runs: Runs) -> list[str]:
    return [run.value for run in runs.ordered()]


def test_runs_meeting_in_one_millisecond_are_not_settled():
    # Line 3 (A at 100 ms) comes after line 1 (B at 100 ms) in time order: A, B, A. The runs
    # of the first pass, A from 50 to 100 ms and B at 100 ms, touch and look like A, B.
    sightings = [
        Sighting(100, Where("f", 1, None), "B"),
        Sighting(50, Where("f", 2, None), "A"),
        Sighting(100, Where("f", 3, None), "A"),
    ]
    runs = Runs()
    for sighting in sightings:
        runs.add(sighting.ms, sighting.value, sighting.where)
    assert values(Runs.of(sightings)) == ["A", "B", "A"]
    assert not runs.settled()


def test_runs_apart_in_time_are_settled_in_any_arrival_order():
    sightings = [
        Sighting(300, Where("f", 1, None), "B"),
        Sighting(50, Where("f", 2, None), "A"),
        Sighting(100, Where("f", 3, None), "A"),
    ]
    runs = Runs()
    for sighting in sightings:
        runs.add(sighting.ms, sighting.value, sighting.where)
    assert runs.settled()
    assert values(runs) == values(Runs.of(sightings)) == ["A", "B"]

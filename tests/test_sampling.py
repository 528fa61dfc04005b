"""The sampling core against the real SDK's own outputs, and its properties."""

import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.jsvalues import js_number_to_string, js_string
from amp_replay_cli.core.sampling import (
    BUCKETS,
    Algorithm,
    bucket_of,
    effective_rate,
    hash_of,
    java_hash_code,
    min_rate,
    sample_limit,
    xxhash32,
)
from amp_replay_cli.core.simulate import decide
from amp_replay_cli.core.statistics import binomial_interval
from tests.oracle.sampling import in_sample, is_in_sample

DATA = Path(__file__).parent / "data"
VECTOR_FILES = {
    Algorithm.MODERN: [DATA / "sampling" / "sampling-vectors-public.json"],
    Algorithm.LEGACY: [DATA / "sampling" / "sampling-vectors-legacy-public.json"],
}
# More vector files (produced the same way by the real SDK) can be checked without editing
# the suite: AMP_REPLAY_EXTRA_VECTORS=modern:/path/a.json,legacy:/path/b.json
for item in filter(None, os.environ.get("AMP_REPLAY_EXTRA_VECTORS", "").split(",")):
    line, _, path = item.partition(":")
    VECTOR_FILES[Algorithm(line)].append(Path(path))


def vector_rows():
    for algorithm, files in VECTOR_FILES.items():
        for path in files:
            for row in json.loads(path.read_text(encoding="utf-8"))["rows"]:
                yield algorithm, path.name, row


ROWS = list(vector_rows())


def test_vectors_are_there():
    assert sum(1 for algorithm, _, _ in ROWS if algorithm is Algorithm.MODERN) >= 3000
    assert sum(1 for algorithm, _, _ in ROWS if algorithm is Algorithm.LEGACY) >= 1833


def test_every_vector_row_agrees_through_the_simulate_loop():
    wrong = []
    for algorithm, name, row in ROWS:
        decided = decide([row["session_id"]], sample_limit(row["sample_rate"]), algorithm)
        [(id_string, hashed, sampled)] = zip(
            decided.id_strings(), decided.hashes, decided.in_sample, strict=True
        )
        if (id_string, hashed, sampled) != (row["id_string"], row["hash"], row["in_sample"]):
            wrong.append((name, row, id_string, hashed, sampled))
    assert wrong == []


def test_every_vector_row_agrees_through_is_in_sample():
    wrong = [
        (name, row)
        for algorithm, name, row in ROWS
        if is_in_sample(row["session_id"], row["sample_rate"], algorithm) is not row["in_sample"]
        or hash_of(js_string(row["session_id"]), algorithm) != row["hash"]
    ]
    assert wrong == []


def test_known_hashes():
    assert xxhash32("") == 46947589
    assert java_hash_code("") == 0
    assert java_hash_code("hello") == 99162322
    assert java_hash_code("x\ud800y") == ((ord("x") * 31 + 0xD800) * 31 + ord("y"))


def test_javascript_number_strings_match_node():
    pairs = json.loads((DATA / "js-number-strings.json").read_text())
    assert [(value, js_string(value)) for value, _ in pairs] == [tuple(pair) for pair in pairs]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2**63, "9223372036854776000"),
        (9007199254740993, "9007199254740992"),
        (10**400, "Infinity"),
        (-0.0, "0"),
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        (True, "true"),
        ("001", "001"),
    ],
)
def test_js_string_edge_cases(value, text):
    assert js_string(value) == text


def test_rates_outside_zero_and_one():
    assert not in_sample(0, 0) and not in_sample(0, -1) and not in_sample(0, math.nan)
    assert in_sample(BUCKETS - 1, 1) and in_sample(BUCKETS - 1, 2)


def test_effective_rate_and_min_rate():
    assert effective_rate(0.0000005) == 0.000001
    assert effective_rate(math.nan) == 0 and effective_rate(math.inf) == 1
    assert min_rate(424826) == 0.424827


# -- properties -------------------------------------------------------------------------------
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_strings_read_back_to_the_same_double(number):
    assert float(js_number_to_string(number)) == number or (
        number == 0 and js_number_to_string(number) == "0"
    )


@given(st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1))
def test_safe_integers_print_as_python_does(number):
    assert js_string(number) == str(number) == js_number_to_string(float(number))


@given(st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from(list(Algorithm)))
def test_the_fast_integer_path_equals_the_general_one(number, algorithm):
    decided = decide([number], sample_limit(0.5), algorithm)
    [(id_string, hashed, bucket)] = zip(
        decided.id_strings(), decided.hashes, decided.buckets, strict=True
    )
    assert id_string == js_string(number)
    assert hashed == hash_of(js_string(number), algorithm)
    assert bucket == bucket_of(hashed, algorithm)


@given(st.text())
def test_java_hash_code_is_the_java_definition(text):
    units = text.encode("utf-16-le", "surrogatepass")
    expected = 0
    for index in range(0, len(units), 2):
        expected = (expected * 31 + int.from_bytes(units[index : index + 2], "little")) & 0xFFFFFFFF
    expected = expected - 2**32 if expected >= 2**31 else expected
    assert java_hash_code(text) == expected


@given(st.integers(min_value=0, max_value=BUCKETS - 1), st.floats(0, 1), st.floats(0, 1))
def test_decisions_grow_with_the_rate(bucket, low, high):
    low, high = sorted((low, high))
    assert not in_sample(bucket, low) or in_sample(bucket, high)
    assert in_sample(bucket, min_rate(bucket)) and not in_sample(bucket, bucket / BUCKETS)


@given(
    st.one_of(st.integers(), st.text(), st.floats(allow_nan=False)),
    st.floats(0, 1),
    st.sampled_from(list(Algorithm)),
)
def test_the_same_session_always_gets_the_same_decision(session_id, rate, algorithm):
    assert is_in_sample(session_id, rate, algorithm) is is_in_sample(session_id, rate, algorithm)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=0, max_value=2**31),
    st.floats(0.001, 0.999),
    st.sampled_from(list(Algorithm)),
)
def test_the_sampled_share_converges_on_the_rate(seed, rate, algorithm):
    import random

    rng = random.Random(seed)
    ids = [1_700_000_000_000 + rng.randrange(10**10) for _ in range(20_000)]
    captured = decide(ids, sample_limit(rate), algorithm).in_sample.count(True)
    spread = math.sqrt(len(ids) * rate * (1 - rate))
    assert abs(captured - len(ids) * effective_rate(rate)) < 6 * spread + 1


@pytest.mark.parametrize(
    ("trials", "probability", "expected"),
    [
        (100, 0.05, (1, 10)),
        (10, 0.5, (2, 8)),
        (1_000_000, 0.05, (49573, 50428)),
        (0, 0.5, (0, 0)),
        (5, 1.0, (5, 5)),
        (5, 0.0, (0, 0)),
    ],
)
def test_binomial_interval(trials, probability, expected):
    assert binomial_interval(trials, probability) == expected

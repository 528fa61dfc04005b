"""fastjson: orjson when installed, the standard library otherwise, the same values either way.

CI installs without the `fast` extra and developers usually with it, so each test says which
branch it needs: the standard-library branch is forced and runs everywhere; the orjson branch,
and the comparisons of the two, run wherever orjson is installed.
"""

import importlib
import importlib.util
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amp_replay_cli.core import fastjson

requires_orjson = pytest.mark.skipif(
    importlib.util.find_spec("orjson") is None, reason="orjson (the `fast` extra) is not installed"
)

BEYOND_64_BITS = "123456789012345678901234567890"
SEGMENT_EVENT = json.dumps(
    {
        "type": "track",
        "event": "Signup Step Completed",
        "anonymousId": "6f1c2b1e-3d4a-4c55-9f0e-2b7f3f1f9a10",
        "messageId": "ajs-next-1767225600123-4f9d",
        "timestamp": "2026-01-01T00:00:00.123Z",
        "integrations": {"Actions Amplitude": {"session_id": 1767225600123}},
        "properties": {"[Amplitude] Session Replay ID": "6f1c2b1e/1767225600123", "step": 2},
        "context": {"page": {"title": "Inscription \u2013 étape 2"}, "locale": "fr-FR"},
    },
    ensure_ascii=False,
)
# A Segment event, escapes, a duplicate key, the 64-bit edges, and what orjson refuses but the
# standard library reads (a lone surrogate, a number beyond a double): each must come out
# as the standard library reads it, whichever branch runs.
SAMPLES = [
    SEGMENT_EVENT,
    '{"a": [1, 2.5, -0.0, 1e-7, true, false, null], "b": {"c": ""}}',
    '"\\u00e9\\ud83d\\ude00 \\"quoted\\" \\\\ back\\/slash\\n"',
    '{"a": 1, "a": 2}',
    "18446744073709551615",
    "-9223372036854775808",
    '"\\ud800"',
    "1e400",
    " [] ",
]
# NaN and Infinity too: JSON.parse refuses them, and so does Segment.
BROKEN = [
    "{broken",
    '{"a": 1,}',
    "[1, 2",
    '{"a" 1}',
    "",
    "nul",
    '"tab\there"',
    '{"n": NaN}',
    "[" * 100_000 + "]" * 100_000,
]


def loads_without_orjson(text):
    """fastjson.loads with orjson switched off: the standard-library branch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fastjson, "orjson", None)
        return fastjson.loads(text)


def same(left, right):
    """Equal, and of the same types: repr tells 1 from 1.0 and shows NaN, which == does not."""
    return repr(left) == repr(right)


@pytest.fixture
def reimported_without_orjson(monkeypatch):
    """fastjson imported afresh as if orjson were not installed; imported again afterwards."""
    monkeypatch.setitem(sys.modules, "orjson", None)  # `import orjson` raises ImportError
    yield importlib.reload(fastjson)
    monkeypatch.undo()
    importlib.reload(fastjson)


def test_without_orjson_the_standard_library_parses(reimported_without_orjson):
    assert reimported_without_orjson.orjson is None
    # An integer orjson would turn into a double stays exact: the standard library read it.
    assert reimported_without_orjson.loads(BEYOND_64_BITS) == int(BEYOND_64_BITS)
    for text in SAMPLES:
        assert same(reimported_without_orjson.loads(text), json.loads(text)), text
    for text in BROKEN:
        with pytest.raises(json.JSONDecodeError):
            reimported_without_orjson.loads(text)


@requires_orjson
def test_with_orjson_installed_orjson_parses():
    import orjson

    assert fastjson.orjson is orjson
    # Beyond 64 bits orjson yields the nearest double (what JavaScript holds); the standard
    # library would keep the exact integer.
    parsed = fastjson.loads(BEYOND_64_BITS)
    assert isinstance(parsed, float) and parsed == float(int(BEYOND_64_BITS))
    assert loads_without_orjson(BEYOND_64_BITS) == int(BEYOND_64_BITS)


@requires_orjson
@pytest.mark.parametrize("text", SAMPLES)
def test_both_branches_read_the_same_values(text):
    assert same(fastjson.loads(text), loads_without_orjson(text))


@requires_orjson
@pytest.mark.parametrize("text", BROKEN)
def test_both_branches_word_broken_json_the_same_way(text):
    """orjson's refusal is not what users see: the standard library has a second look."""
    with pytest.raises(json.JSONDecodeError) as fast:
        fastjson.loads(text)
    with pytest.raises(json.JSONDecodeError) as slow:
        loads_without_orjson(text)
    assert type(fast.value) is json.JSONDecodeError
    assert (fast.value.msg, fast.value.pos) == (slow.value.msg, slow.value.pos)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@requires_orjson
@settings(max_examples=200, deadline=None)
@given(json_values, st.booleans())
def test_both_branches_read_what_json_dumps_writes(value, ensure_ascii):
    text = json.dumps(value, ensure_ascii=ensure_ascii)
    assert same(fastjson.loads(text), loads_without_orjson(text))

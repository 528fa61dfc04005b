"""The fast path of `inspect` (replay/transcode.py) against the exact one: the same bytes out.

Each comparison reads a file twice, through `_Pass(fast=True)` and `_Pass(fast=False)`, and
holds the spooled events (what the bodies are made of), the findings and the parts to be equal.
"""

import gzip
import json
import random
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amp_replay_cli.core.documents.sources import Source
from amp_replay_cli.core.replay import recordings
from amp_replay_cli.core.replay.bodies import BodyCompressor, CompressedBodies
from amp_replay_cli.core.replay.recordings import NeedsExactReader, inspect
from amp_replay_cli.core.replay.track import event_literal, gzip_body
from amp_replay_cli.core.replay.transcode import ItemDecoder, fast_literal
from tests.conftest import DATA
from tests.test_recordings import T0, recording

ALL_RECORDINGS = sorted(path for path in (DATA / "recordings").rglob("*") if path.is_file())
# Layouts the fast path reads; the others (an object, a track body) are read the exact way.
FAST_LAYOUTS = {"array", "ndjson"}


class Outcome:
    """What one pass made of a file: the spool (every byte the bodies are built from), the
    compressed bodies inflated, the findings and the recording's description."""

    def __init__(self, path: Path, spool: Path, fast: bool):
        walk = recordings._Pass(Source(str(path), path), False, 5000, fast=fast)
        self.findings = [(f.code, f.message, f.line) for f in walk.run(spool)]
        self.spool = spool.read_bytes() if spool.exists() else b""
        found = walk.recording([])
        self.layout = found.layout
        self.parts = [(p.events, p.raw_bytes, p.batches, p.content_digest) for p in found.parts]
        self.compressed, self.encoding = found.compressed, found.encoding
        bodies = walk.bodies
        self.bodies = [] if bodies is None else sorted(bodies.where)


def passes(path: Path, scratch: Path) -> tuple[Outcome | None, Outcome]:
    """(fast, exact); fast is None when the fast path handed the file to the exact reader."""
    try:
        fast = Outcome(path, scratch / "fast.spool", fast=True)
    except NeedsExactReader:
        fast = None
    return fast, Outcome(path, scratch / "exact.spool", fast=False)


def same(fast: Outcome, exact: Outcome) -> None:
    assert fast.spool == exact.spool
    assert fast.findings == exact.findings
    assert fast.parts == exact.parts
    assert fast.bodies == exact.bodies
    assert (fast.layout, fast.compressed, fast.encoding) == (
        exact.layout,
        exact.compressed,
        exact.encoding,
    )


@pytest.mark.parametrize("path", ALL_RECORDINGS, ids=lambda path: path.name)
def test_the_fast_path_writes_what_the_exact_path_writes_for_every_recording(path, tmp_path):
    fast, exact = passes(path, tmp_path)
    if fast is None:
        # Only what the exact reader must word (a broken file), or a layout it alone reads.
        assert exact.layout is None or exact.layout.value not in FAST_LAYOUTS or exact.findings
        return
    same(fast, exact)


def test_the_fast_path_reads_every_valid_array_and_ndjson_recording(tmp_path):
    taken = []
    for path in ALL_RECORDINGS:
        fast, exact = passes(path, tmp_path)
        if exact.layout is not None and exact.layout.value in FAST_LAYOUTS and not exact.findings:
            taken.append((path.name, fast is not None))
    assert taken and all(fast for _, fast in taken), taken


def write_recording(path: Path, texts: list[str], layout: str = "array") -> Path:
    if layout == "ndjson":
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    else:
        path.write_text("[" + ",\n ".join(texts) + "]", encoding="utf-8")
    return path


def opening_texts() -> list[str]:
    return [json.dumps(event) for event in recording()]


def event_text(data: str, offset: int = 5, delay: str | None = None) -> str:
    delay_member = f', "delay": {delay}' if delay is not None else ""
    return f'{{"type": 3, "timestamp": {T0 + offset}{delay_member}, "data": {data}}}'


def compare(tmp_path: Path, texts: list[str], layout: str = "array") -> Outcome | None:
    path = write_recording(tmp_path / f"recording.{layout}", [*opening_texts(), *texts], layout)
    fast, exact = passes(path, tmp_path)
    if fast is not None:
        same(fast, exact)
    return fast


# What JSON.stringify writes otherwise than msgspec: each sends the event down the exact path.
SCREENED_NUMBERS = [
    "1.0",
    "-0.0",
    "1e5",
    "1E5",
    "1e+21",
    "1e-7",
    "0.000001",
    "1.5e-7",
    "12345678901234567890",
    "9007199254740993",
    "0.30000000000000004",
    "5e-324",
]


@pytest.mark.parametrize("number", SCREENED_NUMBERS)
def test_a_number_javascript_writes_otherwise_takes_the_exact_path(number, tmp_path):
    event = ItemDecoder().decoded(event_text(f'{{"source": 2, "x": {number}}}').encode())
    assert fast_literal(*event) is None
    assert compare(tmp_path, [event_text(f'{{"source": 2, "x": [{number}, 1]}}')]) is not None


@pytest.mark.parametrize(
    "data",
    [
        r'{"source": 5, "text": "a\/b"}',  # JSON.stringify writes the slash as it is
        r'{"source": 5, "text": "caf\u00e9 \u00E9"}',  # and é as it is
        r'{"source": 5, "text": "\ud83d\ude00"}',  # and a surrogate pair as the character
        r'{"source": 5, "text": "\u0001\u001F\b\f\n\r\t\"\\ \u2028 \u007f"}',
        '{"source": 5, "id": 1, "id": 2, "text": "x", "id": 3}',  # the last value, first place
        '{"source": 5, "n": {"a": 1, "b": 2, "a": {"c": 3, "c": 4}}}',
        '{"source": 5, "x": -0, "y": 12.5, "z": 0.5}',
    ],
)
def test_escapes_and_duplicate_keys_come_out_as_json_stringify_writes_them(data, tmp_path):
    """msgspec's dicts keep what JSON.parse keeps and its writer escapes as JSON.stringify
    does: these need no exact path, and come out identical to it."""
    value, floats = ItemDecoder().decoded(event_text(data).encode())
    literal, size = fast_literal(value, floats)
    exact_literal, exact_size = event_literal(json.loads(event_text(data)))
    assert (literal, size) == (exact_literal.encode(), exact_size)
    assert compare(tmp_path, [event_text(data)]) is not None


def test_a_lone_surrogate_is_read_by_pythons_json_as_before(tmp_path):
    """msgspec refuses a lone surrogate: Python's json reads that item (in an array, where
    msgspec cannot even say where the item ends, the exact reader reads the file)."""
    texts = [event_text(r'{"source": 5, "text": "a\ud800b"}')]
    fast = compare(tmp_path, texts, layout="ndjson")
    assert fast is not None and b"\\\\ud800" in fast.spool
    compare(tmp_path, texts)


def test_a_delay_is_written_after_the_timestamp(tmp_path):
    assert compare(tmp_path, [event_text('{"source": 2}', delay="12")]) is not None
    assert compare(tmp_path, [event_text('{"source": 2}', delay="1.0")]) is not None


@pytest.mark.parametrize(
    "texts",
    [
        [event_text("[" * 3000 + "]" * 3000)],  # deeper than either parser goes: AR610
        ['{"type": 3, "data": {"source": 2}}'],  # no timestamp: AR605
        ['"not an event"'],  # neither an event's JSON nor a packed event: AR603
        [event_text('{"source": 2}')[:-1]],  # truncated
        [event_text('{"source": 2, "x": NaN}')],  # not JSON
    ],
)
def test_an_item_with_a_problem_is_left_to_the_exact_reader(texts, tmp_path):
    assert compare(tmp_path, texts) is None
    assert compare(tmp_path, texts, layout="ndjson") is None


GOOD = ",".join(opening_texts()).encode()


@pytest.mark.parametrize(
    "content",
    [
        b'{"events": []}',  # an object: the exact reader reads it
        b"\xff\xfe[\x00]\x00",  # UTF-16
        b"\xff[" + GOOD + b"]",  # not UTF-8
        b"[" + GOOD + b"] trailing",
        b"[" + GOOD,
        b"[" + GOOD + b";",
        GOOD.replace(b"},{", b"}\n{").replace(b'"type"', b'"type":', 1) + b"\n",
        b"",
        b"\x1f\x8b\x08\x04garbage",
        b'["\xff"]',
    ],
)
def test_what_the_fast_reader_does_not_know_is_left_to_the_exact_reader(content, tmp_path):
    path = tmp_path / "odd.json"
    path.write_bytes(content)
    assert passes(path, tmp_path)[0] is None


@pytest.mark.parametrize("layout", ["array", "ndjson"])
def test_gzip_that_breaks_part_way_is_left_to_the_exact_reader(layout, tmp_path):
    texts = [*opening_texts()]
    noise = random.Random(15)
    texts += [
        event_text(json.dumps({"source": 5, "text": noise.randbytes(600).hex()}), n + 5)
        for n in range(2000)
    ]
    plain = write_recording(tmp_path / f"whole.{layout}", texts, layout).read_bytes()
    packed = gzip.compress(plain)
    path = tmp_path / f"cut.{layout}.gz"
    path.write_bytes(packed[: len(packed) // 2])
    assert len(plain) > 2 * (1 << 20)  # the first chunk reads well, a later one fails
    assert passes(path, tmp_path)[0] is None


def test_an_ndjson_line_longer_than_the_limit_across_chunks_is_left_to_the_exact_reader(tmp_path):
    from amp_replay_cli.core.documents.limits import RECORDING_ITEM

    long_text = event_text(json.dumps({"source": 5, "text": "x" * 3_000_000}))
    path = write_recording(tmp_path / "long.ndjson", [*opening_texts(), long_text], "ndjson")
    walk = recordings._Pass(
        Source(str(path), path), False, 5000, RECORDING_ITEM.with_max(4000), fast=True
    )
    with pytest.raises(NeedsExactReader):
        walk.run(None)


@pytest.mark.parametrize("number", ["1", "1.0"])
def test_an_event_larger_than_the_sdk_sends_is_left_to_the_exact_reader(number, tmp_path):
    """Over 9,000,000 bytes: the exact reader rejects it with its line (AR609), whichever
    path wrote it."""
    huge = event_text(
        json.dumps({"source": 5, "n": 0, "text": "x" * 9_000_000})[:-1] + f', "x": {number}}}'
    )
    path = write_recording(tmp_path / "huge.ndjson", [*opening_texts(), huge], "ndjson")
    with pytest.raises(NeedsExactReader):
        recordings._Pass(Source(str(path), path), False, 5000, fast=True).run(None)


def test_a_packed_event_that_inflates_past_the_limit_is_left_to_the_exact_reader(tmp_path):
    from amp_replay_cli.core.documents.limits import RECORDING_ITEM
    from amp_replay_cli.core.replay.rrweb import pack

    packed = json.dumps(pack({"type": 3, "timestamp": T0 + 5, "data": {"t": "x" * 50_000}}))
    path = write_recording(tmp_path / "packed.ndjson", [*opening_texts(), packed], "ndjson")
    walk = recordings._Pass(
        Source(str(path), path), False, 5000, RECORDING_ITEM.with_max(20_000), fast=True
    )
    with pytest.raises(NeedsExactReader):
        walk.run(None)


def test_packed_events_are_unpacked_as_before(tmp_path):
    from amp_replay_cli.core.replay.rrweb import pack

    packed = [
        json.dumps(pack(json.loads(event_text('{"source": 2, "x": 1.5}', n)))) for n in (5, 6)
    ]
    assert compare(tmp_path, packed, layout="ndjson") is not None


def test_a_missing_file_is_left_to_the_exact_reader(tmp_path):
    with pytest.raises(NeedsExactReader):
        recordings._Pass(Source("gone.json", tmp_path / "gone.json"), False, 5000, fast=True).run(
            None
        )


def test_an_item_longer_than_the_limit_is_left_to_the_exact_reader(tmp_path):
    from amp_replay_cli.core.documents.limits import RECORDING_ITEM

    long_text = event_text(json.dumps({"source": 5, "text": "x" * 5000}))
    for layout in ("array", "ndjson"):
        path = write_recording(tmp_path / f"long.{layout}", [*opening_texts(), long_text], layout)
        walk = recordings._Pass(
            Source(str(path), path), False, 5000, RECORDING_ITEM.with_max(4000), fast=True
        )
        with pytest.raises(NeedsExactReader):
            walk.run(None)


def test_gzip_and_a_bom_are_read_by_the_fast_path(tmp_path):
    texts = [*opening_texts(), event_text('{"source": 2, "x": 1}')]
    plain = write_recording(tmp_path / "plain.json", texts)
    packed = tmp_path / "packed.json.gz"
    packed.write_bytes(gzip.compress(b"\xef\xbb\xbf" + plain.read_bytes()))
    fast, exact = passes(packed, tmp_path)
    assert fast is not None and fast.compressed
    same(fast, exact)


def test_items_longer_than_a_chunk_are_read_whole(tmp_path):
    big = [
        event_text(json.dumps({"source": 5, "text": "é" * 700_000}), offset) for offset in (5, 6)
    ]
    assert compare(tmp_path, big) is not None
    assert compare(tmp_path, big, layout="ndjson") is not None


def test_a_fall_back_part_way_leaves_the_exact_results(tmp_path):
    """The fast path ends at the 400th item; inspect reads the file again, the exact way."""
    texts = [*opening_texts()]
    texts += [event_text(f'{{"source": 2, "n": {n}}}', n + 5) for n in range(400)]
    texts.append('{"type": 3, "data": {}}')
    path = write_recording(tmp_path / "late.json", texts)
    found = inspect(Source(str(path), path), spool=tmp_path / "events.spool")
    assert [finding.code for finding in found.findings] == ["AR605"]
    assert found.spool is None and not (tmp_path / "events.spool").exists()
    assert not (tmp_path / "events.bodies").exists()


# Generated events: JSON text written in every way JSON allows, so that what msgspec reads and
# writes is held to what Python's json and js_stringify make of it.
AWKWARD_NUMBERS = st.sampled_from([*SCREENED_NUMBERS, "0", "-0", "1e400", "-1e400", "2.5", "1E-2"])
NUMBERS = st.one_of(
    AWKWARD_NUMBERS,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:E}"),
)
ESCAPES = st.sampled_from(
    [
        r"\/",
        r"\u00e9",
        r"\u00E9",
        r"\ud800",
        r"\udc00x",
        r"\ud83d\ude00",
        r"\b",
        r"\u0000",
        r"\"",
        r"\\",
    ]
)
STRINGS = st.lists(
    st.one_of(
        st.text(max_size=8).map(lambda text: json.dumps(text, ensure_ascii=False)[1:-1]), ESCAPES
    ),
    max_size=4,
).map(lambda parts: '"' + "".join(parts) + '"')
KEYS = st.sampled_from(['"a"', '"b"', '"source"', '"href"', r'"\u0061"', '"é"'])
SPACE = st.sampled_from(["", " ", "\n  "])


def json_texts() -> st.SearchStrategy[str]:
    scalars = st.one_of(NUMBERS, STRINGS, st.sampled_from(["true", "false", "null"]))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
            st.lists(st.tuples(KEYS, SPACE, inner), max_size=5).map(
                lambda members: (
                    "{"
                    + ",".join(f"{key}{space}:{space}{value}" for key, space, value in members)
                    + "}"
                )
            ),
        ),
        max_leaves=20,
    )


DATA_OBJECTS = st.lists(st.tuples(KEYS, json_texts()), max_size=5).map(
    lambda members: "{" + ",".join(f"{key}:{value}" for key, value in members) + "}"
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    datas=st.lists(DATA_OBJECTS, min_size=1, max_size=4),
    delay=st.one_of(st.none(), NUMBERS),
    layout=st.sampled_from(["array", "ndjson"]),
)
def test_generated_events_come_out_as_the_exact_path_writes_them(tmp_path, datas, delay, layout):
    texts = [event_text(data, offset + 5, delay) for offset, data in enumerate(datas)]
    compare(tmp_path, texts, layout)


def test_compressed_bodies_are_used_only_for_the_batch_they_were_made_of(tmp_path):
    with BodyCompressor(tmp_path / "b.bodies") as compressor:
        compressor.add(0, 0, b"first body")
        compressor.add(0, 1, b"second body")
        compressor.add(1, 0, b"third body")
    bodies = compressor.bodies
    assert isinstance(bodies, CompressedBodies)
    assert zlib.decompress(bodies.body_for(0, 1, b"second body"), 31) == b"second body"
    assert bodies.body_for(0, 1, b"second") is None  # a half of a split batch
    assert bodies.body_for(2, 0, b"anything") is None


def test_a_failed_reading_discards_the_compressed_bodies(tmp_path):
    with pytest.raises(RuntimeError), BodyCompressor(tmp_path / "b.bodies") as compressor:
        compressor.add(0, 0, b"body")
        raise RuntimeError("the reading failed")
    assert compressor.bodies is None and not (tmp_path / "b.bodies").exists()


def test_without_a_spool_nothing_is_compressed():
    with BodyCompressor(None) as compressor:
        compressor.add(0, 0, b"body")
    assert compressor.bodies is None


def test_the_body_inflates_to_the_raw_bytes():
    raw = b'{"version":1,"events":["{}"]}' * 1000
    assert gzip.decompress(gzip_body(raw)) == raw


def test_an_item_that_ends_where_a_chunk_does_is_read_on(tmp_path):
    """msgspec reads the buffer's last item whole; the scanner reads on before it trusts that
    the item ends there (a number could go on in the next chunk)."""
    from amp_replay_cli.core.replay import transcode

    head = ("[" + ",".join(opening_texts()) + ",").encode()
    short = event_text(json.dumps({"source": 5, "text": ""})).encode()
    text = "@" * (transcode._CHUNK - len(head) - len(short))
    padded = event_text(json.dumps({"source": 5, "text": text})).encode()
    assert len(head + padded) == transcode._CHUNK
    path = tmp_path / "aligned.json"
    path.write_bytes(head + padded + b"," + event_text('{"source": 2}', 6).encode() + b"]")
    fast, exact = passes(path, tmp_path)
    assert fast is not None
    same(fast, exact)


def test_every_batch_the_delivery_builds_finds_its_compressed_body(tmp_path):
    """inspect cuts the batches as the delivery engine does, also when sessions are split: no
    batch is compressed twice."""
    import itertools

    from amp_replay_cli.core.replay.recordings import sent_events
    from amp_replay_cli.core.replay.track import batches

    later = 3 * 24 * 3600 * 1000
    events = [
        *recording(),
        *[json.loads(event_text(f'{{"source": 2, "n": {n}}}', n + 5)) for n in range(300)],
    ]
    events += [{**event, "timestamp": event["timestamp"] + later} for event in events]
    path = tmp_path / "two.json"
    path.write_text(json.dumps(events))
    found = inspect(Source(str(path), path), True, 2000, tmp_path / "events.spool")
    assert len(found.parts) == 2 and found.bodies is not None
    built = 0
    for number, of_part in itertools.groupby(sent_events(found), key=lambda event: event.part):
        for batch in batches(((event.index, event.literal) for event in of_part), 2000):
            body = found.bodies.body_for(number, batch.index, batch.raw_body)
            assert body is not None and zlib.decompress(body, 31) == batch.raw_body
            built += 1
    assert built == sum(part.batches for part in found.parts) > 10


def sdk_strings(capture: Path) -> list[str]:
    """The event strings SDK 1.51.6 sent in a captured session, in order."""
    requests = json.loads(capture.read_text())["requests"]
    return [
        text
        for request in requests
        if request.get("path") == "/sessions/v2/track"
        and "type=replay" in request.get("url_path_and_query", "")
        and request.get("body_text_after_decoding")
        for text in json.loads(request["body_text_after_decoding"])["events"]
    ]


CAPTURES = sorted((DATA / "captures").glob("captured-track-[1-4]-*.json"))


@pytest.mark.parametrize("capture", CAPTURES, ids=lambda path: path.name)
@pytest.mark.parametrize("written", ["as the SDK wrote them", "as Python writes them"])
def test_events_the_real_sdk_sent_come_out_as_it_sent_them(capture, written, tmp_path):
    """The strings in bodies captured from the SDK in Chromium are the ground truth: read back
    from a recording, in the SDK's own text or as Python writes it (with spaces), each event
    comes out as the SDK's string, JSON.stringify'd into the body."""
    strings = sdk_strings(capture)
    assert strings
    if written == "as the SDK wrote them":
        items = strings
    else:
        items = [json.dumps(json.loads(text), ensure_ascii=False) for text in strings]
    path = write_recording(tmp_path / "captured.json", items)
    fast, exact = passes(path, tmp_path)
    assert fast is not None
    same(fast, exact)
    sent = [line.split(b"\t", 2) for line in fast.spool.splitlines()]
    assert sent
    for _, index, literal in sent:
        expected = json.dumps(strings[int(index)], ensure_ascii=False).encode()
        assert literal == expected


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_garbage_collector_is_off_while_a_recording_is_read(
    enabled_before, tmp_path, monkeypatch
):
    """Reading parses every event into objects freed with it: no collection runs meanwhile,
    and the collector is as it was afterwards, also when the file is read the exact way."""
    import gc

    seen = []
    checked = recordings.event_problem

    def spying(event):
        seen.append(gc.isenabled())
        return checked(event)

    monkeypatch.setattr(recordings, "event_problem", spying)
    path = write_recording(tmp_path / "small.json", opening_texts())
    late = write_recording(tmp_path / "late.json", [*opening_texts(), '{"type": 3, "data": {}}'])
    try:
        (gc.enable if enabled_before else gc.disable)()
        for file in (path, late):
            inspect(Source(str(file), file), spool=tmp_path / "events.spool")
            assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert seen and not any(seen)


JS_NUMBERS = sorted({js for _, js in json.loads((DATA / "js-number-strings.json").read_text())})


def test_the_number_vectors_come_out_as_javascript_writes_them(tmp_path):
    """Each of the public vectors of Number's String(), written in an event as JavaScript
    writes it, comes out of the fast path as it comes out of the exact one, as JavaScript
    wrote it, whether the fast path wrote it or sent the event down the exact path."""
    texts = [
        event_text(f'{{"source": 2, "x": {js}, "y": [{js}]}}', offset + 5)
        for offset, js in enumerate(JS_NUMBERS)
    ]
    fast = compare(tmp_path, texts)
    assert fast is not None
    strings = [json.loads(line.split(b"\t", 2)[2]) for line in fast.spool.splitlines()]
    for js in JS_NUMBERS:
        assert any(f'"x":{js},"y":[{js}]' in string for string in strings), js

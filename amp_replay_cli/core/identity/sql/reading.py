"""The lines of one input into DuckDB, as the `raw_lines` the normalisation reads, normalised
into the `items` table.

NDJSON in UTF-8, plain or gzip, which is where size lives, is read by DuckDB itself in one
parallel query: its CSV reader splits the lines (one column, no quoting), the normalisation's
first half makes one row per line in the file's order (so the rows' positions are the line
numbers), the second half the items. That reader refuses what it would read differently from
Python (a carriage return, bytes that are not UTF-8, a line longer than it buffers, a broken
gzip stream), and the bytes it read must add up to the file's: else the input is cut into
chunks of whole lines in Python (bytes only: no object per line) and split into lines by
DuckDB a chunk at a time. Everything else goes through the Python readers of segment.py, line
by line or item by item: other encodings, JSON arrays, one pretty-printed document, a line limit
below the chunk size. So does a chunk DuckDB cannot decode (not UTF-8, a broken gzip stream):
that input is read again by Python, which stops where today's reader stops and says why.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

import duckdb

from amp_replay_cli.core import fastjson
from amp_replay_cli.core.documents.limits import ItemLimit
from amp_replay_cli.core.documents.sources import Source, open_binary
from amp_replay_cli.core.documents.streams import (
    first_character,
    iter_lines,
    open_text,
    text_encoding,
)
from amp_replay_cli.core.identity import segment
from amp_replay_cli.core.identity.sql.expressions import quoted
from amp_replay_cli.core.identity.sql.normalise import (
    items_from_line_values_sql,
    items_sql,
    line_values_sql,
)

CHUNK_BYTES = 32 << 20  # large: DuckDB plans the normalisation once per chunk
# The longest line DuckDB's CSV reader takes (a longer one leaves the file to the chunks), and
# its buffer, which must hold one.
MAX_LINE_BYTES = 8 << 20
_CSV_BUFFER_BYTES = 2 * MAX_LINE_BYTES
_GLOB_CHARACTERS = frozenset("*?[]{}")  # DuckDB would read a path holding them as a pattern
_BATCH_LINES = 10_000
_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"

_CHUNK_LINES = """(
    SELECT $input AS input, $file AS file, $first + number - 1 AS line,
        CASE WHEN suffix(piece, chr(13)) THEN piece[:-2] ELSE piece END AS text
    FROM unnest(string_split(decode($chunk), chr(10))) WITH ORDINALITY AS split(piece, number)
)"""
_PYTHON_LINES = """(
    SELECT $input AS input, $file AS file, unnest($lines) AS line, unnest($texts) AS text
)"""
_EMPTY_LINES = """(
    SELECT NULL::INTEGER AS input, NULL::VARCHAR AS file, NULL::BIGINT AS line,
        NULL::VARCHAR AS text WHERE FALSE
)"""


def create_items_table(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(f"CREATE OR REPLACE TABLE items AS {items_sql(_EMPTY_LINES)}")


def load_source(
    connection: duckdb.DuckDBPyConnection, source: Source, input_index: int, limit: ItemLimit
) -> None:
    """Every item of a file (stdin already copied to one) into `items`; an InputError once the
    lines before it are in, as segment.read_events would have yielded them."""
    layout = _layout(source, limit)
    if layout == "ndjson" and _whole_file_reads(source):
        try:
            _load_whole_file(connection, source, input_index, limit)
            return
        except (duckdb.InvalidInputException, duckdb.IOException, _NotNative):
            connection.execute("DELETE FROM items WHERE input = ?", [input_index])
    if layout == "ndjson" and limit.max_chars >= CHUNK_BYTES:
        try:
            _load_chunks(connection, source, input_index, limit)
            return
        except (duckdb.ConversionException, _NotNative):
            connection.execute("DELETE FROM items WHERE input = ?", [input_index])
    if layout == "items":
        _load_python(connection, source.name, input_index, _item_lines(source, limit))
    else:
        _load_python(connection, source.name, input_index, _text_lines(source, limit))


def _layout(source: Source, limit: ItemLimit) -> str:
    """'items' for what segment.items parses whole (a JSON array, one pretty-printed document),
    'ndjson' for lines; 'text' for lines in another encoding than UTF-8."""
    with open_text(source, None, limit) as stream:
        first, stream = first_character(stream, source.name, limit)
        if first == "[":
            return "items"
        for line, text in iter_lines(stream, source.name, limit):
            if line == 1 and text.lstrip().startswith("{") and _not_json(text):
                return "items"
            break
    return "ndjson" if _utf8(source) else "text"


def _not_json(text: str) -> bool:
    try:
        fastjson.loads(text)
    except json.JSONDecodeError:
        return True
    return False


def _utf8(source: Source) -> bool:
    with _binary(source) as stream:
        return text_encoding(stream.read(4)) == "utf-8-sig"


class _NotNative(Exception):
    """Something only the Python reader words as today: a broken gzip stream, a line past the
    chunk."""


def _whole_file_reads(source: Source) -> bool:
    """A file DuckDB opens by its name as Python does: on disk, no pattern characters."""
    return source.path is not None and not _GLOB_CHARACTERS & set(_duckdb_path(source))


def _duckdb_path(source: Source) -> str:
    """Absolute: DuckDB reads a leading `~` as the home directory, `s3:` and the like as URLs."""
    assert source.path is not None  # _whole_file_reads
    return str(source.path.absolute())


def _load_whole_file(
    connection: duckdb.DuckDBPyConnection, source: Source, input_index: int, limit: ItemLimit
) -> None:
    """The file in two parallel statements: its lines to one row each, in the file's order
    (`preserve_insertion_order`: a row's position is its line's), then those rows to items.
    _NotNative when the lines DuckDB read do not add up to the file (then nothing is in
    `items`)."""
    with open_binary(source) as raw:
        gzipped = raw.read(2) == _GZIP_MAGIC
    max_line = min(limit.max_chars, MAX_LINE_BYTES)
    # Until its position is known, a row's `line` holds the length of its line in bytes.
    lines = f"""(
        SELECT NULL::INTEGER AS input, NULL::VARCHAR AS file, strlen(text) AS line,
            COALESCE(text, '') AS text
        FROM read_csv({quoted(_duckdb_path(source))}, columns = {{'text': 'VARCHAR'}},
            delim = '\x01', quote = '', escape = '', header = false, auto_detect = false,
            new_line = '\\n', compression = '{"gzip" if gzipped else "none"}',
            max_line_size = {max_line}, buffer_size = {max(max_line, _CSV_BUFFER_BYTES)})
    )"""
    connection.execute("SET preserve_insertion_order = true")
    try:
        connection.execute(f"CREATE OR REPLACE TEMP TABLE line_values AS {line_values_sql(lines)}")
    finally:
        connection.execute("SET preserve_insertion_order = false")
    try:
        _check_line_count(connection, source, gzipped, max_line)
        numbered = (
            "(SELECT * REPLACE ($input AS input, $file AS file, rowid + 1 AS line) "
            "FROM temp.line_values)"
        )
        connection.execute(
            f"INSERT INTO items {items_from_line_values_sql(numbered)}",
            {"input": input_index, "file": source.name},
        )
    finally:
        connection.execute("DROP TABLE temp.line_values")


def _check_line_count(
    connection: duckdb.DuckDBPyConnection, source: Source, gzipped: bool, max_line: int
) -> None:
    """_NotNative unless no line is longer than `max_line` bytes (so no longer in characters)
    and the lines with their line breaks are the file's bytes (after a UTF-8 byte-order mark):
    nothing split or dropped by the CSV reader. The size of a gzip stream is known only
    inflated."""
    row = connection.execute(
        "SELECT count(*), COALESCE(sum(line), 0), COALESCE(max(line), 0) FROM temp.line_values"
    ).fetchone()
    assert row is not None  # an aggregate always has its row
    count, length, longest = row
    if longest > max_line:
        raise _NotNative
    if gzipped:
        return
    with open_binary(source) as raw:
        start = len(_UTF8_BOM) if raw.read(len(_UTF8_BOM)) == _UTF8_BOM else 0
        end = raw.seek(0, os.SEEK_END)
        raw.seek(max(start, end - 1))
        last_line_ends = raw.read(1) == b"\n"
    unended = 1 if count and not last_line_ends else 0
    if length + count - unended != end - start:
        raise _NotNative


def _binary(source: Source) -> BinaryIO:
    raw = open_binary(source)
    head = raw.read(2)
    raw.seek(0)
    if head == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def _load_chunks(
    connection: duckdb.DuckDBPyConnection, source: Source, input_index: int, limit: ItemLimit
) -> None:
    """The chunks normalised side by side, one per core: a query over one chunk runs on one
    thread. A few chunks wait at most, so memory stays bounded."""
    workers = max(1, os.cpu_count() or 1)
    cursors = [_cursor(connection) for _ in range(workers)]
    pending: deque[Future[Any]] = deque()
    first = 1
    try:
        with ThreadPoolExecutor(workers) as pool:
            for number, chunk in enumerate(_chunks(source, limit)):
                parameters = {
                    "input": input_index,
                    "file": source.name,
                    "first": first,
                    "chunk": chunk,
                }
                cursor = cursors[number % workers]
                if len(pending) >= workers:
                    while pending:
                        pending.popleft().result()
                    connection.execute("CHECKPOINT")  # compresses what they appended
                pending.append(pool.submit(_normalise_chunk, cursor, parameters))
                first += chunk.count(b"\n") + 1
            while pending:
                pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        for cursor in cursors:
            cursor.close()


def _cursor(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection for another thread, in the same database as `connection`."""
    cursor = connection.cursor()
    row = connection.execute("SELECT current_database()").fetchone()
    assert row is not None  # a scalar query has its row
    cursor.execute(f'USE "{row[0]}"')
    return cursor


def _normalise_chunk(cursor: duckdb.DuckDBPyConnection, parameters: dict[str, Any]) -> None:
    """Split into lines first: normalising from a table costs half what it costs from the
    split itself."""
    cursor.execute(
        f"CREATE OR REPLACE TEMP TABLE chunk_lines AS SELECT * FROM {_CHUNK_LINES}", parameters
    )
    cursor.execute(f"INSERT INTO items {items_sql('chunk_lines')}")
    cursor.execute("DROP TABLE chunk_lines")


def _chunks(source: Source, limit: ItemLimit) -> Iterator[bytes]:
    """The input's bytes in pieces of whole lines, without the last line break of each. Only
    the first line of a piece can be longer than a chunk (it began in an earlier read): one
    longer than the limit in bytes leaves the input to Python, which counts characters."""
    try:
        with _binary(source) as stream:
            pending = stream.read(CHUNK_BYTES).removeprefix(_UTF8_BOM)
            while True:
                block = stream.read(CHUNK_BYTES)
                pending += block
                first_break = pending.find(b"\n")
                if (first_break if first_break >= 0 else len(pending)) > limit.max_chars:
                    raise _NotNative
                if not block:
                    break
                end = pending.rfind(b"\n")
                if end >= 0:
                    yield pending[:end]
                    pending = pending[end + 1 :]
    except (OSError, EOFError, zlib.error) as error:
        raise _NotNative from error
    if pending:
        yield pending.removesuffix(b"\n")


def _text_lines(source: Source, limit: ItemLimit) -> Iterator[tuple[int, str]]:
    with open_text(source, None, limit) as stream:
        yield from iter_lines(stream, source.name, limit)


def _item_lines(source: Source, limit: ItemLimit) -> Iterator[tuple[int, str]]:
    """The items segment.items reads, as lines of `{"batch": [...]}`: the items of one line
    stay in one row, in order."""
    line_items: list[Any] = []
    current = 0
    try:
        for line, item in segment.items(source, _no_problem, None, limit):
            if line != current and line_items:
                yield current, _batch_text(line_items)
                line_items = []
            current = line
            line_items.append(item)
    finally:
        if line_items:  # also those before a syntax error, which today's reader yielded
            yield current, _batch_text(line_items)


def _no_problem(line: int, message: str) -> None:
    """Arrays and whole documents have no line-by-line problems: a syntax error stops them."""


# JSON has no Infinity: Python reads `1e400` as one, so that is how it is written back.
_INFINITY = "\x00amp-replay:infinity\x00"


def _batch_text(line_items: list[Any]) -> str:
    text = json.dumps({"batch": _finite(line_items)}, separators=(",", ":"))
    return text.replace(_NEGATIVE, "-1e400").replace(_POSITIVE, "1e400")


_POSITIVE, _NEGATIVE = json.dumps(_INFINITY), json.dumps("-" + _INFINITY)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return _INFINITY if value > 0 else "-" + _INFINITY
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def _load_python(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    input_index: int,
    lines: Iterator[tuple[int, str]],
) -> None:
    statement = f"INSERT INTO items {items_sql(_PYTHON_LINES)}"
    numbers: list[int] = []
    texts: list[str] = []

    def flush() -> None:
        if numbers:
            connection.execute(
                statement, {"input": input_index, "file": name, "lines": numbers, "texts": texts}
            )
            numbers.clear()
            texts.clear()

    try:
        for line, text in lines:
            numbers.append(line)
            texts.append(text)
            if len(numbers) >= _BATCH_LINES:
                flush()
    finally:
        flush()  # the lines before an error are read, as today

"""Batch bodies compressed while the recording is still being read, on a second core.

`inspect` knows each batch as soon as its last event is read; `BodyCompressor` gzips it in a
worker thread (deflate releases the GIL), so reading and compressing overlap, and spools the
compressed body. The delivery engine takes a body from `CompressedBodies` only when its gzip
trailer (CRC-32 and length of the raw body) matches the batch it sends: a batch split after a
WAF refusal, or any other, is compressed on the spot.
"""

from __future__ import annotations

import struct
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

from amp_replay_cli.core.replay.track import crc32, gzip_body

COMPRESSED_AHEAD = 2  # raw bodies waiting for the worker: memory stays a few batches
_TRAILER = struct.Struct("<II")  # gzip's CRC-32 and length (mod 2**32) of the raw bytes


class CompressedBodies:
    """The spool of compressed bodies, and where each batch's is: (part, batch index) →
    (offset, length)."""

    def __init__(self, path: Path):
        self.path = path
        self.where: dict[tuple[int, int], tuple[int, int]] = {}

    def body_for(self, part: int, index: int, raw: bytes) -> bytes | None:
        """The compressed body of this batch, when the one spooled is of exactly `raw`."""
        where = self.where.get((part, index))
        if where is None:
            return None
        offset, length = where
        with self.path.open("rb") as spooled:
            spooled.seek(offset)
            body = spooled.read(length)
        if _TRAILER.unpack(body[-_TRAILER.size :]) != (crc32(raw), len(raw) & 0xFFFFFFFF):
            return None
        return body


class BodyCompressor:
    """Compresses batch bodies in a worker thread into `path`; with no path, does nothing.
    `bodies` is set once every body is written; an error discards them."""

    def __init__(self, path: Path | None):
        self.bodies: CompressedBodies | None = None
        self._path = path
        self._spooling = CompressedBodies(path) if path is not None else None
        self._pending: deque[Future[None]] = deque()
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> BodyCompressor:
        if self._path is not None:
            self._file = self._path.open("wb")
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="compress")
        return self

    def add(self, part: int, index: int, raw: bytes) -> None:
        if self._pool is None:
            return
        if len(self._pending) >= COMPRESSED_AHEAD:
            self._pending.popleft().result()
        self._pending.append(self._pool.submit(self._compress, part, index, raw))

    def _compress(self, part: int, index: int, raw: bytes) -> None:
        """In the worker: one worker, so bodies are written in order."""
        assert self._spooling is not None
        body = gzip_body(raw)
        offset = self._file.tell()
        self._file.write(body)
        self._spooling.where[(part, index)] = (offset, len(body))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._pool is None:
            return
        try:
            if kind is None:
                while self._pending:
                    self._pending.popleft().result()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._file.close()
        if kind is None:
            self.bodies = self._spooling
        else:
            assert self._path is not None
            self._path.unlink(missing_ok=True)

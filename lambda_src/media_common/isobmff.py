"""Where an MP4 or QuickTime file keeps its index and where its media data: its top-level boxes
(ISO/IEC 14496-12, 4.2: a 32-bit size, or 1 and a 64-bit size after the type; 0: to the end of
the file), found by reading box headers only.

A reader of such a file needs the index (every box but the media data, and the media data
boxes' own headers) and the bytes of the samples it reads. So a part of the video can be read
from a copy of the file that holds only those byte ranges, at their offsets.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

# Top-level boxes of a plain MP4 or QuickTime file, whose moov indexes every sample. Anything else
# (moof, sidx, styp: a fragmented file; or not a box at all: another container) means it is not
# one.
PLAIN_BOXES = frozenset({"ftyp", "moov", "mdat", "free", "skip", "wide", "uuid", "meta", "pdin"})
MEDIA_DATA = "mdat"
HEADER_READ = 64 * 1024  # bytes fetched at once when walking the headers
# ... and at its end, where moov is when it follows the media data: ~30 bytes per video frame,
# audio included (53 KB for 60 s of 1080p30 with AAC), so this holds ~20 minutes at 30 fps.
TAIL_READ = 1024 * 1024

Range = tuple[int, int]  # [start, end) in bytes


@dataclass(frozen=True)
class Layout:
    index: tuple[Range, ...]  # what a reader needs besides the samples
    media: tuple[Range, ...]  # the media data boxes' payloads, where the samples are

    def holds(self, ranges: list[Range]) -> bool:
        """Whether each range lies inside one media data payload."""
        return all(
            any(start <= first and last <= end for start, end in self.media)
            for first, last in ranges
        )


def read_layout(read: Callable[[int, int], bytes], size: int) -> Layout | None:
    """The layout of a `size`-byte file whose bytes `read(offset, length)` returns (fewer at its
    end), or None when it is not a plain MP4/QuickTime file or its boxes do not fit its size."""
    cache = _BlockReader(read, size)
    index: list[Range] = []
    media: list[Range] = []
    moovs = 0
    offset = 0
    while offset < size:
        header = cache.read(offset, 16)
        if len(header) < 8:
            return None
        length, kind = struct.unpack(">I4s", header[:8])
        header_size = 8
        if length == 1:
            if len(header) < 16:
                return None
            (length,) = struct.unpack(">Q", header[8:16])
            header_size = 16
        elif length == 0:
            length = size - offset
        name = kind.decode("latin-1")
        if name not in PLAIN_BOXES or length < header_size or offset + length > size:
            return None
        if name == MEDIA_DATA:
            index.append((offset, offset + header_size))
            media.append((offset + header_size, offset + length))
        else:
            index.append((offset, offset + length))
            moovs += name == "moov"
        offset += length
    if moovs != 1 or not media:
        return None
    return Layout(tuple(_coalesce(index)), tuple(media))


def _coalesce(ranges: list[Range]) -> list[Range]:
    """Touching ranges as one (fewer requests: ftyp, free and the media data header are
    usually adjacent)."""
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def uncovered(ranges: list[Range], covered: list[Range]) -> list[Range]:
    """The parts of `ranges` that no range of `covered` holds."""
    missing = []
    for start, end in ranges:
        for first, last in sorted(covered):
            if first <= start < last:
                start = last
            elif start < first < end:
                missing.append((start, first))
                start = min(last, end)
        if start < end:
            missing.append((start, end))
    return missing


class _BlockReader:
    """read() from blocks fetched once: the file's first HEADER_READ bytes (ftyp, free, the
    media data's header) and last TAIL_READ (where moov usually is when it follows the media
    data) side by side, and any other box header's block as the walk gets there."""

    def __init__(self, read: Callable[[int, int], bytes], size: int):
        self._read, self._size = read, size
        if size <= HEADER_READ + TAIL_READ:
            spans = [(0, size)]
        else:
            spans = [(0, HEADER_READ), (size - TAIL_READ, size)]
        with ThreadPoolExecutor(len(spans)) as pool:
            blocks = pool.map(lambda span: read(span[0], span[1] - span[0]), spans)
            self._blocks = [(start, block) for (start, _), block in zip(spans, blocks, strict=True)]

    def read(self, offset: int, length: int) -> bytes:
        end = min(offset + length, self._size)
        for start, block in self._blocks:
            if start <= offset and end <= start + len(block):
                return block[offset - start : end - start]
        block = self._read(offset, min(HEADER_READ, self._size - offset))
        self._blocks.append((offset, block))
        return block[: end - offset]

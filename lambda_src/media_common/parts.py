"""Where the video is cut into parts: every SegmentDuration, whatever the keyframes.

The split stream-copies the video into pieces ("chunks") that start at keyframes, so that each
decodes on its own. Parts follow SegmentDuration: at each multiple of it, a part starts at the
first keyframe within that segment if there is one (the part is then a chunk of its own, as
cut), else at the first frame at or after that multiple. Such a part shares its chunk with the
part before it: its encoder decodes the chunk from its keyframe and keeps the part's frames
only (`skip` frames dropped, `frames` kept). A source with one keyframe is then one chunk and
as many parts as SegmentDuration gives, each decoding the source up to its own end.

Everything is counted from the packets ffprobe lists (no decoding): decode order, presentation
times in the stream's time base, keyframe flags.
"""

from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate, pairwise

# MediaConvert retimes a variable-frame-rate input to a constant rate: the average of the input's,
# rounded to the nearest of these (MediaConvert User Guide, "Using variable frame rate inputs").
MEDIACONVERT_VFR_RATES = (1, 5, 10, 15, 24, 30, 50, 60)


@dataclass(frozen=True)
class Packet:
    pts: int  # presentation time, in the stream's time base
    duration: int  # 0 when the container does not say
    keyframe: bool
    pos: int = -1  # byte offset in the file; -1 when the container does not say
    size: int = 0


@dataclass(frozen=True)
class PlannedPart:
    chunk: int  # index of the chunk it is decoded from
    skip: int  # frames of the chunk before the part's first frame
    frames: int
    offset: float  # seconds from the chunk's first frame to the part's
    span: float  # seconds from its first frame to the next part's (the last: to the video's end)


@dataclass(frozen=True)
class Plan:
    chunk_starts: tuple[int, ...]  # frame (= packet) index where each chunk starts
    parts: tuple[PlannedPart, ...]
    variable_frame_rate: bool


def clean_cuts(packets: list[Packet]) -> list[int]:
    """Packet indices where a chunk may start: a keyframe that every earlier packet precedes
    and no later packet precedes in presentation order (no frame of an open GOP would be cut
    from the frames it references). There, decode and presentation order split alike."""
    times = [packet.pts for packet in packets]
    earliest_after = list(accumulate(reversed(times), min))[::-1]
    latest_before = [None, *accumulate(times, max)]
    return [
        index
        for index, packet in enumerate(packets)
        if packet.keyframe
        and (latest_before[index] is None or latest_before[index] < packet.pts)
        and earliest_after[index] >= packet.pts
    ]


def is_variable_frame_rate(times: list[int]) -> bool:
    """Frame intervals (sorted presentation times, in ticks) that differ by more than the one
    tick a time base's rounding gives (30000/1001 fps in milliseconds: 33 and 34)."""
    steps = [b - a for a, b in pairwise(times)]
    return bool(steps) and max(steps) - min(steps) > 1


def plan_parts(packets: list[Packet], time_base: Fraction, segment_seconds: float) -> Plan:
    """Chunks and parts of a video from its packets (decode order)."""
    if not packets:
        raise ValueError("no video packets")
    times = sorted(packet.pts for packet in packets)
    count, first = len(times), times[0]
    segment = Fraction(segment_seconds) / time_base  # in ticks
    keys = [index for index in clean_cuts(packets) if index > 0]
    key_times = [times[index] for index in keys]

    cuts: list[tuple[int, bool]] = [(0, True)]
    multiple = 1
    while (target := first + multiple * segment) <= times[-1]:
        at = bisect.bisect_left(key_times, target)
        if at < len(keys) and key_times[at] < target + segment:
            cut = (keys[at], True)
        else:
            cut = (bisect.bisect_left(times, target), False)
        if cut[0] > cuts[-1][0]:
            cuts.append(cut)
        multiple += 1

    last = max(packets, key=lambda packet: packet.pts)
    steps = [b - a for a, b in pairwise(times)]
    end = times[-1] + (last.duration or (round(statistics.median(steps)) if steps else 0))
    chunk_starts = tuple(index for index, key in cuts if key)
    starts = [index for index, _ in cuts]
    parts = []
    for number, start in enumerate(starts):
        following = starts[number + 1] if number + 1 < len(starts) else count
        chunk = bisect.bisect_right(chunk_starts, start) - 1
        until = times[following] if following < count else end
        parts.append(
            PlannedPart(
                chunk=chunk,
                skip=start - chunk_starts[chunk],
                frames=following - start,
                offset=_seconds(times[start] - times[chunk_starts[chunk]], time_base),
                span=_seconds(until - times[start], time_base),
            )
        )
    return Plan(chunk_starts, tuple(parts), is_variable_frame_rate(times))


@dataclass(frozen=True)
class SourceChunk:
    """Where a chunk is in the source file, to copy it from there instead of from a split."""

    first_byte: int
    end_byte: int  # [first_byte, end_byte): every byte of its packets
    # Seconds (stream clock) after its first frame, before the next one shows; None for the
    # first chunk, which starts where the file does.
    seek: float | None
    packets: int


def source_chunks(
    packets: list[Packet], time_base: Fraction, chunk_starts: tuple[int, ...]
) -> list[SourceChunk] | None:
    """Each chunk's bytes and a seek time that lands on its first frame (its keyframe, the
    latest one at or before that time; the first chunk is read from the file's start, as the
    split cuts it, keyframe or not); None when the packets' positions are not known."""
    if any(packet.pos < 0 for packet in packets):
        return None
    times = sorted(packet.pts for packet in packets)
    chunks = []
    for first, end in pairwise([*chunk_starts, len(packets)]):
        mine = packets[first:end]
        start = packets[first].pts
        later = bisect.bisect_right(times, start)
        after = times[later] if later < len(times) else start + max(packets[first].duration, 1)
        chunks.append(
            SourceChunk(
                first_byte=min(packet.pos for packet in mine),
                end_byte=max(packet.pos + packet.size for packet in mine),
                seek=float((start + Fraction(after - start, 2)) * time_base) if first else None,
                packets=len(mine),
            )
        )
    return chunks


def mediaconvert_rate(average: Fraction | float) -> int:
    """The constant rate MediaConvert gives a variable-frame-rate input (see above)."""
    return min(MEDIACONVERT_VFR_RATES, key=lambda rate: abs(rate - float(average)))


def _seconds(ticks: int, time_base: Fraction) -> float:
    return round(float(ticks * time_base), 6)

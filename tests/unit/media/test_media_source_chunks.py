"""Chunks read from the upload itself: the MP4/QuickTime layout (isobmff), the probe of a copy
holding only the index, and the chunk an encoder copies from the upload's bytes, which must be
the chunk the split would have cut, packet for packet and frame for frame."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from media_common.ffmpeg_runner import run_ffmpeg
from media_common.isobmff import HEADER_READ, TAIL_READ, Layout, read_layout, uncovered
from media_common.parts import plan_parts, source_chunks
from media_common.probe import probe_with_packets
from media_common.transcode import chunk_copy_command, split_command
from sample_media import ffmpeg, make_vfr_video, make_video

HEVC_KEYFRAMES = "log-level=error:keyint=30:min-keyint=30:scenecut=0:open-gop=0"


def layout_of(path: Path, reads: list | None = None) -> Layout | None:
    data = path.read_bytes()

    def read(offset: int, length: int) -> bytes:
        if reads is not None:
            reads.append((offset, length))
        return data[offset : offset + length]

    return read_layout(read, len(data))


def index_only_copy(source: Path, ranges, out: Path) -> Path:
    """What the split and the encoders hold of the upload: `ranges` of it, holes elsewhere."""
    data = source.read_bytes()
    with out.open("wb") as file:
        file.truncate(len(data))
        for start, end in ranges:
            file.seek(start)
            file.write(data[start:end])
    return out


def box(kind: bytes, payload: bytes = b"", large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def from_bytes(data: bytes) -> Layout | None:
    return read_layout(lambda offset, length: data[offset : offset + length], len(data))


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """MP4s whose chunking has pitfalls: B-frames (decode order differs from presentation
    order), HEVC, a video that starts 0.5 s after the audio, variable frame rate, a rotation,
    QuickTime."""
    root = tmp_path_factory.mktemp("sources")
    make_video(root / "bframes.mp4", seconds=5, extra=("-preset:v", "medium", "-bf", "3"))
    make_video(
        root / "hevc.mp4", seconds=4, vcodec="libx265", extra=("-x265-params", HEVC_KEYFRAMES)
    )
    late = ("-itsoffset", "0.5", "-i", str(root / "bframes.mp4"), "-i", str(root / "bframes.mp4"))
    ffmpeg(*late, "-map", "0:v", "-map", "1:a", "-c", "copy", str(root / "late_video.mp4"))
    make_vfr_video(root / "vfr.mp4", seconds=5)
    ffmpeg(
        "-display_rotation",
        "90",
        "-i",
        str(root / "bframes.mp4"),
        "-c",
        "copy",
        str(root / "rotated.mp4"),
    )
    ffmpeg("-i", str(root / "bframes.mp4"), "-c", "copy", "-f", "mov", str(root / "quicktime.mov"))
    make_video(root / "faststart.mp4", seconds=3, extra=("-movflags", "+faststart"))
    fragmented = ("-movflags", "frag_keyframe+empty_moov")
    make_video(root / "fragmented.mp4", seconds=3, extra=fragmented)
    return root


@pytest.mark.parametrize("name", ["small.mp4", "hd.mp4"])
def test_the_index_is_found_from_box_headers(media, name):
    """moov after the media data (ffmpeg's default): the index is ftyp, free and the media data
    box's header, then moov. One request finds it: a small file's whole, or a larger file's
    first and last blocks side by side."""
    data = (media / name).read_bytes()
    reads: list = []
    layout = layout_of(media / name, reads)
    mdat = data.index(b"mdat") - 4
    moov = data.rindex(b"moov") - 4
    assert layout == Layout(index=((0, mdat + 8), (moov, len(data))), media=((mdat + 8, moov),))
    if len(data) <= HEADER_READ + TAIL_READ:
        assert reads == [(0, len(data))]
    else:
        assert sorted(reads) == [(0, HEADER_READ), (len(data) - TAIL_READ, TAIL_READ)]
        assert sum(end - start for start, end in layout.index) < len(data) / 20


def test_a_box_header_in_neither_block_is_read_where_it_is(tmp_path):
    """A moov larger than the last block (a long source): its header is read at its offset."""
    moov = box(b"moov", b"\0" * (TAIL_READ + 10))
    data = box(b"ftyp", b"isom") + box(b"mdat", b"\1" * (2 * HEADER_READ)) + moov
    reads: list = []
    path = tmp_path / "long.mp4"
    path.write_bytes(data)
    layout = layout_of(path, reads)
    moov_at = len(data) - len(moov)
    assert layout.index == ((0, 20), (moov_at, len(data)))
    assert reads[2:] == [(moov_at, HEADER_READ)]


def test_faststart_keeps_the_index_in_front(sources):
    data = (sources / "faststart.mp4").read_bytes()
    layout = layout_of(sources / "faststart.mp4")
    assert len(layout.index) == 1 and layout.index[0][0] == 0
    assert layout.media == ((data.index(b"mdat") + 4, len(data)),)


def test_box_sizes_of_64_bits_and_to_the_end_of_the_file():
    moov = box(b"moov", b"\0" * 20)
    data = box(b"ftyp", b"isom") + box(b"mdat", b"\1" * 30, large=True) + moov
    assert from_bytes(data) == Layout(index=((0, 28), (58, 86)), media=((28, 58),))
    to_the_end = box(b"ftyp", b"isom") + moov + struct.pack(">I4s", 0, b"mdat") + b"\2" * 10
    assert from_bytes(to_the_end) == Layout(index=((0, 48),), media=((48, 58),))


@pytest.mark.parametrize(
    "name",
    ["odd.mkv", "text.mp4", "empty.mp4", "truncated.mp4", "truncated_faststart.mp4", "fragmented"],
)
def test_anything_but_a_whole_plain_mp4_has_no_layout(media, sources, name):
    """Other containers, non-media, a lost index (moov), media data cut short, fragments (their
    samples are not in moov): the split downloads those and cuts them as before."""
    path = sources / "fragmented.mp4" if name == "fragmented" else media / name
    assert layout_of(path) is None


def test_two_indexes_or_none_is_no_layout():
    mdat = box(b"mdat", b"\1" * 8)
    assert from_bytes(box(b"ftyp") + mdat) is None
    assert from_bytes(box(b"ftyp") + box(b"moov") + mdat + box(b"moov")) is None


def test_holds_ranges_inside_one_media_data_box():
    layout = Layout(index=((0, 16),), media=((16, 100), (200, 300)))
    assert layout.holds([(16, 100), (250, 260)])
    assert not layout.holds([(90, 210)])  # across two boxes
    assert not layout.holds([(100, 120)])  # outside


@pytest.mark.parametrize(
    "name", ["bframes.mp4", "hevc.mp4", "late_video.mp4", "vfr.mp4", "rotated.mp4", "quicktime.mov"]
)
def test_the_index_alone_probes_as_the_whole_file(sources, tmp_path, name):
    """Same media info and the same packets (keyframes included) from the index as from the
    file: without the parsers, which would look for keyframes in the holes."""
    source = sources / name
    layout = layout_of(source)
    copy = index_only_copy(source, layout.index, tmp_path / "index")
    assert probe_with_packets(copy, name, index_only=True) == probe_with_packets(source, name)


def packets_and_frames(path: Path) -> tuple[list, list]:
    """Each packet's size and key flag, and each decoded frame's checksum."""
    listing = ("-select_streams", "v:0", "-of", "csv=p=0", "-show_entries", "packet=size,flags")
    out = run_ffmpeg(["ffprobe", "-v", "error", *listing, str(path)])
    decoding = ("-map", "0:v:0", "-f", "framemd5", "-")
    frames = run_ffmpeg(["ffmpeg", "-v", "error", "-i", str(path), *decoding])
    return out.split(), [line.rsplit(",", 1)[-1] for line in frames.splitlines() if line[:1] != "#"]


@pytest.mark.parametrize(
    "name", ["bframes.mp4", "hevc.mp4", "late_video.mp4", "vfr.mp4", "rotated.mp4", "quicktime.mov"]
)
def test_a_chunk_copied_from_the_upload_is_the_chunk_the_split_cuts(sources, tmp_path, name):
    """From a copy holding only the index and the chunk's bytes, seeking to the chunk's seek
    time and copying its packets gives the split's chunk: same packets, same decoded frames."""
    source = sources / name
    layout = layout_of(source)
    info, time_base, packets = probe_with_packets(source, name)
    plan = plan_parts(packets, time_base, 1)
    chunks = source_chunks(packets, time_base, plan.chunk_starts)
    assert len(chunks) >= 2 and layout.holds([(c.first_byte, c.end_byte) for c in chunks])
    (tmp_path / "cut").mkdir()
    run_ffmpeg(split_command(source, tmp_path / "cut", list(plan.chunk_starts)))
    for number, (chunk, cut) in enumerate(
        zip(chunks, sorted((tmp_path / "cut").iterdir()), strict=True)
    ):
        ranges = [*layout.index, (chunk.first_byte, chunk.end_byte)]
        partial = index_only_copy(source, ranges, tmp_path / f"source-{number}")
        copied = tmp_path / f"copied-{number}.mp4"
        seek = None if chunk.seek is None else chunk.seek - info.start
        run_ffmpeg(chunk_copy_command(partial, copied, seek, chunk.packets))
        assert packets_and_frames(copied) == packets_and_frames(cut), f"chunk {number}"


def test_uncovered_is_what_no_fetched_block_holds():
    assert uncovered([(0, 48), (100, 160)], [(0, 64), (120, 140)]) == [(100, 120), (140, 160)]
    assert uncovered([(10, 20)], []) == [(10, 20)]
    assert uncovered([(10, 20)], [(0, 100)]) == []

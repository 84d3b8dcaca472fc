"""The ffmpeg command lines of the workflow (built with ffmpeg-python) and their geometry.

Frame-exact by construction: only the video is split (stream copy, so parts start on source
keyframes), each part is encoded video-only with its timestamps passed through, the encoded
parts are concatenated by stream copy and the source audio is added once, untouched by the split.
"""

from __future__ import annotations

import csv
from itertools import pairwise
from pathlib import Path

import ffmpeg

# Re-exported: the encoders size their output with it.
from media_common.ffmpeg_runner import FFMPEG_GLOBAL_ARGS
from media_common.geometry import output_size as output_size

PART_PATTERN = "%05d.mp4"  # same numbering as job_keys.part_key
AUDIO_BITRATE = "192k"  # when the source audio is not AAC and has to be encoded


def _compile(stream) -> list[str]:
    return stream.global_args(*FFMPEG_GLOBAL_ARGS).overwrite_output().compile()


def split_command(
    source: Path,
    parts_dir: Path,
    segment_list: Path,
    segment_seconds: int,
    audio: Path | None = None,
    copy_audio: bool = True,
) -> list[str]:
    """One read of the source: video parts by stream copy, and the audio track once.

    Parts are cut at the first keyframe at or after each multiple of `segment_seconds`, so a
    file with sparse keyframes gives fewer, longer parts (one keyframe: one part). Where each
    part starts goes to `segment_list` (CSV, see read_segment_list).
    """
    source_input = ffmpeg.input(str(source))
    outputs = [
        source_input["v:0"].output(
            str(parts_dir / PART_PATTERN),
            c="copy",
            f="segment",
            segment_time=segment_seconds,
            segment_format="mp4",
            reset_timestamps=1,
            segment_list=str(segment_list),
            segment_list_type="csv",
            # Part 0 starts at 0 like the others even when the video starts after the file
            # does (reset_timestamps leaves part 0 as it is, and its last frame then comes
            # out cut short). The offset is in the manifest; the merge restores it.
            avoid_negative_ts="make_zero",
        )
    ]
    if audio is not None:
        codec = {"c:a": "copy"} if copy_audio else {"c:a": "aac", "b:a": AUDIO_BITRATE}
        outputs.append(source_input["a:0"].output(str(audio), **codec))
    # -xerror: a read error (e.g. a truncated MP4) fails the split instead of ending it early.
    return _compile(ffmpeg.merge_outputs(*outputs).global_args("-xerror"))


def read_segment_list(path: Path) -> list[tuple[str, float]]:
    """(file name, start time) of each part, in order, from the split's CSV segment list."""
    with path.open(newline="") as handle:
        return [(row[0], float(row[1])) for row in csv.reader(handle)]


def part_spans(list_starts: list[float], part_starts: list[float], last: float) -> list[float]:
    """How long each part lasts in the source: from its first frame to the next part's first
    frame (`last`: the last part's own duration).

    A part's own duration can be short of that (Matroska's millisecond timestamps give the
    last frame a rounded duration), and over many parts the error would add up; concatenating
    by spans keeps every frame at its source time. The list gives where each part starts;
    part 0 keeps its timestamps (the others are reset to 0) and begins at its own start time.
    """
    firsts = [listed + own for listed, own in zip(list_starts, part_starts, strict=True)]
    return [round(following - first, 6) for first, following in pairwise(firsts)] + [last]


def encode_command(
    part: Path,
    out: Path,
    size: tuple[int, int],
    preset: str,
    crf: int,
    bitrate: str | None = None,
) -> list[str]:
    """H.264 video-only encode of one part, keeping every frame and its timestamp."""
    width, height = size
    rate = {"b:v": bitrate} if bitrate else {"crf": crf}
    video = ffmpeg.input(str(part))["v:0"].filter("scale", width, height).filter("setsar", 1)
    return _compile(
        video.output(
            str(out),
            vcodec="libx264",
            preset=preset,
            pix_fmt="yuv420p",
            # passthrough: no frame dropped or duplicated; demux time base: timestamps are not
            # rounded to 1/fps, so variable frame rate sources keep their exact timing.
            fps_mode="passthrough",
            enc_time_base="demux",
            **rate,
        )
    )


def frame_command(video: Path, out: Path, at_seconds: float) -> list[str]:
    """One frame of `video` at `at_seconds` as an image (format from `out`'s extension)."""
    return _compile(
        ffmpeg.input(str(video), ss=at_seconds)["v:0"].output(str(out), **{"frames:v": 1})
    )


def write_concat_list(list_path: Path, parts: list[Path], spans: list[float]) -> None:
    """A concat demuxer list placing each part `span` seconds after the previous one (parts
    sit next to the list, so their plain names pass the demuxer's "safe" check)."""
    lines = [
        f"file '{part.relative_to(list_path.parent).as_posix()}'\nduration {span:.6f}\n"
        for part, span in zip(parts, spans, strict=True)
    ]
    list_path.write_text("".join(lines))


def merge_command(
    concat_list: Path,
    out: Path,
    audio: Path | None = None,
    video_offset: float = 0.0,
    audio_offset: float = 0.0,
) -> list[str]:
    """Concatenate encoded parts (stream copy) and add the audio once, each stream at its
    offset in the source, for progressive playback (+faststart)."""
    streams = [ffmpeg.input(str(concat_list), f="concat", itsoffset=video_offset)["v:0"]]
    if audio is not None:
        streams.append(ffmpeg.input(str(audio), itsoffset=audio_offset)["a:0"])
    return _compile(ffmpeg.output(*streams, str(out), c="copy", movflags="+faststart"))


def rendition_command(
    source: Path,
    out: Path,
    size: tuple[int, int],
    preset: str,
    crf: int,
    bitrate: str | None,
    audio_bitrate: str,
    has_audio: bool,
) -> list[str]:
    """A whole file to one H.264/AAC rendition in a single pass, ready for progressive playback."""
    width, height = size
    rate = {"b:v": bitrate} if bitrate else {"crf": crf}
    source_input = ffmpeg.input(str(source))
    streams = [source_input["v:0"].filter("scale", width, height).filter("setsar", 1)]
    audio = {}
    if has_audio:
        streams.append(source_input["a:0"])
        audio = {"acodec": "aac", "b:a": audio_bitrate}
    return _compile(
        ffmpeg.output(
            *streams,
            str(out),
            vcodec="libx264",
            preset=preset,
            pix_fmt="yuv420p",
            fps_mode="passthrough",
            movflags="+faststart",
            **rate,
            **audio,
        )
    )

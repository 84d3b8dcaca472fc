"""The ffmpeg command lines of the workflow (built with ffmpeg-python) and their geometry.

Frame-exact by construction: only the video is split (stream copy into chunks starting at
keyframes; a part inside a chunk is decoded from the chunk's start and trimmed by frame count),
each part is encoded video-only with its timestamps passed through, the encoded parts are
concatenated by stream copy and the source audio is added once, untouched by the split.
"""

from __future__ import annotations

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
    chunk_starts: list[int],
    audio: Path | None = None,
    copy_audio: bool = True,
) -> list[str]:
    """One read of the source: the video by stream copy into chunks starting at the frames
    `chunk_starts` (keyframes, see parts.plan_parts; the first is 0), and the audio track once."""
    source_input = ffmpeg.input(str(source))
    later = [str(frame) for frame in chunk_starts if frame > 0]
    # Counted in packets as they arrive (decode order): at a clean cut that is the frame index.
    cuts = {"segment_frames": ",".join(later)} if later else {"segment_time": 10**9}
    outputs = [
        source_input["v:0"].output(
            str(parts_dir / PART_PATTERN),
            c="copy",
            f="segment",
            segment_format="mp4",
            reset_timestamps=1,
            # Chunk 0 starts at 0 like the others even when the video starts after the file
            # does (reset_timestamps leaves the first one as it is, and its last frame then
            # comes out cut short). The offset is in the manifest; the merge restores it.
            avoid_negative_ts="make_zero",
            **cuts,
        )
    ]
    if audio is not None:
        outputs.append(_audio_output(source_input, audio, copy_audio))
    # -xerror: a read error (e.g. a truncated MP4) fails the split instead of ending it early.
    return _compile(ffmpeg.merge_outputs(*outputs).global_args("-xerror"))


def audio_command(source: Path, audio: Path, copy_audio: bool = True) -> list[str]:
    """The audio track alone, as split_command extracts it."""
    return _compile(
        _audio_output(ffmpeg.input(str(source)), audio, copy_audio).global_args("-xerror")
    )


def _audio_output(source_input, audio: Path, copy_audio: bool):
    codec = {"c:a": "copy"} if copy_audio else {"c:a": "aac", "b:a": AUDIO_BITRATE}
    return source_input["a:0"].output(str(audio), **codec)


def chunk_copy_command(source: Path, out: Path, seek: float | None, packets: int) -> list[str]:
    """The chunk split_command would cut, from the source: seeking to `seek` (seconds after the
    file's start, between the chunk's keyframe and its next frame) lands on the keyframe
    (without -accurate_seek nothing after it is dropped), then `packets` packets are copied;
    the first chunk (`seek` None) from the start. Only the bytes it reads need to be in
    `source`: the index and the chunk's packets."""
    at = {} if seek is None else {"ss": f"{seek:.6f}", "noaccurate_seek": None}
    video = ffmpeg.input(str(source), **at)["v:0"]
    output = video.output(
        str(out), c="copy", avoid_negative_ts="make_zero", **{"frames:v": packets}
    )
    return _compile(output.global_args("-xerror"))


def encode_command(
    part: Path,
    out: Path,
    size: tuple[int, int],
    preset: str,
    crf: int,
    bitrate: str | None = None,
    skip: int = 0,
    frames: int | None = None,
) -> list[str]:
    """H.264 video-only encode of one part, keeping every frame and its timestamp: of the
    chunk `part`, the `frames` frames after the first `skip` (decoded, then dropped)."""
    width, height = size
    rate = {"b:v": bitrate} if bitrate else {"crf": crf}
    video = ffmpeg.input(str(part))["v:0"]
    if skip or frames is not None:
        end = {"end_frame": skip + frames} if frames is not None else {}
        video = video.trim(start_frame=skip, **end).setpts("PTS-STARTPTS")
    video = video.filter("scale", width, height).filter("setsar", 1)
    # Decoding stops once the part's frames are out.
    limit = {"frames:v": frames} if frames is not None else {}
    return _compile(
        video.output(
            str(out),
            **limit,
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

"""ffprobe: what a media file holds, and why it cannot be used when it cannot."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from media_common.errors import CorruptInputError, NotAVideoError, UnsupportedCodecError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.parts import Packet

# Decodable by the layer's ffmpeg and storable in MP4, which the split writes the parts as.
# (VP8, ProRes, FFV1 and the like decode, but the MP4 muxer refuses them.)
SUPPORTED_VIDEO_CODECS = frozenset(
    {"h264", "hevc", "mpeg4", "mpeg1video", "mpeg2video", "vp9", "av1", "mjpeg"}
)
# Demuxers for single pictures: an image named .mp4 has a "video" stream of one frame.
IMAGE_FORMAT = re.compile(r"image2|.*_pipe")
# A demuxer's own log line ("[mov,mp4,... @ 0x...] moov atom not found") shows the content was
# recognised as some container, so a failure after it means a damaged file, not a non-media one.
DEMUXER_MESSAGE = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\]", re.MULTILINE)


@dataclass(frozen=True)
class MediaInfo:
    format_name: str
    duration: float  # container duration: what a converted copy must match
    video_codec: str
    width: int
    height: int
    sar: Fraction  # sample (pixel) aspect ratio
    rotation: int  # display rotation in degrees; ffmpeg applies it when decoding
    fps: Fraction
    frames: int | None  # when the container records it (MP4 does)
    video_duration: float | None  # when the container records it per stream
    audio_codec: str | None
    audio_duration: float | None
    start: float  # presentation time where the file starts, and its streams
    video_start: float
    audio_start: float | None

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    # How long after the file's start each stream starts (e.g. the video 0.025 s after MP3
    # audio with encoder delay): the merge puts the streams back there to keep them in sync.
    @property
    def video_offset(self) -> float:
        return round(self.video_start - self.start, 6)

    @property
    def audio_offset(self) -> float:
        return round(self.audio_start - self.start, 6) if self.has_audio else 0.0

    @property
    def frame_duration(self) -> float:
        return float(1 / self.fps)


def probe(path: Path, label: str) -> MediaInfo:
    """Probe a local file; `label` (e.g. s3://bucket/key) names it in error messages.

    Give the file no extension: ffprobe then identifies the format by content only, so a text
    file named .mp4 reads as "not media" instead of as a broken MP4.
    """
    return parse_probe(_ffprobe(path, label), label)


def probe_with_packets(
    path: Path, label: str, index_only: bool = False
) -> tuple[MediaInfo, Fraction, list[Packet]]:
    """probe(), and in the same read the first video stream's time base and packets in decode
    order (read, not decoded: where its keyframes are, when each frame shows and where its bytes
    are in the file).

    `index_only`: an MP4/QuickTime file of which only the index is there (isobmff). Its packets
    are then listed as the index gives them, without the parsers, which read the packets'
    bytes (and would find no keyframe in zeros); for such files the lists are the same.
    """
    entries = "packet=stream_index,pts,dts,duration,flags,pos,size"
    unparsed = ("-fflags", "+noparse") if index_only else ()
    data = _ffprobe(path, label, *unparsed, "-show_entries", entries)
    info = parse_probe(data, label)
    video = next(s for s in data["streams"] if s.get("codec_type") == "video")  # ffmpeg's v:0
    packets = [
        Packet(
            pts,
            int(packet.get("duration") or 0),
            "K" in packet.get("flags", ""),
            int(packet.get("pos") or -1),
            int(packet.get("size") or 0),
        )
        for packet in data.get("packets", [])
        if packet.get("stream_index") == video.get("index")
        # Raw streams (H.264 in AVI, ...) may give decode times only.
        and (pts := packet.get("pts", packet.get("dts"))) is not None
    ]
    time_base = _rate(video.get("time_base"))
    if time_base is None or not packets:
        raise CorruptInputError(f"{label}: no video frame could be read")
    return info, time_base, packets


def _ffprobe(path: Path, label: str, *extra: str) -> dict:
    try:
        args = ("-v", "error", "-of", "json", "-show_format", "-show_streams", *extra)
        out = run_ffmpeg(["ffprobe", *args, str(path)])
    except FFmpegError as exc:
        raise probe_failure(exc, label) from exc
    return json.loads(out)


def probe_failure(exc: FFmpegError, label: str) -> Exception:
    """The named error for an ffprobe that could not read the file at all."""
    if exc.crashed:
        # The static build dies on some inputs (e.g. MPEG-TS with a service description table,
        # whose text decoding needs iconv modules a static binary cannot load).
        return UnsupportedCodecError(
            f"{label}: ffprobe {exc.status} reading it; this ffmpeg build cannot read the file's "
            "container (MPEG-TS is a known case)"
        )
    if DEMUXER_MESSAGE.search(exc.stderr):
        return CorruptInputError(f"{label} is a truncated or damaged media file: {exc.detail}")
    return NotAVideoError(f"{label} is not a media file: {exc.detail}")


def parse_probe(data: dict, label: str) -> MediaInfo:
    """MediaInfo from `ffprobe -of json -show_format -show_streams` output, or a named error."""
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    if not videos:
        kinds = ", ".join(f"{s.get('codec_type')} {s.get('codec_name')}" for s in streams)
        raise NotAVideoError(f"{label} has no video stream (streams: {kinds or 'none'})")
    format_name = fmt.get("format_name", "")
    if IMAGE_FORMAT.fullmatch(format_name):
        raise NotAVideoError(f"{label} is a still image ({format_name}), not a video")
    video = videos[0]
    codec = video.get("codec_name", "unknown")
    if codec not in SUPPORTED_VIDEO_CODECS:
        raise UnsupportedCodecError(
            f"{label}: video codec {codec} is not supported "
            f"(supported: {', '.join(sorted(SUPPORTED_VIDEO_CODECS))})"
        )
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    duration = _seconds(fmt.get("duration"))
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    if not (width and height and duration and fps):
        raise CorruptInputError(
            f"{label}: unreadable video parameters (size {width}x{height}, "
            f"duration {fmt.get('duration')}, frame rate {video.get('avg_frame_rate')})"
        )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    start = _start(fmt, 0.0)
    return MediaInfo(
        format_name=format_name,
        duration=duration,
        video_codec=codec,
        width=width,
        height=height,
        sar=_rate(video.get("sample_aspect_ratio"), ":") or Fraction(1),
        rotation=_rotation(video),
        fps=fps,
        frames=int(video["nb_frames"]) if (video.get("nb_frames") or "").isdigit() else None,
        video_duration=_stream_duration(video),
        audio_codec=audio.get("codec_name", "unknown") if audio else None,
        audio_duration=_stream_duration(audio) if audio else None,
        start=start,
        video_start=_start(video, start),
        audio_start=_start(audio, start) if audio else None,
    )


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds > 0 else None


def _start(entry: dict, default: float) -> float:
    try:
        return float(entry["start_time"])
    except (KeyError, TypeError, ValueError):
        return default


def _rate(value: str | None, sep: str = "/") -> Fraction | None:
    """ "30000/1001" -> Fraction; None for absent or 0/0 (ffprobe's "unknown")."""
    num, _, den = (value or "").partition(sep)
    if not (num.isdigit() and den.isdigit()) or int(num) == 0 or int(den) == 0:
        return None
    return Fraction(int(num), int(den))


def _stream_duration(stream: dict) -> float | None:
    """The stream's duration; Matroska has none but ffmpeg-written files carry a DURATION tag."""
    seconds = _seconds(stream.get("duration"))
    tag = stream.get("tags", {}).get("DURATION", "")
    if seconds is None and (match := re.fullmatch(r"(\d+):(\d\d):(\d\d(?:\.\d+)?)", tag)):
        hours, minutes, secs = match.groups()
        seconds = int(hours) * 3600 + int(minutes) * 60 + float(secs)
    return seconds


def _rotation(video: dict) -> int:
    for side_data in video.get("side_data_list", []):
        if "rotation" in side_data:
            return int(side_data["rotation"])
    return 0

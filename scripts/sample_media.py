"""Generate test media with ffmpeg and measure it exactly (frames, durations, streams); used by
the tests, the demo and the benchmarks."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def make_video(
    path: Path,
    seconds: float = 4,
    size: str = "320x180",
    fps: str = "30",
    gop: int | None = 60,
    audio: str | None = "aac",
    vcodec: str = "libx264",
    pix_fmt: str = "yuv420p",
    extra: tuple[str, ...] = (),
) -> Path:
    """testsrc2 (+ a sine tone) with a keyframe every `gop` frames (None: only the first)."""
    # The format filter first: testsrc2 would round an odd size down to even for yuv420p.
    video = f"testsrc2=size={size}:rate={fps}:duration={seconds},format={pix_fmt}"
    args = ["-f", "lavfi", "-i", video]
    if audio:
        tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
        args += ["-f", "lavfi", "-i", tone, "-c:a", audio]
    args += ["-c:v", vcodec]
    if vcodec == "libx264":
        # A fixed keyframe interval (no scene-cut keyframes) makes the parts predictable.
        keyint = str(gop or 100_000)
        args += ["-preset", "ultrafast", "-crf", "30", "-pix_fmt", pix_fmt]
        args += ["-g", keyint, "-keyint_min", keyint, "-sc_threshold", "0"]
    ffmpeg(*args, *extra, str(path))
    return path


def make_vfr_video(path: Path, seconds: float = 4, size: str = "320x180", **options) -> Path:
    """A variable-frame-rate clip, as phones make them: 30 fps for the first half, 15 fps (every
    other frame dropped, the others at their own times) for the second; make_video's options."""
    half = f"select='lt(t,{seconds / 2})+not(mod(n,2))'"
    extra = ("-vf", half, "-fps_mode", "vfr", *options.pop("extra", ()))
    return make_video(path, seconds, size, extra=extra, **options)


def measure(path: Path) -> dict:
    """Exact figures of a media file: decoded frame count, durations, size, codecs."""
    args = ["-v", "error", "-count_frames", "-of", "json", "-show_format", "-show_streams"]
    raw = json.loads(
        subprocess.run(
            ["ffprobe", *args, str(path)], check=True, capture_output=True, text=True
        ).stdout
    )
    video = next(s for s in raw["streams"] if s["codec_type"] == "video")
    audio = next((s for s in raw["streams"] if s["codec_type"] == "audio"), None)
    num, den = (int(x) for x in video["avg_frame_rate"].split("/"))
    packets = ["-select_streams", "v:0", "-show_entries", "packet=pts_time", "-of", "csv=p=0"]
    times = subprocess.run(
        ["ffprobe", "-v", "error", *packets, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {
        "duration": float(raw["format"]["duration"]),
        "frames": int(video["nb_read_frames"]),
        "frame": den / num,
        "fps": video["avg_frame_rate"],
        "width": int(video["width"]),
        "height": int(video["height"]),
        "video_codec": video["codec_name"],
        "audio_codec": audio["codec_name"] if audio else None,
        "audio_duration": stream_duration(audio) if audio else None,
        # Presentation times of the frames from the first, and the audio's lead over the video.
        "frame_times": [float(t) - float(video["start_time"]) for t in sorted(times, key=float)],
        "audio_lead": float(video["start_time"]) - float(audio["start_time"]) if audio else None,
    }


def audio_stream(path: Path) -> dict:
    """Codec, duration and packet count of the first audio stream."""
    args = ["-select_streams", "a:0", "-show_entries", "stream=codec_name,duration,nb_frames"]
    out = subprocess.run(
        ["ffprobe", "-v", "error", *args, "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)["streams"][0]


def keyframe_times(path: Path) -> list[float]:
    """Presentation times of the video's keyframes (only they are decoded)."""
    args = ["-select_streams", "v:0", "-skip_frame", "nokey", "-show_entries", "frame=pts_time"]
    out = subprocess.run(
        ["ffprobe", "-v", "error", *args, "-of", "csv=p=0", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [float(line.split(",")[0]) for line in out.split()]


def audio_md5(path: Path) -> str:
    """MD5 of the first audio stream's packets as stored (no decoding): equal if and only if
    the audio is bit-identical."""
    args = ["-i", str(path), "-map", "0:a:0", "-c", "copy", "-f", "md5", "-"]
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def stream_duration(stream: dict) -> float:
    """Seconds; Matroska streams have no duration, only ffmpeg's DURATION tag (H:MM:SS.s)."""
    if "duration" in stream:
        return float(stream["duration"])
    hours, minutes, seconds = stream["tags"]["DURATION"].split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)

"""Generate test media with ffmpeg and measure what comes out (duration, frames, streams)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path


def make_clip(
    path: Path,
    seconds: float,
    width: int = 1920,
    height: int = 1080,
    fps: int = 30,
    audio: bool = True,
    gop: int | None = None,
) -> Path:
    """A testsrc2 clip (+ a sine tone), H.264/AAC, keyframe every ``gop`` frames (default 2 s)."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    codecs = [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(gop or 2 * fps),
        "-keyint_min",
        str(gop or 2 * fps),
        "-sc_threshold",
        "0",
    ]
    if audio:
        codecs += ["-c:a", "aac", "-b:a", "96k"]
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", *inputs, *codecs, "-shortest", str(path)], check=True
    )
    return path


def probe(path: Path) -> dict:
    """Duration, size, exact frame count and audio duration of a media file."""
    raw = json.loads(
        subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-count_frames",
                "-show_streams",
                "-show_format",
                "-of",
                "json",
                str(path),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    video = next(s for s in raw["streams"] if s["codec_type"] == "video")
    audio = next((s for s in raw["streams"] if s["codec_type"] == "audio"), None)
    num, den = (int(x) for x in video["r_frame_rate"].split("/"))
    return {
        "duration": float(raw["format"]["duration"]),
        "width": int(video["width"]),
        "height": int(video["height"]),
        "fps": num / den,
        "frames": int(video["nb_read_frames"]),
        "video_codec": video["codec_name"],
        "audio_codec": audio["codec_name"] if audio else None,
        "audio_duration": float(audio["duration"]) if audio else None,
    }

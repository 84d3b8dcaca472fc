"""ffprobe output -> MediaInfo, and each unusable input -> its named error."""

from __future__ import annotations

import shutil
from fractions import Fraction

import pytest
from media_common.errors import CorruptInputError, NotAVideoError, UnsupportedCodecError
from media_common.ffmpeg_runner import FFmpegError
from media_common.probe import parse_probe, probe, probe_failure

VIDEO = {
    "codec_type": "video",
    "codec_name": "h264",
    "width": 1920,
    "height": 1080,
    "avg_frame_rate": "30000/1001",
    "r_frame_rate": "30000/1001",
    "sample_aspect_ratio": "1:1",
    "start_time": "0.000000",
    "duration": "10.010000",
    "nb_frames": "300",
}
AUDIO = {"codec_type": "audio", "codec_name": "aac", "start_time": "0.0", "duration": "10.0"}
FORMAT = {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "10.010000", "start_time": "0"}


def parse(streams, **fmt):
    return parse_probe({"streams": streams, "format": {**FORMAT, **fmt}}, "s3://b/k")


def test_parses_an_mp4():
    info = parse([VIDEO, AUDIO])
    assert (info.width, info.height, info.fps, info.frames) == (
        1920,
        1080,
        Fraction(30000, 1001),
        300,
    )
    assert (info.duration, info.video_duration, info.audio_codec) == (10.01, 10.01, "aac")
    assert (info.sar, info.rotation, info.video_offset, info.audio_offset) == (1, 0, 0, 0)
    assert info.frame_duration == pytest.approx(1001 / 30000)


def test_parses_matroska_durations_rotation_and_offsets():
    video = {
        **VIDEO,
        "duration": None,
        "nb_frames": None,
        "avg_frame_rate": "0/0",  # unknown: falls back to r_frame_rate
        "sample_aspect_ratio": "0:1",  # unknown: square pixels
        "tags": {"DURATION": "01:02:03.500000000"},
        "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}],
    }
    audio = {**AUDIO, "codec_name": "mp3", "start_time": "-0.025000"}
    info = parse([video, audio], start_time="-0.025000")
    assert (info.video_duration, info.frames, info.fps) == (3723.5, None, Fraction(30000, 1001))
    assert (info.sar, info.rotation) == (1, -90)
    assert (info.video_offset, info.audio_offset) == (0.025, 0.0)


@pytest.mark.parametrize(
    ("streams", "fmt", "error", "message"),
    [
        ([AUDIO], {}, NotAVideoError, r"no video stream \(streams: audio aac\)"),
        ([], {}, NotAVideoError, r"no video stream \(streams: none\)"),
        (
            [AUDIO, {**VIDEO, "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}],
            {},
            NotAVideoError,
            "no video stream",  # cover art is not a video
        ),
        ([VIDEO], {"format_name": "png_pipe"}, NotAVideoError, r"still image \(png_pipe\)"),
        ([{**VIDEO, "codec_name": "vp8"}], {}, UnsupportedCodecError, "video codec vp8 is not"),
        ([{**VIDEO, "codec_name": None}], {}, UnsupportedCodecError, "codec None is not"),
        ([{**VIDEO, "width": 0}], {}, CorruptInputError, r"size 0x1080"),
        ([VIDEO], {"duration": "N/A"}, CorruptInputError, "duration N/A"),
        (
            [{**VIDEO, "avg_frame_rate": "0/0", "r_frame_rate": "0/0"}],
            {},
            CorruptInputError,
            "frame rate 0/0",
        ),
    ],
)
def test_unusable_inputs(streams, fmt, error, message):
    with pytest.raises(error, match=message):
        parse(streams, **fmt)


@pytest.mark.parametrize(
    ("returncode", "stderr", "error"),
    [
        (1, "source: Invalid data found when processing input\n", NotAVideoError),
        (
            1,
            "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x2e7a] moov atom not found\nsource: Invalid data found\n",
            CorruptInputError,
        ),
        (-11, "", UnsupportedCodecError),  # the static build crashes on MPEG-TS service tables
    ],
)
def test_probe_failures_are_classified(returncode, stderr, error):
    exc = probe_failure(FFmpegError("ffprobe", returncode, stderr), "s3://b/k")
    assert isinstance(exc, error)
    assert str(exc).startswith("s3://b/k")


def test_crash_message_names_the_signal():
    assert "killed by SIGSEGV" in str(FFmpegError("ffprobe", -11, ""))


def test_probes_real_files(media, tmp_path):
    hd = probe(media / "hd.mp4", "hd")
    assert (hd.width, hd.height, hd.frames, hd.fps, hd.audio_codec) == (1920, 1080, 240, 30, "aac")
    odd = probe(media / "odd.mkv", "odd")
    assert (odd.width, odd.height, odd.fps, odd.audio_codec) == (
        641,
        361,
        Fraction(30000, 1001),
        "mp3",
    )
    assert odd.video_duration == pytest.approx(5.005)
    assert probe(media / "rotated.mp4", "rotated").rotation in (90, -90)
    # The file's name does not matter: the split downloads to a name without extension.
    shutil.copy(media / "text.mp4", tmp_path / "source")
    with pytest.raises(NotAVideoError):
        probe(tmp_path / "source", "text")
    shutil.copy(media / "truncated.mp4", tmp_path / "source")
    with pytest.raises(CorruptInputError):
        probe(tmp_path / "source", "truncated")

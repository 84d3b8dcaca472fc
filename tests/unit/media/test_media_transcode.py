"""ffmpeg command lines and geometry; the split and encode on real files."""

from __future__ import annotations

from fractions import Fraction

import pytest
from media_common.ffmpeg_runner import run_ffmpeg
from media_common.probe import probe
from media_common.transcode import (
    encode_command,
    output_size,
    part_spans,
    read_segment_list,
    split_command,
    write_concat_list,
)
from sample_media import audio_stream, ffmpeg, measure


@pytest.mark.parametrize(
    ("source", "max_height", "sar", "rotation", "expected"),
    [
        ((1920, 1080), 720, 1, 0, (1280, 720)),
        ((1920, 1080), 1080, 1, 0, (1920, 1080)),
        ((1280, 720), 1080, 1, 0, (1280, 720)),  # never upscaled
        ((641, 361), 720, 1, 0, (640, 360)),  # smaller: kept, made even
        ((641, 361), 240, 1, 0, (426, 240)),
        ((1920, 1080), 721, 1, 0, (1280, 720)),  # an odd maximum is made even
        ((1440, 1080), 720, Fraction(4, 3), 0, (1280, 720)),  # anamorphic: square pixels out
        ((1920, 1080), 720, 1, 90, (404, 720)),  # shown rotated: portrait
        ((1920, 1080), 720, 1, -270, (404, 720)),
        ((1920, 1080), 720, 1, 180, (1280, 720)),
    ],
)
def test_output_size(source, max_height, sar, rotation, expected):
    size = output_size(*source, max_height, Fraction(sar), rotation)
    assert size == expected
    assert size[0] % 2 == 0 and size[1] % 2 == 0


def test_encode_command_uses_crf_or_bitrate(tmp_path):
    command = encode_command(tmp_path / "p.mp4", tmp_path / "o.mp4", (1280, 720), "veryfast", 23)
    text = " ".join(command)
    assert "[0:v:0]scale=1280:720[s0];[s0]setsar=1[s1]" in text
    for option in ("-vcodec libx264", "-preset veryfast", "-crf 23", "-pix_fmt yuv420p"):
        assert option in text
    assert "-fps_mode passthrough" in text and "-enc_time_base demux" in text
    assert "-an" not in text and "0:a" not in text  # video only: one map, the filter output
    with_bitrate = encode_command(tmp_path / "p", tmp_path / "o", (2, 2), "fast", 23, "3M")
    assert "-b:v" in with_bitrate and "-crf" not in with_bitrate


def test_part_spans_place_parts_by_their_first_frames():
    # Part 0 keeps its timestamps (first frame at 0.08 s, B-frame delay); the others start at 0.
    assert part_spans([0.0, 2.08, 4.08], [0.08, 0.0, 0.0], 1.0) == [2.0, 2.0, 1.0]
    # Matroska at 30000/1001: millisecond times, so parts are 1.602 s and not 1.601 s.
    assert part_spans([0.0, 1.602, 3.203], [0.0, 0.0, 0.0], 0.2) == [1.602, 1.601, 0.2]


def test_concat_list_has_each_part_and_its_span(tmp_path):
    write_concat_list(
        tmp_path / "l.txt", [tmp_path / "00000.mp4", tmp_path / "00001.mp4"], [2, 1.5]
    )
    assert (tmp_path / "l.txt").read_text() == (
        "file '00000.mp4'\nduration 2.000000\nfile '00001.mp4'\nduration 1.500000\n"
    )


@pytest.mark.parametrize(
    ("name", "seconds", "parts"), [("small.mp4", 1, 3), ("one_keyframe.mp4", 1, 1)]
)
def test_split_cuts_at_keyframes_only(media, tmp_path, name, seconds, parts):
    listing = tmp_path / "parts.csv"
    audio = tmp_path / "audio.m4a"
    run_ffmpeg(split_command(media / name, tmp_path, listing, 1, audio, copy_audio=True))
    listed = read_segment_list(listing)
    assert [file for file, _ in listed] == [f"{i:05d}.mp4" for i in range(parts)]
    assert [start for _, start in listed] == pytest.approx([2.0 * i for i in range(parts)])
    infos = [probe(tmp_path / file, file) for file, _ in listed]
    assert all(info.audio_codec is None for info in infos)  # the parts are video only
    assert sum(info.frames for info in infos) == measure(media / name)["frames"]
    assert audio_stream(audio) == audio_stream(media / name)  # copied, untouched


def test_split_encodes_other_audio_to_aac(media, tmp_path):
    audio = tmp_path / "audio.m4a"
    run_ffmpeg(
        split_command(media / "odd.mkv", tmp_path, tmp_path / "l.csv", 10, audio, copy_audio=False)
    )
    assert probe(tmp_path / "00000.mp4", "part").video_codec == "h264"
    assert audio_stream(audio)["codec_name"] == "aac"


def test_encode_keeps_variable_frame_timing(tmp_path):
    """Timestamps are not rounded to 1/fps: a variable frame rate source keeps its timing."""
    source = tmp_path / "vfr.mp4"
    jitter = "settb=1/90000,setpts='(N/30+if(eq(mod(N\\,7)\\,3)\\,0.011\\,0))/TB'"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=30:duration=2", "-vf", jitter),
        *("-fps_mode", "passthrough", "-enc_time_base", "filter", "-c:v", "libx264"),
        *("-preset", "ultrafast", str(source)),
    )
    encoded = tmp_path / "encoded.mp4"
    run_ffmpeg(encode_command(source, encoded, (160, 90), "ultrafast", 30))
    before, after = measure(source), measure(encoded)
    assert 0.111 in [round(t, 6) for t in before["frame_times"]]
    assert after["frame_times"] == pytest.approx(before["frame_times"], abs=1e-6)
    assert after["frames"] == before["frames"] == 60

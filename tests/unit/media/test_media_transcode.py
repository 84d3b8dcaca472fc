"""ffmpeg command lines and geometry; the split and encode on real files."""

from __future__ import annotations

from fractions import Fraction
from itertools import pairwise

import pytest
from media_common.ffmpeg_runner import run_ffmpeg
from media_common.probe import probe, probe_with_packets
from media_common.transcode import (
    encode_command,
    output_size,
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


def test_concat_list_has_each_part_and_its_span(tmp_path):
    write_concat_list(
        tmp_path / "l.txt", [tmp_path / "00000.mp4", tmp_path / "00001.mp4"], [2, 1.5]
    )
    assert (tmp_path / "l.txt").read_text() == (
        "file '00000.mp4'\nduration 2.000000\nfile '00001.mp4'\nduration 1.500000\n"
    )


@pytest.mark.parametrize(("name", "starts"), [("small.mp4", [0, 60, 120]), ("small.mp4", [0, 120])])
def test_split_cuts_chunks_at_the_given_keyframes(media, tmp_path, name, starts):
    audio = tmp_path / "audio.m4a"
    run_ffmpeg(split_command(media / name, tmp_path, starts, audio, copy_audio=True))
    files = sorted(tmp_path.glob("0*.mp4"))
    assert [file.name for file in files] == [f"{i:05d}.mp4" for i in range(len(starts))]
    infos = [probe(file, file.name) for file in files]
    assert all(info.audio_codec is None for info in infos)  # the chunks are video only
    assert [info.frames for info in infos] == [
        b - a for a, b in pairwise([*starts, measure(media / name)["frames"]])
    ]
    assert audio_stream(audio) == audio_stream(media / name)  # copied, untouched


def test_split_encodes_other_audio_to_aac(media, tmp_path):
    audio = tmp_path / "audio.m4a"
    run_ffmpeg(split_command(media / "odd.mkv", tmp_path, [0], audio, copy_audio=False))
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


def test_encode_keeps_the_frames_of_its_part_only(media, tmp_path):
    """A part inside a chunk: decoded from the chunk's keyframe, `skip` frames dropped, exactly
    `frames` kept, each at its time from the part's first frame."""
    source = media / "one_keyframe.mp4"
    encoded = tmp_path / "encoded.mp4"
    run_ffmpeg(encode_command(source, encoded, (160, 90), "ultrafast", 30, skip=37, frames=23))
    before, after = measure(source), measure(encoded)
    assert after["frames"] == 23
    wanted = [t - before["frame_times"][37] for t in before["frame_times"][37:60]]
    assert after["frame_times"] == pytest.approx(wanted, abs=2e-6)  # ffprobe: µs, rounded


def test_probe_with_packets_lists_every_video_frame_in_decode_order(media):
    info, time_base, packets = probe_with_packets(media / "small.mp4", "small")
    assert info == probe(media / "small.mp4", "small")
    assert len(packets) == measure(media / "small.mp4")["frames"] == 180
    assert [index for index, packet in enumerate(packets) if packet.keyframe] == [0, 60, 120]
    assert float(packets[60].pts * time_base) == pytest.approx(2.0, abs=0.05)

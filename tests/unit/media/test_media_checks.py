"""The input checks (split, fan-out transcode) and the merge's verification, as pure functions."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest
from lambda_common.errors import ConfigurationError
from media_common.errors import (
    CorruptInputError,
    EmptyInputError,
    InputTooLargeError,
    MergeVerificationError,
)
from media_common.input_size import check_input_size
from media_common.manifest import Manifest, Part
from media_common.probe import MediaInfo
from media_common.settings import SplitConfig
from media_merge.handler import check_retimed_parts, verify_output
from media_split.handler import check_complete, check_locations

GB = 1 << 30


def media_info(**fields) -> MediaInfo:
    values = dict(
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        duration=10.0,
        video_codec="h264",
        width=1280,
        height=720,
        sar=Fraction(1),
        rotation=0,
        fps=Fraction(25),
        frames=250,
        video_duration=10.0,
        audio_codec="aac",
        audio_duration=10.0,
        start=0.0,
        video_start=0.0,
        audio_start=0.0,
    )
    return MediaInfo(**(values | fields))


MANIFEST = Manifest(
    job_id="j",
    source_bucket="b",
    source_key="k.mp4",
    source_etag="e",
    duration=10.0,
    fps="25",
    frames=250,
    width=1920,
    height=1080,
    sar="1:1",
    rotation=0,
    has_audio=True,
    audio_key="jobs/j/audio.m4a",
    video_offset=0.0,
    audio_offset=0.0,
    output_key="out/k.mp4",
    thumbnail_key="out/k.jpg",
    parts=(Part(0, "jobs/j/parts/00000.mp4", 10.0, 250, "jobs/j/parts/00000.mp4"),),
)


def test_manifest_round_trips_through_json():
    assert Manifest.from_json(MANIFEST.to_json()) == MANIFEST
    assert MANIFEST.frame_duration == 0.04
    assert MANIFEST.sample_aspect_ratio == 1
    in_source = replace(
        MANIFEST,
        parts=(Part(0, "jobs/j/parts/00000.mp4", 10.0, 250, None, 0, 0.0, (48, 9000), None, 250),),
        source_size=10_000,
        source_index=((0, 48), (9000, 10_000)),
        audio_in_map=True,
        audio_codec="aac",
    )
    assert Manifest.from_json(in_source.to_json()) == in_source  # ranges come back as tuples


def test_a_manifest_written_before_an_upgrade_is_read_and_an_unknown_one_refused():
    """Version 2 (chunks cut by the split, no upload ranges): a job split by the functions
    before an upgrade finishes with the new ones."""
    data = json.loads(MANIFEST.to_json())
    for field in ("source_size", "source_index", "audio_in_map", "audio_codec"):
        del data[field]
    for part in data["parts"]:
        for field in ("byte_range", "seek", "chunk_packets"):
            del part[field]
    assert Manifest.from_json(json.dumps(data | {"version": 2})) == replace(MANIFEST, version=2)
    with pytest.raises(ValueError, match=r"manifest version 4 is not one of \(2, 3\)"):
        Manifest.from_json(json.dumps(data | {"version": 4}))


@pytest.mark.parametrize(
    ("size", "max_bytes", "free", "error", "message"),
    [
        (0, None, GB, EmptyInputError, "s3://b/k is 0 bytes"),
        (2000, 1000, GB, InputTooLargeError, "2000 bytes, over MAX_INPUT_BYTES=1000"),
        (GB, None, 2 * GB, InputTooLargeError, "needs about 3221225472 bytes .* 2147483648 are"),
        (GB, 2 * GB, 3 * GB - 1, InputTooLargeError, "splitting it needs about 3221225472"),
    ],
)
def test_check_input_size_rejects(size, max_bytes, free, error, message):
    with pytest.raises(error, match=message):
        check_input_size("s3://b/k", size, free, max_bytes, "splitting")


def test_check_input_size_accepts():
    check_input_size("s3://b/k", GB, 3 * GB, 2 * GB)
    check_input_size("s3://b/k", GB, 3 * GB)  # no MAX_INPUT_BYTES


CONFIG = SplitConfig("work", "jobs/", "out", "converted/", 60, None)


@pytest.mark.parametrize(
    ("bucket", "key", "config"),
    [
        ("out", "converted/a.mp4", CONFIG),
        ("work", "jobs/abc/parts/00000.mp4", CONFIG),
        ("src", "a.mp4", SplitConfig("work", "jobs/", "src", "", 60, None)),  # every key
    ],
)
def test_check_locations_refuses_our_own_files(bucket, key, config):
    with pytest.raises(ConfigurationError, match="would loop"):
        check_locations(bucket, key, config)


def test_check_locations_allows_uploads():
    check_locations("src", "converted/a.mp4", CONFIG)
    check_locations("out", "uploads/a.mp4", CONFIG)


def test_check_complete():
    check_complete("s3://b/k", media_info(), 9.93)  # within two frames
    check_complete("s3://b/k", media_info(video_duration=None), 1.0)  # nothing announced
    with pytest.raises(CorruptInputError, match=r"announces 10\.000 s of video, only 5\.000 s"):
        check_complete("s3://b/k", media_info(), 5.0)


def test_verify_output_accepts_a_match_within_a_frame():
    verify_output("o", media_info(duration=10.04), MANIFEST, MANIFEST.frames)
    verify_output("o", media_info(duration=9.96), MANIFEST, MANIFEST.frames)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"duration": 10.041}, r"lasts 10\.041000 s, the source 10\.000000 s"),
        ({"frames": 249}, "has 249 frames, the source 250"),
        ({"audio_codec": None}, "has no audio"),
        ({"duration": 11.0, "frames": 251}, r"apart\); has 251 frames"),
    ],
)
def test_verify_output_rejects(fields, message):
    with pytest.raises(MergeVerificationError, match=message):
        verify_output("s3://o/k", media_info(**fields), MANIFEST, MANIFEST.frames)


# A variable-frame-rate source (22.5 fps on average) in two parts of 5 s: 120 and 105 frames.
VFR = replace(
    MANIFEST,
    fps="45/2",
    frames=225,
    variable_frame_rate=True,
    parts=(
        Part(0, "jobs/j/parts/00000.mp4", 5.0, 120, "jobs/j/parts/00000.mp4"),
        Part(1, "jobs/j/parts/00001.mp4", 5.0, 105, "jobs/j/parts/00001.mp4"),
    ),
)


def test_parts_mediaconvert_retimed_are_taken_at_their_rate():
    """MediaConvert made one part 24 fps (120 frames over 5 s) and kept the other's frames."""
    parts = [media_info(fps=Fraction(24), frames=120), media_info(fps=Fraction(21), frames=105)]
    assert check_retimed_parts("o", parts, VFR) == 225
    retimed = [media_info(fps=Fraction(24), frames=121), media_info(fps=Fraction(24), frames=119)]
    assert check_retimed_parts("o", retimed, VFR) == 240
    merged = media_info(duration=10.03, fps=Fraction(24), frames=240)
    verify_output("o", merged, VFR, 240, retimed=True)  # within a frame of each rate


@pytest.mark.parametrize(
    ("fps", "frames"),
    [(24, 122), (25, 125), (24, 100)],
    ids=["two-frames-over", "not-a-mediaconvert-rate", "frames-lost"],
)
def test_a_retimed_part_off_its_rate_is_refused(fps, frames):
    parts = [media_info(fps=Fraction(fps), frames=frames), media_info(frames=105)]
    with pytest.raises(MergeVerificationError, match="part 0 has"):
        check_retimed_parts("o", parts, VFR)


def test_a_merge_that_loses_a_retimed_frame_is_refused():
    with pytest.raises(MergeVerificationError, match="has 239 frames, its encoded parts 240"):
        verify_output("o", media_info(fps=Fraction(24), frames=239), VFR, 240, retimed=True)

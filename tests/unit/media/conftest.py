"""Fixtures for the media-convert functions: generated media, mocked AWS, a Lambda context.

Media is made with ffmpeg once per session (testsrc2 + sine); nothing is committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from media_testlib import OUTPUT_BUCKET, SOURCE_BUCKET, WORK_BUCKET
from moto import mock_aws
from sample_media import ffmpeg, make_video

ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "WORK_BUCKET": WORK_BUCKET,
    "WORK_PREFIX": "jobs/",
    "OUTPUT_BUCKET": OUTPUT_BUCKET,
    "OUTPUT_PREFIX": "converted/",
    "SEGMENT_DURATION": "2",
    "OUTPUT_HEIGHT": "360",
    "VIDEO_CRF": "28",
    "X264_PRESET": "ultrafast",
    "THUMBNAIL_WIDTH": "160",
    "CLEANUP_INTERMEDIATE": "true",
}


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    """Directory of generated inputs, good and bad (see the names below)."""
    root = tmp_path_factory.mktemp("media")
    make_video(root / "hd.mp4", seconds=8, size="1920x1080")
    make_video(root / "small.mp4", seconds=6)
    make_video(root / "silent.mp4", seconds=4, audio=None)
    # 4:4:4 allows an odd frame size in H.264 (4:2:0 needs even sides).
    odd = {"size": "641x361", "fps": "30000/1001", "gop": 48, "pix_fmt": "yuv444p"}
    make_video(root / "odd.mkv", seconds=5, audio="mp3", **odd)
    make_video(root / "one_keyframe.mp4", seconds=3, gop=None)
    make_video(root / "short.mp4", seconds=0.4)
    make_video(root / "rotated_src.mp4", seconds=2, size="320x240")
    rotated = ("-display_rotation", "90", "-i", str(root / "rotated_src.mp4"), "-c", "copy")
    ffmpeg(*rotated, str(root / "rotated.mp4"))
    make_video(root / "ffv1.mkv", seconds=1, size="160x90", vcodec="ffv1", audio=None)
    make_video(root / "audio_only.m4a", seconds=1, audio="aac", extra=("-vn",))
    whole = (root / "small.mp4").read_bytes()  # moov at the end: the index is lost
    (root / "truncated.mp4").write_bytes(whole[: len(whole) // 2])
    make_video(root / "faststart.mp4", seconds=4, extra=("-movflags", "+faststart"))
    whole = (root / "faststart.mp4").read_bytes()  # index intact, media data cut
    (root / "truncated_faststart.mp4").write_bytes(whole[: len(whole) // 2])
    whole = (root / "odd.mkv").read_bytes()
    (root / "truncated.mkv").write_bytes(whole[: len(whole) // 2])
    (root / "text.mp4").write_text("this is not a video at all\n" * 100)
    (root / "empty.mp4").write_bytes(b"")
    picture = ("-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1", "-f", "image2")
    ffmpeg(*picture, "-c:v", "png", str(root / "picture.mp4"))
    return root


@dataclass
class Context:
    """The attributes of a Lambda context the handlers and Powertools use."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@pytest.fixture
def context() -> Context:
    return Context()


@pytest.fixture
def env(monkeypatch) -> dict:
    """Every function's settings (tests override single ones with monkeypatch.setenv)."""
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return ENV


@pytest.fixture
def s3(env):
    """Mocked S3 with the source, work and output buckets."""
    with mock_aws():
        client = boto3.client("s3")
        for bucket in (SOURCE_BUCKET, WORK_BUCKET, OUTPUT_BUCKET):
            client.create_bucket(Bucket=bucket)
        yield client

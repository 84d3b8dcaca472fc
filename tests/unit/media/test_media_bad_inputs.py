"""Every kind of bad upload fails the split with its named error, and leaves nothing behind."""

from __future__ import annotations

import pytest
from lambda_common.errors import ConfigurationError
from media_cleanup.handler import lambda_handler as cleanup_handler
from media_common.errors import (
    CorruptInputError,
    EmptyInputError,
    InputTooLargeError,
    NotAVideoError,
    UnsupportedCodecError,
)
from media_split.handler import lambda_handler as split_handler
from media_testlib import OUTPUT_BUCKET, SOURCE_BUCKET, WORK_BUCKET, keys


@pytest.mark.parametrize(
    ("name", "error", "cause"),
    [
        ("empty.mp4", EmptyInputError, r"s3://uploads/in/empty.mp4 is 0 bytes"),
        ("text.mp4", NotAVideoError, r"is not a media file: .*Invalid data"),
        ("picture.mp4", NotAVideoError, r"is a still image \(png_pipe\)"),
        ("audio_only.m4a", NotAVideoError, r"has no video stream \(streams: audio aac\)"),
        ("truncated.mp4", CorruptInputError, r"truncated or damaged .*moov atom not found"),
        ("truncated_faststart.mp4", CorruptInputError, r"could not be split: .*corrupt input"),
        ("truncated.mkv", CorruptInputError, r"is truncated: it announces 5\.005 s of video"),
        ("ffv1.mkv", UnsupportedCodecError, r"video codec ffv1 is not supported"),
    ],
)
def test_bad_input_raises_its_named_error(s3, context, media, name, error, cause):
    key = f"in/{name}"
    s3.upload_file(str(media / name), SOURCE_BUCKET, key)
    etag = s3.head_object(Bucket=SOURCE_BUCKET, Key=key)["ETag"].strip('"')
    with pytest.raises(error, match=cause):
        split_handler({"bucket": SOURCE_BUCKET, "key": key, "etag": etag}, context)

    assert keys(s3, OUTPUT_BUCKET) == []
    # What the state machine's Catch hands the cleanup: the execution input and the error.
    state = {
        "source": {"bucket": SOURCE_BUCKET, "key": key, "etag": etag, "size": 1},
        "error": {"Error": error.__name__, "Cause": "..."},
    }
    cleanup_handler(state, context)
    assert keys(s3, WORK_BUCKET) == []


def test_input_over_max_input_bytes_is_too_large(s3, context, media, monkeypatch):
    monkeypatch.setenv("MAX_INPUT_BYTES", "1000")
    s3.upload_file(str(media / "small.mp4"), SOURCE_BUCKET, "big.mp4")
    with pytest.raises(InputTooLargeError, match=r"over MAX_INPUT_BYTES=1000"):
        split_handler({"bucket": SOURCE_BUCKET, "key": "big.mp4"}, context)


def test_our_own_outputs_are_not_converted_again(s3, context, media, monkeypatch):
    """With the trigger on the output bucket, each result would start another execution."""
    monkeypatch.setenv("OUTPUT_BUCKET", SOURCE_BUCKET)
    s3.upload_file(str(media / "small.mp4"), SOURCE_BUCKET, "converted/a.mp4")
    with pytest.raises(ConfigurationError, match="inside OUTPUT_BUCKET/OUTPUT_PREFIX"):
        split_handler({"bucket": SOURCE_BUCKET, "key": "converted/a.mp4"}, context)


def test_missing_setting_names_the_variable(s3, context, monkeypatch):
    monkeypatch.delenv("SEGMENT_DURATION")
    with pytest.raises(ConfigurationError, match="SEGMENT_DURATION is not set"):
        split_handler({"bucket": SOURCE_BUCKET, "key": "a.mp4"}, context)

"""Settings: read from the environment in one place, with errors naming the variable."""

from __future__ import annotations

import pytest
from lambda_common.errors import ConfigurationError
from media_common.settings import CleanupConfig, EncodeConfig, MergeConfig, SplitConfig, StartConfig

SPLIT = {
    "WORK_BUCKET": "w",
    "WORK_PREFIX": "jobs",
    "OUTPUT_BUCKET": "o",
    "SEGMENT_DURATION": "60",
}
ENCODE = {"OUTPUT_BUCKET": "o", "OUTPUT_HEIGHT": "720", "THUMBNAIL_WIDTH": "320"}


def test_split_settings_and_prefix_normalisation():
    config = SplitConfig.from_env({**SPLIT, "OUTPUT_PREFIX": "/out/", "MAX_INPUT_BYTES": "10"})
    assert config == SplitConfig("w", "jobs/", "o", "out/", 60, 10)
    assert SplitConfig.from_env(SPLIT).output_prefix == ""
    assert SplitConfig.from_env(SPLIT).max_input_bytes is None


def test_encode_defaults_and_bitrate():
    config = EncodeConfig.from_env(ENCODE)
    assert (config.crf, config.bitrate, config.preset) == (23, None, "veryfast")
    config = EncodeConfig.from_env({**ENCODE, "VIDEO_BITRATE": "3M", "X264_PRESET": "slow"})
    assert (config.bitrate, config.preset) == ("3M", "slow")


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("FALSE", False), ("0", False), ("", True)]
)
def test_cleanup_flag(value, expected):
    env = {"OUTPUT_BUCKET": "o", "CLEANUP_INTERMEDIATE": value}
    assert MergeConfig.from_env(env).cleanup_intermediate is expected
    env = {"WORK_BUCKET": "w", "CLEANUP_INTERMEDIATE": value}
    assert CleanupConfig.from_env(env).cleanup_intermediate is expected


@pytest.mark.parametrize(
    ("load", "env", "message"),
    [
        (StartConfig.from_env, {}, "STATE_MACHINE_ARN is not set"),
        (StartConfig.from_env, {"STATE_MACHINE_ARN": "sm"}, "STATE_MACHINE_ARN='sm' is not"),
        (SplitConfig.from_env, {**SPLIT, "WORK_BUCKET": " "}, "WORK_BUCKET is not set"),
        (SplitConfig.from_env, {**SPLIT, "SEGMENT_DURATION": "1.5"}, "not an integer"),
        (SplitConfig.from_env, {**SPLIT, "SEGMENT_DURATION": "0"}, "SEGMENT_DURATION=0 must"),
        (SplitConfig.from_env, {**SPLIT, "MAX_INPUT_BYTES": "-1"}, "MAX_INPUT_BYTES=-1 must"),
        (EncodeConfig.from_env, {**ENCODE, "VIDEO_CRF": "52"}, "between 0 and 51"),
        (EncodeConfig.from_env, {**ENCODE, "VIDEO_BITRATE": "fast"}, "VIDEO_BITRATE='fast'"),
        (EncodeConfig.from_env, {**ENCODE, "X264_PRESET": "quick"}, "X264_PRESET='quick'"),
        (EncodeConfig.from_env, {"OUTPUT_BUCKET": "o"}, "OUTPUT_HEIGHT is not set"),
        (MergeConfig.from_env, {"OUTPUT_BUCKET": "o", "CLEANUP_INTERMEDIATE": "y"}, "true or"),
        (CleanupConfig.from_env, {}, "WORK_BUCKET is not set"),
    ],
)
def test_invalid_settings_raise_configuration_error(load, env, message):
    with pytest.raises(ConfigurationError, match=message):
        load(env)

"""Long sources: a rendition whose single pass would not finish within the transcoder's timeout
is made in parts instead of timing out, being redelivered and dead-lettered.

The transcoder stages the announced upload in the work bucket (CopyObject If-Match its ETag, so
the parts are made from exactly that upload, whatever is uploaded to the key meanwhile) and
starts its rendition's parts state machine: media-convert's own split, encode (one part per
invocation, the rendition's settings) and merge functions, then this transcoder again, which
publishes the merged rendition as it publishes its own (the upload's sequencer decides, with a
conditional write) or, when a step failed, dead-letters the message with the step's error.

Work bucket layout (the module's `<name>-work`; every prefix also expires by lifecycle):

    sources/<rendition>/<digest>/<file name>       the staged upload (the split's input)
    jobs/<job id>/...                              media-convert's job files (split, merge)
    renditions/sources/<rendition>/<digest>/...    the merged rendition (the split's
                                                   OUTPUT_PREFIX is renditions/)
"""

from __future__ import annotations

import json
import math
import os
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from botocore.exceptions import ClientError
from lambda_common.env import env_int, env_text
from lambda_common.errors import ConfigurationError
from lambda_common.naming import digest, object_digest
from lambda_common.s3 import delete_prefix
from media_common import scale_model
from media_common.probe import MediaInfo

from fanout_transcode.ordering import Upload

STAGED_PREFIX = "sources/"
MERGED_PREFIX = "renditions/"


@dataclass(frozen=True)
class PartsConfig:
    state_machine_arn: str
    work_bucket: str
    max_input_bytes: int  # what the split's /tmp holds (scale_model.max_input_bytes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> PartsConfig:
        arn = env_text("PARTS_STATE_MACHINE_ARN", env=env)
        if not arn.startswith("arn:") or ":stateMachine:" not in arn:
            raise ConfigurationError(f"PARTS_STATE_MACHINE_ARN={arn!r} is not a state machine ARN")
        return cls(
            state_machine_arn=arn,
            work_bucket=env_text("WORK_BUCKET", env=env),
            max_input_bytes=env_int("PARTS_MAX_INPUT_BYTES", minimum=1, env=env),
        )


@dataclass(frozen=True)
class Route:
    """What the transcoder needs to decide between one pass and parts, and to start the parts."""

    config: PartsConfig
    sfn: object  # boto3 Step Functions client
    memory_mb: int
    remaining_s: Callable[[], float]  # seconds left in this invocation
    message_id: str
    receive_count: int = 1

    @property
    def redelivered(self) -> bool:
        """An earlier attempt did not finish: often a timeout the model did not foresee, which
        one more single pass would only repeat."""
        return self.receive_count > 1


def staged_key(rendition: str, upload: Upload) -> str:
    upload_digest = object_digest(upload.bucket, upload.key, upload.etag)
    return f"{STAGED_PREFIX}{rendition}/{upload_digest}/{posixpath.basename(upload.key)}"


def work_prefixes(staged: str) -> list[str]:
    """The staged upload's own prefixes: itself, and the merged rendition and thumbnail the
    media-convert functions wrote for it."""
    folder = staged.rpartition("/")[0] + "/"
    return [folder, f"{MERGED_PREFIX}{folder}"]


ENDED_UNSUCCESSFULLY = ("FAILED", "TIMED_OUT", "ABORTED")


def execution_name(rendition: str, upload: Upload) -> str:
    """One execution per upload and rendition: a redelivered or duplicate message (S3 events
    and SNS deliver at least once) starts no second one."""
    return f"{rendition}-{digest(rendition, upload.bucket, upload.key, upload.etag)}"


def retry_name(name: str, message_id: str) -> str:
    """The execution of a dead letter redriven after the upload's execution failed (that one
    dead-lettered its message): one per redriven message."""
    return f"{name}-{digest(message_id)[:8]}"


def too_large_for_one_pass(size: int | None, free_bytes: int) -> bool:
    return size is not None and size * scale_model.TEMP_SPACE_FACTOR > free_bytes


def fits_one_pass(info: MediaInfo, height: int, preset: str, route: Route) -> bool:
    """The scale model's single pass of this source, within the share of the time left, on a
    first delivery."""
    if route.redelivered:
        return False
    frames = info.frames or math.ceil(info.duration * float(info.fps))
    source = scale_model.Source(
        size_bytes=0,
        duration_s=info.duration,
        frame=scale_model.Frame(info.width, info.height),
        fps=frames / info.duration if info.duration else float(info.fps),
        has_audio=info.has_audio,
    )
    return scale_model.fits_in_process(source, height, preset, route.memory_mb, route.remaining_s())


def hand_off(upload: Upload, rendition: str, route: Route, s3) -> dict | None:
    """Stages the upload and starts its parts execution; None when the key holds another upload
    by now (the copy's If-Match fails): superseded, like a single pass's download."""
    key = staged_key(rendition, upload)
    try:
        copied = s3.copy_object(
            Bucket=route.config.work_bucket,
            Key=key,
            CopySource={"Bucket": upload.bucket, "Key": upload.key},
            CopySourceIfMatch=upload.etag,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("PreconditionFailed", "412"):
            return None
        raise
    name = execution_name(rendition, upload)
    execution_input = {
        # media-convert's execution input (its split and cleanup read these three)
        "bucket": route.config.work_bucket,
        "key": key,
        "etag": copied["CopyObjectResult"]["ETag"].strip('"'),
        # what the publish and dead-letter steps need
        "message": upload.as_message(),
        "messageId": route.message_id,
        "receiveCount": route.receive_count,
    }
    arn = start(route, name, execution_input)
    if arn is None:  # this upload's execution exists: running, done, or failed and dead-lettered
        existing = (
            f"{route.config.state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}"
        )
        status = route.sfn.describe_execution(executionArn=existing)["status"]
        arn = existing
        if status in ENDED_UNSUCCESSFULLY:
            arn = start(route, retry_name(name, route.message_id), execution_input) or existing
    return {"parts": arn, "staged": key}


def start(route: Route, name: str, execution_input: dict) -> str | None:
    """The started execution's ARN; None when one of that name exists."""
    try:
        return route.sfn.start_execution(
            stateMachineArn=route.config.state_machine_arn,
            name=name,
            input=json.dumps(execution_input),
        )["executionArn"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
            raise
        return None


def clear_staged(s3, work_bucket: str, staged: str) -> int:
    return sum(delete_prefix(s3, work_bucket, prefix) for prefix in work_prefixes(staged))

"""Transcodes the uploads queued for one rendition.

Messages are processed one by one and failures reported per message (ReportBatchItemFailures),
so one bad video is redelivered alone and, after the queue's maxReceiveCount, lands in its
dead-letter queue while the others complete. Redelivered or duplicate messages are cheap: an
output already made from the same source version (its ETag in the output's metadata) is kept.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError
from lambda_common.errors import MissingPermissionError, is_access_denied
from lambda_common.metrics import MetricUnit, workflow_metrics
from lambda_common.naming import normalise_etag
from media_common.errors import CorruptInputError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.input_size import check_input_size
from media_common.job_keys import output_keys
from media_common.probe import probe
from media_common.settings import RenditionConfig
from media_common.transcode import output_size, rendition_command

logger = Logger(service="fanout_transcode")
metrics = workflow_metrics("fanout_transcode")
processor = BatchProcessor(event_type=EventType.SQS)

SOURCE_ETAG = "source-etag"  # output metadata naming the source version it was made from


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config = RenditionConfig.from_env()
    s3 = boto3.client("s3")

    def handle(record: SQSRecord) -> dict:
        message = json.loads(record.body)
        try:
            result = transcode_message(message, config, s3)
        except Exception as exc:
            # Logged with its name and cause; the record is reported failed and redelivered.
            logger.error(
                "transcoding failed",
                extra={"key": message.get("key"), "error": type(exc).__name__, "cause": str(exc)},
            )
            raise
        if not result.get("skipped"):
            metrics.add_metric(name="RenditionsDelivered", unit=MetricUnit.Count, value=1)
        return result

    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )


def transcode_message(message: dict, config: RenditionConfig, s3) -> dict:
    bucket, key = message["bucket"], message["key"]
    etag = normalise_etag(message.get("etag", ""))
    out_key = output_keys(config.output_prefix, key)[0]
    logger.append_keys(rendition=config.name, key=key)
    if existing_output_etag(s3, config.output_bucket, out_key) == etag:
        logger.info("already transcoded from this source version", extra={"output": out_key})
        return {"output": out_key, "skipped": True}
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        source, result = Path(tmp) / "source", Path(tmp) / "rendition.mp4"
        size = fetch_source(s3, bucket, key, source)
        info = probe(source, f"s3://{bucket}/{key}")  # NotAVideoError, CorruptInputError, …
        frame = output_size(
            info.width,
            info.height,
            config.output_height,
            info.sar,
            info.rotation,
            upscale=config.allow_upscale,
        )
        command = rendition_command(
            source,
            result,
            frame,
            config.preset,
            config.crf,
            config.bitrate,
            config.audio_bitrate,
            info.has_audio,
        )
        try:
            run_ffmpeg(command)
        except FFmpegError as exc:
            if exc.crashed:
                raise
            raise CorruptInputError(
                f"s3://{bucket}/{key} could not be decoded and encoded: {exc.detail}"
            ) from exc
        # A PUT is atomic: readers see the whole rendition or none, never a partial file.
        s3.upload_file(
            str(result),
            config.output_bucket,
            out_key,
            ExtraArgs={"ContentType": "video/mp4", "Metadata": {SOURCE_ETAG: etag}},
        )
    logger.info("transcoded", extra={"output": out_key, "size": frame, "sourceBytes": size})
    return {"output": out_key, "width": frame[0], "height": frame[1]}


def existing_output_etag(s3, bucket: str, key: str) -> str | None:
    """The source ETag an existing output was made from; None when there is no output yet.

    S3 answers the HEAD of a missing key with 404 only if the caller may list the bucket, else
    with 403 (HeadObject, Amazon S3 API Reference): a 403 here is a deployment without that grant.
    """
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return None
        if is_access_denied(exc):
            raise MissingPermissionError(
                f"HeadObject of s3://{bucket}/{key} was denied (403): the role needs s3:GetObject"
                f" on the output and s3:ListBucket on {bucket} (prefix of the output) so that a"
                " missing output reads as 404"
            ) from exc
        raise
    return head.get("Metadata", {}).get(SOURCE_ETAG)


def fetch_source(s3, bucket: str, key: str, path: Path) -> int:
    try:
        size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    except ClientError as exc:
        if not is_access_denied(exc):
            raise
        # Without s3:ListBucket on the input bucket, a deleted upload also reads as 403.
        raise MissingPermissionError(
            f"HeadObject of s3://{bucket}/{key} was denied (403): the upload was deleted, or is"
            " outside what the role may read (s3:GetObject on the input prefix)"
        ) from exc
    free = shutil.disk_usage(path.parent).free
    check_input_size(f"s3://{bucket}/{key}", size, free, work="transcoding")
    s3.download_file(bucket, key, str(path))
    return size

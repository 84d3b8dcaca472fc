"""Transcodes the uploads queued for one rendition.

Messages are processed one by one and failures reported per message (ReportBatchItemFailures),
so one bad video is redelivered alone while the others complete; its last failed receive sends it
to the dead-letter queue with the reason attached (dead_letters.py).

SQS does not keep order, and a key can be uploaded again while an older upload is still being
transcoded. So each message transcodes exactly the upload it announces (GetObject If-Match its
ETag: a key overwritten since is skipped as superseded), and an output is replaced only by a
later upload's, by the S3 event sequencers (ordering.py) and a conditional PutObject that fails
if another transcoder wrote the output in between.

A source whose single pass would not finish within the function's timeout (the scale model's
prediction) is made in parts by the rendition's parts state machine instead (long_source.py),
which invokes this function again to publish the merged rendition or to dead-letter the message.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from contextlib import closing
from datetime import UTC, datetime
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
from media_common.errors import CorruptInputError, InputTooLargeError
from media_common.ffmpeg_runner import FFmpegError, run_ffmpeg
from media_common.input_size import check_input_size
from media_common.job_keys import output_keys
from media_common.probe import probe
from media_common.settings import RenditionConfig
from media_common.transcode import output_size, rendition_command

from fanout_transcode import long_source
from fanout_transcode.audio import audio_command
from fanout_transcode.dead_letters import dead_letter_attributes, failure_record
from fanout_transcode.long_source import PartsConfig, Route
from fanout_transcode.ordering import Decision, Output, Upload, decide

logger = Logger(service="fanout_transcode")
metrics = workflow_metrics("fanout_transcode")
processor = BatchProcessor(event_type=EventType.SQS)

# Output metadata naming the upload it was made from.
SOURCE_ETAG = "source-etag"
SOURCE_SEQUENCER = "source-sequencer"
# S3's answers to a conditional write whose condition no longer holds: 412 (the ETag changed, or
# an object now exists), 409 (a concurrent conditional write), 404 (If-Match on a deleted output).
WRITE_CONFLICTS = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "412", "409"}
# Each conflict means another transcoder of an older upload wrote first (a newer one ends the
# loop as superseded): a handful of attempts covers any realistic burst of uploads of one key.
WRITE_ATTEMPTS = 5
DOWNLOAD_CHUNK = 8 * 1024 * 1024


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    config, parts = RenditionConfig.from_env(), PartsConfig.from_env()
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    if event.get("partsStep") == "publish":  # the parts state machine's last steps
        with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
            return publish_parts(event, config, parts, s3, Path(tmp))
    if event.get("partsStep") == "dead-letter":
        return dead_letter_parts(event, config, parts, s3, sqs, context)
    sfn = boto3.client("stepfunctions")

    def handle(record: SQSRecord) -> dict:
        route = Route(
            config=parts,
            sfn=sfn,
            memory_mb=int(context.memory_limit_in_mb),
            remaining_s=lambda: context.get_remaining_time_in_millis() / 1000,
            message_id=record.message_id,
            receive_count=int(record.attributes.approximate_receive_count),
        )
        try:
            return transcode_message(Upload.from_body(record.body), config, s3, route)
        except Exception as exc:
            receive_count = int(record.attributes.approximate_receive_count)
            logger.error(
                "transcoding failed",
                extra={
                    "messageId": record.message_id,
                    "receiveCount": receive_count,
                    "error": type(exc).__name__,
                    "cause": str(exc),
                },
            )
            if receive_count < config.max_receive_count:
                raise  # reported failed: SQS delivers it again
            return dead_letter(sqs, config, record, exc, receive_count, context)

    return process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )


def dead_letter(sqs, config: RenditionConfig, record: SQSRecord, error, receive_count, context):
    """Sends the message to the dead-letter queue with its failure record; the original is then
    deleted as processed. If this send fails, the record fails and SQS's redrive moves it."""
    failure = failure_record(
        type(error).__name__,
        str(error),
        rendition=config.name,
        message_id=record.message_id,
        receive_count=receive_count,
        request_id=context.aws_request_id,
        function_name=context.function_name,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    sqs.send_message(
        QueueUrl=config.dead_letter_queue_url,
        MessageBody=record.body,
        MessageAttributes=dead_letter_attributes(record.get("messageAttributes") or {}, failure),
    )
    metrics.add_metric(name="DeadLetteredMessages", unit=MetricUnit.Count, value=1)
    logger.error("dead-lettered", extra={"failure": failure})
    return {"deadLettered": record.message_id, "error": failure["error"]}


def transcode_message(
    upload: Upload, config: RenditionConfig, s3, route: Route | None = None
) -> dict:
    """One upload to the rendition: in one pass here, or handed to the parts state machine when
    `route` is given and the source is too long or too large for this function."""
    bucket, key = upload.bucket, upload.key
    out_key = output_keys(config.output_prefix, key)[0]
    logger.append_keys(rendition=config.name, key=key, sequencer=upload.sequencer)
    output = existing_output(s3, config.output_bucket, out_key)
    decision = decide(upload, output)
    if decision is not Decision.TRANSCODE:
        return skipped(decision, out_key, output)
    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
        if route and long_source.too_large_for_one_pass(upload.size, shutil.disk_usage(tmp).free):
            return hand_off(upload, config, route, s3, out_key, output, "too large for /tmp")
        source, result = Path(tmp) / "source", Path(tmp) / "rendition.mp4"
        size = fetch_source(s3, upload, source)
        if size is None:
            return skipped(Decision.SUPERSEDED, out_key, output)
        info = probe(source, f"s3://{bucket}/{key}")  # NotAVideoError, CorruptInputError, …
        if route and not long_source.fits_one_pass(
            info, config.output_height, config.preset, route
        ):
            reason = "redelivered" if route.redelivered else "too long for one pass"
            return hand_off(upload, config, route, s3, out_key, output, reason)
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
        decision = write_output(s3, config.output_bucket, out_key, result, upload, output)
    if decision is not Decision.TRANSCODE:
        return skipped(decision, out_key, existing_output(s3, config.output_bucket, out_key))
    logger.info("transcoded", extra={"output": out_key, "size": frame, "sourceBytes": size})
    metrics.add_metric(name="RenditionsDelivered", unit=MetricUnit.Count, value=1)
    return {"output": out_key, "width": frame[0], "height": frame[1]}


def hand_off(
    upload: Upload, config: RenditionConfig, route: Route, s3, out_key, output, reason: str
) -> dict:
    """The message is done once its parts execution has started (or had started before)."""
    if upload.size is not None and upload.size > route.config.max_input_bytes:
        raise InputTooLargeError(
            f"s3://{upload.bucket}/{upload.key} is {upload.size} bytes: {reason}, and over the"
            f" {route.config.max_input_bytes} bytes the parts' split can hold"
        )
    started = long_source.hand_off(upload, config.name, route, s3)
    if started is None:
        return skipped(Decision.SUPERSEDED, out_key, output)
    logger.info("handed to the parts state machine", extra={"reason": reason, **started})
    metrics.add_metric(name="LongSourcesInParts", unit=MetricUnit.Count, value=1)
    return {"output": out_key, **started}


def publish_parts(event: dict, config: RenditionConfig, parts: PartsConfig, s3, workdir) -> dict:
    """The parts state machine's Publish step: the merged rendition (video from the encoded
    parts, the source's audio) gets the rendition's audio bitrate and is written as a single
    pass's output would be, if its upload is still the latest; the work files go."""
    upload = Upload.from_body(json.dumps(event["message"]))
    out_key = output_keys(config.output_prefix, upload.key)[0]
    logger.append_keys(rendition=config.name, key=upload.key, sequencer=upload.sequencer)
    merged = event["merged"]
    output = existing_output(s3, config.output_bucket, out_key)
    decision = decide(upload, output)
    if decision is Decision.TRANSCODE:
        local, result = workdir / "merged.mp4", workdir / "rendition.mp4"
        s3.download_file(merged["bucket"], merged["key"], str(local))
        if merged["hasAudio"]:
            run_ffmpeg(audio_command(local, result, config.audio_bitrate))
        else:
            result = local
        decision = write_output(s3, config.output_bucket, out_key, result, upload, output)
    long_source.clear_staged(s3, parts.work_bucket, event["key"])
    if decision is not Decision.TRANSCODE:
        return skipped(decision, out_key, existing_output(s3, config.output_bucket, out_key))
    logger.info("transcoded", extra={"output": out_key, "frames": merged["frames"], "parts": True})
    metrics.add_metric(name="RenditionsDelivered", unit=MetricUnit.Count, value=1)
    return {"output": out_key, "width": merged["width"], "height": merged["height"]}


def dead_letter_parts(event: dict, config, parts: PartsConfig, s3, sqs, context) -> dict:
    """The parts state machine's Catch: the message goes to the rendition's dead-letter queue
    with the failed step's error, as a single pass's last failed receive would send it."""
    long_source.clear_staged(s3, parts.work_bucket, event["key"])
    error = event.get("error") or {}
    failure = failure_record(
        error.get("Error") or "States.Runtime",
        error.get("Cause") or "",
        rendition=config.name,
        message_id=event["messageId"],
        receive_count=event["receiveCount"],
        request_id=context.aws_request_id,
        function_name=context.function_name,
        time=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    message = event["message"]
    sqs.send_message(
        QueueUrl=config.dead_letter_queue_url,
        MessageBody=json.dumps(message),
        MessageAttributes=dead_letter_attributes(
            {"key": {"dataType": "String", "stringValue": message["key"]}}, failure
        ),
    )
    metrics.add_metric(name="DeadLetteredMessages", unit=MetricUnit.Count, value=1)
    logger.error("dead-lettered after its parts failed", extra={"failure": failure})
    return {"deadLettered": event["messageId"], "error": failure["error"]}


def skipped(decision: Decision, out_key: str, output: Output | None) -> dict:
    """A message that needs no (more) work: deleted as processed, neither failed nor
    dead-lettered."""
    extra = {"output": out_key, "outputSequencer": output.source_sequencer if output else None}
    if decision is Decision.SUPERSEDED:
        logger.info("superseded by a later upload of the key", extra=extra)
        metrics.add_metric(name="SupersededMessages", unit=MetricUnit.Count, value=1)
    else:
        logger.info("already transcoded from this upload", extra=extra)
    return {"output": out_key, "skipped": decision.value}


def write_output(s3, bucket, key, path: Path, upload: Upload, output: Output | None) -> Decision:
    """Writes the rendition only over the output it decided to replace (PutObject If-Match its
    ETag, or If-None-Match * when there was none); when another transcoder wrote in between, it
    decides again on what that one wrote. TRANSCODE means written."""
    metadata = {SOURCE_ETAG: upload.etag, SOURCE_SEQUENCER: upload.sequencer}
    for _ in range(WRITE_ATTEMPTS):
        condition = {"IfMatch": output.etag} if output else {"IfNoneMatch": "*"}
        try:
            # A PUT is atomic: readers see the whole rendition or none, never a partial file.
            with path.open("rb") as body:
                s3.put_object(
                    Bucket=bucket,
                    Key=key,
                    Body=body,
                    ContentType="video/mp4",
                    Metadata=metadata,
                    **condition,
                )
            return Decision.TRANSCODE
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in WRITE_CONFLICTS:
                raise
        output = existing_output(s3, bucket, key)
        decision = decide(upload, output)
        if decision is not Decision.TRANSCODE:
            return decision
    raise OutputConflictError(
        f"s3://{bucket}/{key} was rewritten by other transcoders {WRITE_ATTEMPTS} times while"
        " this one tried to write it; the message is delivered again"
    )


class OutputConflictError(Exception):
    """Other transcoders kept rewriting the output between this one's reads and writes."""


def existing_output(s3, bucket: str, key: str) -> Output | None:
    """The output already written, None when there is none yet.

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
    metadata = head.get("Metadata", {})
    return Output(
        etag=head["ETag"],
        source_etag=metadata.get(SOURCE_ETAG),
        source_sequencer=metadata.get(SOURCE_SEQUENCER),
    )


def fetch_source(s3, upload: Upload, path: Path) -> int | None:
    """Downloads the announced upload and returns its size; None when the key holds another
    object by now (GetObject If-Match answers 412): a later upload, whose own message follows."""
    bucket, key = upload.bucket, upload.key
    try:
        response = s3.get_object(Bucket=bucket, Key=key, IfMatch=upload.etag)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("PreconditionFailed", "412"):
            return None
        if not is_access_denied(exc):
            raise
        # Without s3:ListBucket on the input bucket, a deleted upload also reads as 403.
        raise MissingPermissionError(
            f"GetObject of s3://{bucket}/{key} was denied (403): the upload was deleted, or is"
            " outside what the role may read (s3:GetObject on the input prefix)"
        ) from exc
    with closing(response["Body"]) as body:
        size = response["ContentLength"]
        free = shutil.disk_usage(path.parent).free
        check_input_size(f"s3://{bucket}/{key}", size, free, work="transcoding")
        with path.open("wb") as file:
            shutil.copyfileobj(body, file, DOWNLOAD_CHUNK)
    return size

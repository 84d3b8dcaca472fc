"""`make load`: bounded bursts through the four workflows and the three known races, on the local
AWS, with every input accounted for.

    .venv/bin/python scripts/load_suite.py [--uploads 20] [--riders 8] [--keep]
    .venv/bin/python scripts/load_suite.py --endpoint URL --state build/demo/terraform

The first form starts the local AWS and applies `terraform/examples/local` (as `make demo`
does); the second reuses the stack of a local AWS left running by `make demo --keep` or
`make load --keep`. Each input ends as an output, a dead letter (with its reason) or a
notification; anything else by the deadline is lost, and an input handled twice is a duplicate.
It prints a table of the scenarios, then the Lambda sandboxes left; the exit status is 1 when
anything was lost or duplicated, a race's expectation failed, or a function kept more
sandboxes than the runtime's cap. The e2e modules run the same scenarios at a small size.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import retail_data
import sample_photos
from demo import ApplyProgress
from localaws.process import ROOT, LocalAwsProcess
from sample_media import make_video, measure
from tfroot import TerraformRoot
from workflow_runs import run_execution

EXAMPLE = ROOT / "terraform" / "examples" / "local"
LOAD_DIR = ROOT / "build" / "load"
# ffmpeg for the sample clips: the dev build linked into .venv/bin.
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
POLL = 0.5
RACE_GAP = 1.0  # seconds from the long upload to the short one in the overwrite race


@dataclass
class Tally:
    """What became of one scenario's inputs."""

    scenario: str
    inputs: int = 0
    outputs: int = 0
    dead_letters: dict[str, str] = field(default_factory=dict)  # input -> reason
    notifications: int = 0
    duplicates: int = 0
    lost: list[str] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # a race's expectations not met

    @property
    def per_minute(self) -> float:
        return self.inputs * 60 / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.lost or self.failures)


COLUMNS = ("inputs", "outputs", "dead letters", "notifications", "duplicates", "lost")


def table(tallies: list[Tally]) -> str:
    width = max(len(t.scenario) for t in tallies)
    lines = [f"{'scenario':<{width}}  " + "  ".join(COLUMNS) + "  uploads/min"]
    for t in tallies:
        values = (t.inputs, t.outputs, len(t.dead_letters), t.notifications, t.duplicates)
        cells = [f"{v:>{len(c)}}" for v, c in zip((*values, len(t.lost)), COLUMNS, strict=True)]
        lines.append(f"{t.scenario:<{width}}  " + "  ".join(cells) + f"  {t.per_minute:>11.1f}")
    for t in tallies:
        lines += [f"  {t.scenario}: dead letter {k}: {r}" for k, r in t.dead_letters.items()]
        lines += [f"  {t.scenario}: LOST {k}" for k in t.lost]
        lines += [f"  {t.scenario}: FAILED {f}" for f in t.failures]
    return "\n".join(lines)


# --- helpers -----------------------------------------------------------------------------------


def put(s3, bucket: str, key: str, body: bytes | Path) -> str:
    data = body.read_bytes() if isinstance(body, Path) else body
    return s3.put_object(Bucket=bucket, Key=key, Body=data)["ETag"].strip('"')


def upload_all(s3, bucket: str, files: dict[str, bytes | Path]) -> dict[str, str]:
    """Uploads at once (8 at a time); the ETag of each key."""
    with ThreadPoolExecutor(8) as pool:
        etags = pool.map(lambda item: put(s3, bucket, *item), files.items())
        return dict(zip(files, etags, strict=True))


def drain(sqs, url: str, keep) -> list[dict]:
    """Takes (deletes) the visible messages of a queue whose body `keep` accepts; others are
    made visible again at once."""
    taken = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            handle = message["ReceiptHandle"]
            if keep(message["Body"]):
                sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
                taken.append(message)
            else:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0
                )
        if not any(keep(m["Body"]) for m in messages):
            return taken


def body_names(body: str, keys: set[str]) -> str | None:
    """The key of ours that a queued body (an S3 event, a message or a notice) names."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    candidates = [parsed.get("key"), parsed.get("s3Key")]
    candidates += [r.get("s3", {}).get("object", {}).get("key") for r in parsed.get("Records", [])]
    return next((c for c in candidates if c in keys), None)


def queue_empty(sqs, url: str) -> bool:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return all(attributes[name] == "0" for name in names)


def functions_idle(aws, names) -> bool:
    functions = aws.workers()["functions"]
    return not any(functions.get(name, {}).get("busy") for name in names)


def log_records(aws, function_name: str) -> list[dict]:
    """A function's Powertools JSON log records."""
    logs, records, token = aws.client("logs"), [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        try:
            page = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}", **kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return records
        for event in page["events"]:
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        token = page.get("nextToken")
        if not token:
            return records


def beyond(counts: Counter, allowed: Counter) -> int:
    """How many more times things happened than they were allowed to."""
    return sum(max(0, n - allowed[k]) for k, n in counts.items() if k in allowed)


def failure_reason(execution: dict) -> str:
    """`Error: message` of a failed execution, the message read from a Lambda error's cause."""
    cause = execution.get("cause", "")
    with contextlib.suppress(ValueError, AttributeError):  # not a Lambda error's JSON
        cause = json.loads(cause).get("errorMessage", cause)
    return f"{execution.get('error')}: {cause}"[:200]


def wait_until(condition, deadline: float) -> None:
    while not condition() and time.monotonic() < deadline:
        time.sleep(POLL)


# --- sns-fanout ----------------------------------------------------------------------------


def fanout_burst(aws, outputs: dict, clip: Path, count: int, run: str, timeout: float):
    s3, started = aws.client("s3"), time.monotonic()
    prefix = f"{outputs.get('input_prefix', '')}load-{run}/"
    files = {f"{prefix}burst-{i:03d}.mp4": clip for i in range(count)}
    uploads = list(upload_all(s3, outputs["source_bucket"], files).items())
    return account_fanout(aws, outputs, "sns-fanout burst", uploads, started, timeout)


def fanout_overwrite_race(aws, outputs: dict, long_clip: Path, short_clip: Path, run, timeout):
    """A long clip, then a short one to the same key about a second later, once every
    rendition is transcoding the long one: every rendition must end up made from the short one
    (the latest upload), although the long one's transcode ends last."""
    s3, started = aws.client("s3"), time.monotonic()
    key = f"{outputs.get('input_prefix', '')}load-{run}/overwrite.mp4"
    uploads = [(key, put(s3, outputs["source_bucket"], key, long_clip))]
    transcoders = [r["function_name"] for r in outputs["renditions"].values()]
    wait_until(lambda: all_busy(aws, transcoders), started + RACE_GAP * 10)
    time.sleep(max(0.0, started + RACE_GAP - time.monotonic()))
    uploads.append((key, put(s3, outputs["source_bucket"], key, short_clip)))
    return account_fanout(aws, outputs, "sns-fanout race: overwrite", uploads, started, timeout)


def all_busy(aws, names) -> bool:
    functions = aws.workers()["functions"]
    return all(functions.get(name, {}).get("busy") for name in names)


def output_etag(s3, rendition: dict, key: str) -> str | None:
    """The source ETag the rendition of `key` was made from (its metadata), None without one."""
    out_key = f"{rendition['output_prefix']}{key.rsplit('.', 1)[0]}.mp4"
    try:
        head = s3.head_object(Bucket=rendition["output_bucket"], Key=out_key)
    except s3.exceptions.ClientError:
        return None
    return head["Metadata"].get("source-etag")


def account_fanout(aws, outputs, scenario, uploads: list[tuple[str, str]], started, timeout):
    """One tally per rendition. The latest upload of a key must be the source of its output
    (or be dead-lettered); an earlier upload of the same key is accounted for by being
    replaced. A transcode or publication more often than the key was uploaded is a duplicate."""
    s3, sqs = aws.client("s3"), aws.client("sqs")
    renditions = outputs["renditions"]
    latest = dict(uploads)
    uploaded = Counter(key for key, _ in uploads)
    functions = [
        outputs["publisher_function_name"],
        *(r["function_name"] for r in renditions.values()),
    ]
    dead: dict[str, dict[str, str]] = {name: {} for name in ["publisher", *renditions]}

    def collect_dead_letters() -> None:
        url = outputs["publisher_dead_letter_queue_url"]
        for message in drain(sqs, url, lambda body: body_names(body, set(latest))):
            reason = message["MessageAttributes"]["ErrorMessage"]["StringValue"]
            dead["publisher"][body_names(message["Body"], set(latest))] = reason
        for name, rendition in renditions.items():
            for message in drain(
                sqs, rendition["dead_letter_url"], lambda b: body_names(b, set(latest))
            ):
                dead[name][body_names(message["Body"], set(latest))] = "dead-lettered"

    def settled() -> bool:
        collect_dead_letters()
        if not all(queue_empty(sqs, r["queue_url"]) for r in renditions.values()):
            return False
        if not functions_idle(aws, functions):
            return False
        return all(
            key in dead["publisher"] or key in dead[name] or output_etag(s3, r, key) == etag
            for name, r in renditions.items()
            for key, etag in latest.items()
        )

    wait_until(settled, started + timeout)
    seconds = time.monotonic() - started
    publisher_logs = log_records(aws, outputs["publisher_function_name"])
    published = Counter(r.get("key") for r in publisher_logs if r.get("message") == "published")
    tallies = []
    for name, rendition in renditions.items():
        tally = Tally(f"{scenario} {name}", inputs=len(uploads), seconds=seconds)
        records = log_records(aws, rendition["function_name"])
        made = Counter(r.get("key") for r in records if r.get("message") == "transcoded")
        causes = {
            r.get("key"): f"{r.get('error')}: {r.get('cause')}"
            for r in records
            if r.get("message") == "transcoding failed"
        }
        for key, etag in latest.items():
            tally.outputs += uploaded[key] - 1  # replaced by the latest upload
            if key in dead["publisher"]:
                tally.dead_letters[key] = f"publisher: {dead['publisher'][key]}"
            elif key in dead[name]:
                tally.dead_letters[key] = causes.get(key, "dead-lettered")
            elif (source := output_etag(s3, rendition, key)) == etag:
                tally.outputs += 1
            else:
                why = "no output" if source is None else f"output made from {source}, not {etag}"
                tally.lost.append(f"{key} ({why})")
        tally.duplicates = beyond(published, uploaded) + beyond(made, uploaded)
        tallies.append(tally)
    return tallies


# --- a long source through both transcoding workflows ----------------------------------------


def long_source(aws, fanout: dict, media: dict, source: Path, run: str, timeout) -> list[Tally]:
    """Issue 14: a long 1080p30 source with audio (10 minutes by default) through media-convert
    (split, parts, merge) and every sns-fanout rendition (each too long for one transcoder
    invocation, so made in parts): each output must have exactly the source's frames, its
    duration within a frame, and audio."""
    s3, started = aws.client("s3"), time.monotonic()
    expected = measure(source)
    fanout_key = f"long-{run}.mp4"
    media_key = f"{media['source_prefix']}long-{run}.mp4"
    fanout_etag = put(s3, fanout["source_bucket"], fanout_key, source)
    put(s3, media["source_bucket"], media_key, source)
    tallies = account_fanout(
        aws, fanout, "long source sns-fanout", [(fanout_key, fanout_etag)], started, timeout
    )
    for tally, rendition in zip(tallies, fanout["renditions"].values(), strict=True):
        if tally.outputs:
            location = {"bucket": rendition["output_bucket"]}
            location["key"] = f"{rendition['output_prefix']}{fanout_key}"
            tally.failures += exactness(s3, location, expected, source.parent)
    scenario = "long source media-convert"
    media_tally, succeeded = account_media(aws, media, {media_key}, scenario, started, timeout)
    for execution in succeeded.values():
        location = json.loads(execution["output"])["output"]
        media_tally.failures += exactness(s3, location, expected, source.parent)
    return [*tallies, media_tally]


def exactness(s3, location: dict, expected: dict, work: Path) -> list[str]:
    """What in the output at `location` differs from the source `expected` (measure())."""
    path = work / f"check-{uuid.uuid4().hex[:6]}.mp4"
    s3.download_file(location["bucket"], location["key"], str(path))
    try:
        got = measure(path)
    finally:
        path.unlink()
    key, problems = location["key"], []
    if got["frames"] != expected["frames"]:
        problems.append(f"{key}: {got['frames']} frames, the source {expected['frames']}")
    if abs(got["duration"] - expected["duration"]) > expected["frame"]:
        problems.append(f"{key}: {got['duration']} s, the source {expected['duration']}")
    if got["audio_codec"] is None:
        problems.append(f"{key}: no audio")
    return problems


# --- media-convert ---------------------------------------------------------------------------


def executions_by(aws, state_machine_arn: str, field_name: str, keys: set[str]) -> dict:
    """The executions whose input names one of `keys` (in `field_name`): key -> descriptions."""
    sfn, found = aws.client("stepfunctions"), {}
    paginator = sfn.get_paginator("list_executions")
    for page in paginator.paginate(stateMachineArn=state_machine_arn):
        for summary in page["executions"]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            key = json.loads(described["input"]).get(field_name)
            if key in keys:
                found.setdefault(key, []).append(described)
    return found


def media_burst(aws, outputs: dict, clip: Path, bad: Path, count: int, run: str, timeout):
    """`count` clips and one file that is not a video (a dead letter: a failed execution with
    its error) at once."""
    s3, started = aws.client("s3"), time.monotonic()
    prefix = f"{outputs['source_prefix']}load-{run}/"
    files: dict[str, Path] = {f"{prefix}clip-{i:03d}.mp4": clip for i in range(count)}
    files[f"{prefix}not-a-video.mp4"] = bad
    upload_all(s3, outputs["source_bucket"], files)
    tally, _ = account_media(aws, outputs, set(files), "media-convert burst", started, timeout)
    return tally


def account_media(aws, outputs: dict, keys: set[str], scenario: str, started, timeout):
    """The tally of the uploads `keys`, and the succeeded execution of each key that has one."""
    s3, sqs = aws.client("s3"), aws.client("sqs")
    tally = Tally(scenario, inputs=len(keys))
    start_dead: dict[str, str] = {}
    executions: dict[str, list[dict]] = {}

    def settled() -> bool:
        nonlocal executions
        url = outputs["start_dead_letter_queue_url"]
        for message in drain(sqs, url, lambda b: body_names(b, keys)):
            reason = message["MessageAttributes"]["ErrorMessage"]["StringValue"]
            start_dead[body_names(message["Body"], keys)] = f"start: {reason}"
        executions = executions_by(aws, outputs["state_machine_arn"], "key", keys)
        return all(
            key in start_dead
            or (key in executions and all(e["status"] != "RUNNING" for e in executions[key]))
            for key in keys
        )

    wait_until(settled, started + timeout)
    tally.seconds = time.monotonic() - started
    succeeded_by_key = {}
    for key in sorted(keys):
        runs = executions.get(key, [])
        tally.duplicates += max(0, len(runs) - 1)
        succeeded = [e for e in runs if e["status"] == "SUCCEEDED"]
        failed = [e for e in runs if e["status"] in ("FAILED", "TIMED_OUT", "ABORTED")]
        if succeeded and _exists(s3, json.loads(succeeded[0]["output"])["output"]):
            tally.outputs += 1
            succeeded_by_key[key] = succeeded[0]
        elif failed:
            tally.dead_letters[key] = failure_reason(failed[0])
        elif key in start_dead:
            tally.dead_letters[key] = start_dead[key]
        else:
            tally.lost.append(key)
    return tally, succeeded_by_key


def _exists(s3, location: dict) -> bool:
    try:
        s3.head_object(Bucket=location["bucket"], Key=location["key"])
    except s3.exceptions.ClientError:
        return False
    return True


# --- rider-photo -----------------------------------------------------------------------------


class Notifications:
    """A queue subscribed to the refusal topic for the length of a run (raw delivery)."""

    def __init__(self, aws, topic_arn: str, run: str) -> None:
        self.sqs, self.sns = aws.client("sqs"), aws.client("sns")
        self.url = self.sqs.create_queue(QueueName=f"load-{run}-notices")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
        }
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        self.sqs.set_queue_attributes(QueueUrl=self.url, Attributes={"Policy": policy})
        self.subscription = self.sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"RawMessageDelivery": "true"},
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        self.received: Counter = Counter()

    def read(self, keys: set[str]) -> Counter:
        for message in drain(self.sqs, self.url, lambda b: body_names(b, keys)):
            self.received[body_names(message["Body"], keys)] += 1
        return self.received

    def close(self) -> None:
        self.sns.unsubscribe(SubscriptionArn=self.subscription)
        self.sqs.delete_queue(QueueUrl=self.url)


def rider_photos(aws, outputs, notices: Notifications, scenario, photos, timeout) -> Tally:
    """Uploads `photos` ({(rider, file): bytes}) at once; each must end registered (the
    rider's item names the photo, its thumbnail exists), refused with a notification, or
    failed (a dead letter: the execution's error). Also counts the faces and items each rider
    has: more than one registration per rider or per person is a duplicate."""
    s3, started = aws.client("s3"), time.monotonic()
    files = {
        f"{outputs['upload_prefix']}{rider}/{name}": body for (rider, name), body in photos.items()
    }
    upload_all(s3, outputs["photo_bucket"], files)
    tally = Tally(scenario, inputs=len(files))
    executions: dict[str, list[dict]] = {}

    def settled() -> bool:
        nonlocal executions
        executions = executions_by(aws, outputs["state_machine_arn"], "s3Key", set(files))
        notified = notices.read(set(files))
        return all(
            key in executions
            and all(e["status"] != "RUNNING" for e in executions[key])
            and (key in notified or not refused(executions[key]))
            for key in files
        )

    wait_until(settled, started + timeout)
    tally.seconds = time.monotonic() - started
    notified = notices.read(set(files))
    riders = {key: key.removeprefix(outputs["upload_prefix"]).split("/")[0] for key in files}
    items = {rider: item_of(aws, outputs, rider) for rider in set(riders.values())}
    for key in files:
        runs = executions.get(key, [])
        tally.duplicates += max(0, len(runs) - 1) + max(0, notified[key] - 1)
        failed = [e for e in runs if e["status"] != "SUCCEEDED"]
        item = items[riders[key]]
        if item and item["s3Key"]["S"] == key and _exists(s3, thumbnail_of(outputs, item)):
            tally.outputs += 1
        elif notified[key]:
            tally.notifications += 1
        elif failed:
            tally.dead_letters[key] = failure_reason(failed[0])
        else:
            tally.lost.append(key)
    faces = faces_by_rider(aws, outputs, set(riders.values()))
    for rider, item in items.items():
        kept = {item["faceId"]["S"]} if item else set()
        extra = set(faces.get(rider, [])) - kept
        if extra:
            tally.failures.append(f"{rider}: {len(extra)} face(s) indexed without a registration")
    return tally


def refused(runs: list[dict]) -> bool:
    return any(e["status"] == "SUCCEEDED" and "error" in json.loads(e["output"]) for e in runs)


def item_of(aws, outputs, rider: str) -> dict | None:
    table_name = outputs["table_name"]
    response = aws.client("dynamodb").get_item(TableName=table_name, Key={"userId": {"S": rider}})
    return response.get("Item")


def thumbnail_of(outputs, item: dict) -> dict:
    return {"bucket": item["thumbnailS3Bucket"]["S"], "key": item["thumbnailS3Key"]["S"]}


def faces_by_rider(aws, outputs, riders: set[str]) -> dict[str, list[str]]:
    rekognition, found, token = aws.client("rekognition"), {}, None
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = rekognition.list_faces(CollectionId=outputs["collection_id"], **kwargs)
        for face in page["Faces"]:
            if face.get("ExternalImageId") in riders:
                found.setdefault(face["ExternalImageId"], []).append(face["FaceId"])
        token = page.get("NextToken")
        if not token:
            return found


def forget_riders(aws, outputs, riders: set[str]) -> None:
    """Removes the riders' faces and items, so the next scenario (or run) finds the people
    unregistered; uploads and thumbnails stay under their run's keys."""
    faces = [f for ids in faces_by_rider(aws, outputs, riders).values() for f in ids]
    if faces:
        aws.client("rekognition").delete_faces(CollectionId=outputs["collection_id"], FaceIds=faces)
    dynamodb = aws.client("dynamodb")
    for rider in riders:
        dynamodb.delete_item(TableName=outputs["table_name"], Key={"userId": {"S": rider}})


REFUSED_PHOTOS = (sample_photos.sunglasses, sample_photos.no_face, sample_photos.several_faces)


def rider_burst(aws, outputs, notices, count: int, run: str, timeout: float) -> Tally:
    """`count` riders at once: two register (the two people the samples have), the others'
    photos are refused (sunglasses, no face, several faces) with a notification."""
    registrable = [sample_photos.happy_face(), sample_photos.png(sample_photos.cameraman())]
    photos = {}
    for i in range(count):
        body = registrable[i] if i < 2 else REFUSED_PHOTOS[i % 3]()
        photos[(f"load-{run}-rider{i:03d}", "selfie.png" if i == 1 else "selfie.jpg")] = body
    try:
        return rider_photos(aws, outputs, notices, "rider-photo burst", photos, timeout)
    finally:
        forget_riders(aws, outputs, {rider for rider, _ in photos})


def rider_same_face_race(aws, outputs, notices, run: str, timeout: float) -> Tally:
    """Five riders upload the same face at once: exactly one is registered, four are refused
    (FaceAlreadyExistsError) with a notification."""
    photos = {(f"load-{run}-twin{i}", "selfie.jpg"): sample_photos.happy_face() for i in range(5)}
    try:
        tally = rider_photos(aws, outputs, notices, "rider-photo race: same face", photos, timeout)
        faces = faces_by_rider(aws, outputs, {rider for rider, _ in photos})
        registered = sum(len(ids) for ids in faces.values())
        if tally.outputs != 1 or registered != 1:
            tally.failures.append(f"{tally.outputs} riders registered, {registered} faces indexed")
            tally.duplicates += max(0, tally.outputs - 1)
        if tally.notifications != 4:
            tally.failures.append(f"{tally.notifications} of the 4 others notified")
        return tally
    finally:
        forget_riders(aws, outputs, {rider for rider, _ in photos})


def rider_several_photos_race(aws, outputs, notices, run: str, timeout: float) -> Tally:
    """One rider uploads three photos at once (two people): one registration, the others refused
    with a notification, and no face or thumbnail left behind for them."""
    rider = f"load-{run}-eager"
    photos = {
        (rider, "a.jpg"): sample_photos.happy_face(),
        (rider, "b.png"): sample_photos.png(sample_photos.cameraman()),
        (rider, "c.jpg"): sample_photos.same_person(),
    }
    try:
        scenario = "rider-photo race: one rider, 3 photos"
        tally = rider_photos(aws, outputs, notices, scenario, photos, timeout)
        if tally.outputs != 1 or tally.notifications != 2:
            tally.failures.append(
                f"{tally.outputs} registered and {tally.notifications} refused, not 1 and 2"
            )
        item = item_of(aws, outputs, rider)
        s3 = aws.client("s3")
        for _, name in photos:
            key = f"{outputs['upload_prefix']}{rider}/{name}"
            thumbnail = {
                "bucket": outputs["thumbnail_bucket"],
                "key": f"{key.rsplit('.', 1)[0]}.jpg",
            }
            if (not item or item["s3Key"]["S"] != key) and _exists(s3, thumbnail):
                tally.failures.append(f"a thumbnail of the refused {name} was left behind")
        return tally
    finally:
        forget_riders(aws, outputs, {rider})


# --- glue-medallion ---------------------------------------------------------------------------


def glue_run(aws, outputs: dict, date: str, sales: int, timeout: float) -> Tally:
    """One run over a day of generated retail data: every tier's table gets the day's partition,
    or the failed execution is the dead letter."""
    source = f"s3://{outputs['source_bucket']}/{outputs['source_prefix']}"
    day = datetime.date.fromisoformat(date)
    retail_data.write_dataset(source, day, aws.client("s3"), sales_count=sales)
    started = time.monotonic()
    execution = run_execution(aws, outputs["state_machine_arn"], {"run_date": date}, timeout)
    return account_glue_run(aws, outputs, execution, date, time.monotonic() - started)


def account_glue_run(aws, outputs: dict, execution: dict, date: str, seconds: float) -> Tally:
    tally = Tally("glue-medallion run", inputs=1, seconds=seconds)
    if execution["status"] != "SUCCEEDED":
        tally.dead_letters[date] = failure_reason(execution)
        return tally
    glue, missing = aws.client("glue"), []
    for tier, database in outputs["database_names"].items():
        for table in glue.get_tables(DatabaseName=database)["TableList"]:
            values = [
                p["Values"]
                for p in glue.get_partitions(DatabaseName=database, TableName=table["Name"])[
                    "Partitions"
                ]
            ]
            if [date] not in values:
                missing.append(f"{tier}.{table['Name']}")
    if missing:
        tally.lost.append(f"{date} (no partition in {', '.join(missing)})")
    else:
        tally.outputs = 1
    return tally


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Sizes:
    fanout_uploads: int = 20
    media_uploads: int = 10
    riders: int = 8
    glue_sales: int = 20_000
    long_clip_seconds: float = 20
    timeout: float = 900
    long_source_minutes: float = 10  # 0: no long-source scenario
    long_only: bool = False

    @property
    def long_source_timeout(self) -> float:
        """This machine encodes a minute of 1080p30 per workflow in about 2 CPU minutes."""
        return self.timeout + 300 * self.long_source_minutes


def run_scenarios(aws, outputs: dict, sizes: Sizes, work: Path, glue: bool = True) -> list[Tally]:
    """Every scenario on the four workflows' outputs (`terraform/examples/local`'s shape, or
    a test root's, which has the same fields)."""
    run = uuid.uuid4().hex[:6]
    fanout, media, rider = (outputs[k] for k in ("sns_fanout", "media_convert", "rider_photo"))
    if sizes.long_only:
        return long_scenario(aws, fanout, media, sizes, work, run)
    clip = make_video(work / "clip.mp4", 2, "640x360")
    long_clip = make_video(work / "long.mp4", sizes.long_clip_seconds, "1920x1080")
    bad = work / "not-a-video.mp4"
    bad.write_text("this is a text file with a video name\n" * 50)
    tallies = [
        *fanout_burst(aws, fanout, clip, sizes.fanout_uploads, run, sizes.timeout),
        *fanout_overwrite_race(aws, fanout, long_clip, clip, run, sizes.timeout),
        media_burst(aws, media, clip, bad, sizes.media_uploads, run, sizes.timeout),
    ]
    notices = Notifications(aws, rider["notification_topic_arn"], run)
    try:
        tallies.append(rider_burst(aws, rider, notices, sizes.riders, run, sizes.timeout))
        tallies.append(rider_same_face_race(aws, rider, notices, run, sizes.timeout))
        tallies.append(rider_several_photos_race(aws, rider, notices, run, sizes.timeout))
    finally:
        notices.close()
    if sizes.long_source_minutes:
        tallies += long_scenario(aws, fanout, media, sizes, work, run)
    if glue:
        date = datetime.date(2024, 6, 1) + datetime.timedelta(days=int(run, 16) % 365)
        glue_outputs = outputs["glue_medallion"]
        tallies.append(glue_run(aws, glue_outputs, date.isoformat(), sizes.glue_sales, 600))
    return tallies


def long_scenario(aws, fanout, media, sizes: Sizes, work: Path, run: str) -> list[Tally]:
    source = make_video(work / "long-source.mp4", sizes.long_source_minutes * 60, "1920x1080")
    return long_source(aws, fanout, media, source, run, sizes.long_source_timeout)


def worker_check(aws) -> tuple[bool, str]:
    """Whether every function is within the runtime's cap of sandboxes, and a line saying so."""
    workers = aws.workers()
    cap = workers["max_per_function"]
    per_function = {n: f["busy"] + f["idle"] for n, f in workers["functions"].items()}
    over = {n: c for n, c in per_function.items() if c > cap}
    line = (
        f"Lambda sandboxes left: {workers['total']} in {len(per_function)} functions,"
        f" at most {max(per_function.values(), default=0)} per function (cap {cap});"
        f" idle ones end after {workers['idle_seconds']:.0f} s"
    )
    if over:
        line += f"; OVER THE CAP: {over}"
    return not over, line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20, help="sns-fanout uploads in the burst")
    parser.add_argument("--media-uploads", type=int, default=10)
    parser.add_argument("--riders", type=int, default=8)
    parser.add_argument(
        "--long-minutes",
        type=float,
        default=10,
        help="a 1080p source this long through media-convert and sns-fanout (0: none)",
    )
    parser.add_argument("--long-only", action="store_true", help="only the long source")
    parser.add_argument("--endpoint", help="a running local AWS to reuse (with --state)")
    parser.add_argument("--state", type=Path, help="work dir of the applied examples/local")
    parser.add_argument("--keep", action="store_true", help="leave the stack and server running")
    args = parser.parse_args()
    sizes = Sizes(args.uploads, args.media_uploads, args.riders)
    sizes.long_source_minutes, sizes.long_only = args.long_minutes, args.long_only
    LOAD_DIR.mkdir(parents=True, exist_ok=True)
    if args.endpoint:
        aws = LocalAwsProcess(LOAD_DIR / "localaws", port=int(args.endpoint.rsplit(":", 1)[1]))
        work_dir, owned = args.state, False
    else:
        aws = LocalAwsProcess(LOAD_DIR / "localaws").start()
        work_dir, owned = LOAD_DIR / "terraform", True
        print(f"local AWS on {aws.endpoint} (log: {aws.log_path})")
    variables = {"endpoint": aws.endpoint, "artifacts_dir": str(ROOT / "build")}
    root = TerraformRoot(EXAMPLE, work_dir, aws.environ(), variables)
    try:
        if owned:
            print(f"terraform apply {EXAMPLE.relative_to(ROOT)} …")
            root.init()
            outputs = root.apply(progress=ApplyProgress())
        else:
            outputs = root.outputs()
        with tempfile.TemporaryDirectory() as work:
            tallies = run_scenarios(aws, outputs, sizes, Path(work))
        workers_ok, workers_line = worker_check(aws)
    finally:
        if owned and not args.keep:
            print("tearing down …")
            try:
                root.destroy()
            finally:
                aws.stop()
        elif owned:
            print(f"--keep: the local AWS stays up at {aws.endpoint}, state in {work_dir}")
    print()
    print(table(tallies))
    print(workers_line)
    return 0 if all(t.ok for t in tallies) and workers_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make demo`: start the local AWS, apply terraform/examples/local, run the four workflows at once
on sample inputs it generates, show progress while they run and a summary at the end (with the
GraphQL API's answer to a query and a subscription event), then tear down.

    .venv/bin/python scripts/demo.py [--keep]   # --keep leaves the stack and server running
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import least_privilege
import pyarrow.parquet as pq
import retail_data
import sample_photos
import timings
from appsync_client import Subscriber, realtime_auth
from execution_report import write_report
from localaws.process import ROOT, LocalAwsProcess
from sample_media import make_video, measure
from tfroot import TerraformRoot
from workflow_runs import run_execution, wait_for_object

EXAMPLE = ROOT / "terraform" / "examples" / "local"
DEMO_DIR = ROOT / "build" / "demo"
REPORT_DIR = DEMO_DIR / "report"
# ffmpeg/ffprobe for the sample media and the measurements: the dev build linked into .venv/bin.
os.environ["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
_print_lock = threading.Lock()


def say(workflow: str, text: str) -> None:
    """One progress line, labelled: the four workflows run at the same time."""
    with _print_lock:
        print(f"[{workflow}] {text}", flush=True)


def media_convert_inputs(work: Path) -> dict[str, Path]:
    """Sample uploads: a 1080p clip with audio, an odd-sized silent one, and a file that is not
    a video (the workflow must fail it with a named error)."""
    not_video = work / "notes.mp4"
    not_video.write_text("this is a text file with a video name\n" * 50)
    return {
        "incoming/city tour 1080p.mp4": make_video(work / "a.mp4", 12, "1920x1080"),
        "incoming/silent 640x360.mp4": make_video(work / "b.mp4", 6, "640x360", audio=None),
        "incoming/notes.mp4": not_video,
    }


def find_execution(
    sfn, state_machine_arn: str, key: str, timeout: float = 60, field: str = "key"
) -> str:
    """The execution whose input names this object (the start functions run asynchronously)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for summary in sfn.list_executions(stateMachineArn=state_machine_arn)["executions"]:
            described = sfn.describe_execution(executionArn=summary["executionArn"])
            if json.loads(described["input"]).get(field) == key:
                return summary["executionArn"]
        time.sleep(0.5)
    raise RuntimeError(f"no execution started for {key}")


def entered_states(sfn, execution_arn: str) -> list[str]:
    events = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def follow(workflow: str, sfn, executions: dict[str, str]) -> dict[str, dict]:
    """Print each execution's states as it enters them, until all have ended."""
    shown = {key: 0 for key in executions}
    done: dict[str, dict] = {}
    while len(done) < len(executions):
        for key, arn in executions.items():
            if key in done:
                continue
            states = entered_states(sfn, arn)
            for state in states[shown[key] :]:
                say(workflow, f"{key:<34} → {state}")
            shown[key] = len(states)
            described = sfn.describe_execution(executionArn=arn)
            if described["status"] != "RUNNING":
                done[key] = described
                say(workflow, f"{key:<34} ■ {described['status']}")
        time.sleep(1)
    return done


def run_media_convert(aws: LocalAwsProcess, outputs: dict, work: Path) -> list[str]:
    s3, sfn = aws.client("s3"), aws.client("stepfunctions")
    inputs = media_convert_inputs(work)
    say("media-convert", f"uploading {', '.join(inputs)}")
    started = time.time()
    for key, path in inputs.items():
        s3.upload_file(str(path), outputs["source_bucket"], key)
    executions = {key: find_execution(sfn, outputs["state_machine_arn"], key) for key in inputs}
    results = follow("media-convert", sfn, executions)
    elapsed = time.time() - started

    lines = [f"media-convert ({elapsed:.0f} s for {len(inputs)} uploads)"]
    runs = {k: {"title": k, "execution_arn": arn, "outputs": []} for k, arn in executions.items()}
    for key, described in results.items():
        if described["status"] != "SUCCEEDED":
            lines.append(
                f"  ✗ {key}: {described['status']} {described.get('error')}"
                f" — {described.get('cause', '')[:100]}"
            )
            continue
        output = json.loads(described["output"])["output"]
        local = work / f"out-{len(lines)}.mp4"
        s3.download_file(output["bucket"], output["key"], str(local))
        source, result = measure(inputs[key]), measure(local)
        lines.append(
            f"  ✓ {key}: {source['width']}x{source['height']} {source['duration']:.3f} s"
            f" {source['frames']} frames → s3://{output['bucket']}/{output['key']}"
            f" {result['width']}x{result['height']} {result['duration']:.3f} s"
            f" {result['frames']} frames, audio {result['audio_codec'] or 'none'}"
        )
        thumbnail = json.loads(described["output"])["thumbnail"]
        runs[key]["images"] = [("thumbnail", thumbnail["bucket"], thumbnail["key"])]
        runs[key]["outputs"] = [
            f"source: {source['width']}x{source['height']}, {source['duration']:.3f} s",
            f"output: s3://{output['bucket']}/{output['key']}",
            f"{result['width']}x{result['height']}, {result['duration']:.3f} s,"
            f" {result['frames']} frames, audio {result['audio_codec'] or 'none'} (ffprobe)",
            f"thumbnail: s3://{thumbnail['bucket']}/{thumbnail['key']}",
        ]
    arn = outputs["state_machine_arn"]
    lines.append(write_report(aws, REPORT_DIR, "media-convert", arn, list(runs.values())))
    return lines


def first_logged_error(aws: LocalAwsProcess, function_name: str, needle: str) -> str:
    """The first line of a function's log that reports an error about `needle`."""
    logs = aws.client("logs")
    deadline = time.time() + 120
    while time.time() < deadline:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function_name}")["events"]
        for event in events:
            if needle in event["message"] and "Error" in event["message"]:
                return logged_error(event["message"])
        time.sleep(2)
    return "no failure logged yet"


def logged_error(line: str) -> str:
    """`Error: cause` of a Powertools JSON log line, or the line itself when it is not one."""
    try:
        record = json.loads(line)
    except ValueError:
        return line[:160]
    if "error" in record:
        return f"{record['error']}: {record.get('cause', '')}"[:160]
    return str(record.get("message", line))[:160]


def run_sns_fanout(aws: LocalAwsProcess, outputs: dict, work: Path) -> list[str]:
    """Uploads go to every rendition's output; a corrupt one ends in every dead-letter queue."""
    s3 = aws.client("s3")
    clip = make_video(work / "fanout.mp4", 8, "1920x1080")
    corrupt = work / "broken.mp4"
    corrupt.write_bytes(clip.read_bytes()[:20000])
    uploads = {"holiday.mp4": clip, "broken.mp4": corrupt, "readme.txt": work / "fanout.mp4"}
    say("sns-fanout", f"uploading {', '.join(uploads)}")
    started = time.time()
    for key, path in uploads.items():
        s3.upload_file(str(path), outputs["source_bucket"], key)
    lines = []
    for name, rendition in sorted(outputs["renditions"].items()):
        key = f"{rendition['output_prefix']}holiday.mp4"
        local = work / f"{name}.mp4"
        local.write_bytes(wait_for_object(s3, rendition["output_bucket"], key, timeout=600))
        result = measure(local)
        say("sns-fanout", f"{name:<6} → s3://{rendition['output_bucket']}/{key}")
        lines.append(
            f"  ✓ holiday.mp4 → {name}: {result['width']}x{result['height']}"
            f" {result['duration']:.3f} s, audio {result['audio_codec']}"
        )
    # The corrupt upload fails on every delivery until maxReceiveCount, then it is dead-lettered
    # (after a visibility timeout per delivery: minutes, so the demo shows the first failure).
    for name, rendition in sorted(outputs["renditions"].items()):
        error = first_logged_error(aws, rendition["function_name"], "broken.mp4")
        lines.append(
            f"  ✗ broken.mp4 → {name}: {error}; the message is redelivered, then dead-lettered"
        )
    lines.append("  ✓ readme.txt: ignored (suffix filter)")
    return [f"sns-fanout ({time.time() - started:.0f} s)", *lines]


ON_RIDER_REGISTERED = (
    "subscription { onRiderRegistered { userId faceId registeredAt thumbnail { key width } } }"
)
RIDERS = """{ riders(limit: 5) { items { userId faceId registeredAt
  photoProcessing { status startDate stopDate steps { name } } } nextToken } }"""


def run_rider_photo(aws: LocalAwsProcess, outputs: dict, graphql: dict) -> list[str]:
    """The workshop's photos: a clear face, the same person under another rider, sunglasses,
    several faces, no face (a cat); the GraphQL API tells a subscriber of each registration and
    answers a query of the riders."""
    auth = realtime_auth(graphql["graphql_url"], api_key=graphql["api_key"])
    with Subscriber(graphql["realtime_url"], auth, ON_RIDER_REGISTERED) as subscriber:
        lines = register_riders(aws, outputs)
        events = subscriber.wait_for(1, timeout=60)
    lines.append("  GraphQL subscription onRiderRegistered received:")
    lines += [f"    {json.dumps(event)}" for event in events]
    request = urllib.request.Request(
        graphql["graphql_url"],
        data=json.dumps({"query": RIDERS}).encode(),
        headers={"x-api-key": graphql["api_key"], "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    lines.append("  GraphQL query riders(limit: 5) answered:")
    lines += [f"    {line}" for line in json.dumps(answer, indent=2).splitlines()]
    return lines


def register_riders(aws: LocalAwsProcess, outputs: dict) -> list[str]:
    s3, sfn = aws.client("s3"), aws.client("stepfunctions")
    photos = {
        "rider-ann/profile.jpg": sample_photos.happy_face(),
        "rider-bob/me.jpg": sample_photos.same_person(),
        "rider-cy/beach.jpg": sample_photos.sunglasses(),
        "rider-dee/group.jpg": sample_photos.several_faces(),
        "rider-eve/cat.jpg": sample_photos.no_face(),
    }
    say("rider-photo", f"uploading {', '.join(photos)}")
    started = time.time()
    # The duplicate check needs Ann indexed first: her photo goes alone, then the others.
    first, *others = photos
    keys, results = {}, {}
    for batch in ([first], others):
        for key in batch:
            full = f"{outputs['upload_prefix']}{key}"
            s3.put_object(Bucket=outputs["photo_bucket"], Key=full, Body=photos[key])
            keys[key] = full
        executions = {
            key: find_execution(sfn, outputs["state_machine_arn"], keys[key], field="s3Key")
            for key in batch
        }
        results.update(follow("rider-photo", sfn, executions))
    lines = [f"rider-photo ({time.time() - started:.0f} s for {len(photos)} photos)"]
    runs = []
    for key, described in results.items():
        output = json.loads(described.get("output") or "{}")
        upload = ("upload", outputs["photo_bucket"], keys[key])
        runs.append({"title": key, "execution_arn": described["executionArn"], "outputs": []})
        runs[-1]["images"] = [upload]
        if "reason" in output:
            lines.append(f"  ✗ {key}: {output['error']} — {output['reason']}")
            runs[-1]["outputs"] = [f"refused: {output['error']}", output["reason"]]
        elif described["status"] == "SUCCEEDED":
            user = key.split("/")[0]
            item = aws.client("dynamodb").get_item(
                TableName=outputs["table_name"], Key={"userId": {"S": user}}
            )["Item"]
            lines.append(
                f"  ✓ {key}: face {item['faceId']['S'][:8]}… indexed, thumbnail"
                f" {item['thumbnailWidth']['N']}x{item['thumbnailHeight']['N']} in"
                f" s3://{outputs['thumbnail_bucket']}, item in {outputs['table_name']}"
            )
            thumbnail = (item["thumbnailS3Bucket"]["S"], item["thumbnailS3Key"]["S"])
            runs[-1]["images"].append(("thumbnail", *thumbnail))
            runs[-1]["outputs"] = [
                f"DynamoDB {outputs['table_name']}, userId {user}:",
                *(f"  {k}: {next(iter(v.values()))}" for k, v in sorted(item.items())),
            ]
        else:
            lines.append(f"  ✗ {key}: {described['status']} {described.get('error')}")
    arn = outputs["state_machine_arn"]
    lines.append(write_report(aws, REPORT_DIR, "rider-photo", arn, runs))
    return lines


def parquet_rows(s3, location: str) -> int:
    """Rows in the Parquet files under an S3 folder, from their footers."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    total = 0
    for key in (o["Key"] for o in listing if o["Key"].endswith(".parquet")):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        total += pq.ParquetFile(io.BytesIO(body)).metadata.num_rows
    return total


def run_glue_medallion(aws: LocalAwsProcess, outputs: dict) -> list[str]:
    """Two days of generated retail data through bronze, silver and gold, one run per day."""
    s3, glue = aws.client("s3"), aws.client("glue")
    source = f"s3://{outputs['source_bucket']}/{outputs['source_prefix']}"
    dates = ["2024-05-01", "2024-05-02"]
    for date in dates:
        retail_data.write_dataset(source, datetime.date.fromisoformat(date), s3, sales_count=20_000)
    say("glue-medallion", f"20,000 sales a day for {', '.join(dates)} in {source}")
    lines = ["glue-medallion"]
    runs = {}
    for date in dates:
        started = time.time()
        execution = run_execution(aws, outputs["state_machine_arn"], {"run_date": date}, 600)
        runs[date] = {"title": f"run date {date}", "execution_arn": execution["executionArn"]}
        runs[date]["outputs"] = []
        took = f"{execution['status']} in {time.time() - started:.0f} s"
        say("glue-medallion", f"run date {date} ■ {took}")
        if execution["status"] == "SUCCEEDED":
            lines.append(f"  ✓ run date {date}: {took}, every tier written and cataloged")
        else:
            lines.append(f"  ✗ run date {date}: {took}, {execution.get('cause')}")
    for tier, database in outputs["database_names"].items():
        tables = []
        for table in glue.get_tables(DatabaseName=database)["TableList"]:
            name = table["Name"]
            partitions = glue.get_partitions(DatabaseName=database, TableName=name)["Partitions"]
            columns = len(table["StorageDescriptor"]["Columns"])
            tables.append(f"{name} ({columns} columns, {len(partitions)} dates)")
            for partition in partitions:
                rows = parquet_rows(s3, partition["StorageDescriptor"]["Location"])
                runs[partition["Values"][0]]["outputs"].append(
                    f"{database}.{name}: {rows:,} rows, {columns} columns"
                )
        lines.append(f"    {tier} catalog {database}: {', '.join(tables)}")
    arn = outputs["state_machine_arn"]
    lines.append(write_report(aws, REPORT_DIR, "glue-medallion", arn, list(runs.values())))
    return lines


class ApplyProgress:
    """Prints terraform's progress as resources done / total with the time taken, every few
    seconds rather than every resource."""

    def __init__(self, every: float = 5.0) -> None:
        self.every, self.printed = every, -every

    def __call__(self, done: int, total: int, elapsed: float, address: str) -> None:
        if elapsed - self.printed >= self.every or done == total:
            self.printed = elapsed
            print(f"  {done}/{total} resources, {elapsed:4.0f} s  ({address})", flush=True)


class AlarmWatch:
    """The modules' alarms that went to ALARM while the workflows ran (the local CloudWatch
    evaluates them every second; an alarm returns to OK a period after its last datapoint, so
    the states at the end alone would miss most)."""

    def __init__(self, aws: LocalAwsProcess, every: float = 2.0) -> None:
        self.cloudwatch, self.every = aws.client("cloudwatch"), every
        self.fired: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="alarm-watch")
        self._thread.start()

    def _alarms(self, **filters) -> list[dict]:
        pages = self.cloudwatch.get_paginator("describe_alarms").paginate(**filters)
        return [alarm for page in pages for alarm in page["MetricAlarms"]]

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            for alarm in self._alarms(StateValue="ALARM"):
                self.fired.setdefault(alarm["AlarmName"], alarm["StateReason"])

    def summary(self) -> list[str]:
        self._stop.set()
        self._thread.join()
        alarms = self._alarms()
        now = sum(alarm["StateValue"] == "ALARM" for alarm in alarms)
        fired = len(self.fired)
        lines = [f"alarms: {len(alarms)}, {fired} went to ALARM during the runs, {now} now"]
        lines += [f"  ALARM {name}: {reason[:110]}" for name, reason in sorted(self.fired.items())]
        return lines


def least_privilege_summary(aws: LocalAwsProcess) -> list[str]:
    """The roles' grants against what the runs used (before teardown removes the roles)."""
    path, unexplained = least_privilege.write_report(aws, REPORT_DIR, "demo-")
    lines = [f"least privilege: {path.relative_to(ROOT)}"]
    if unexplained:
        lines.append(f"  {len(unexplained)} grants unused and unexplained:")
        lines += [f"    {g.role} {g.statement} {g.action}" for g in unexplained]
    else:
        lines.append("  every grant was used or has a written reason")
    denied = aws.control("GET", "iam")["denied"]
    lines += [f"  IAM denied: {d['message']}" for d in denied]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the stack and server running")
    args = parser.parse_args()

    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    aws = LocalAwsProcess(DEMO_DIR / "localaws")
    print(f"starting the local AWS on {aws.endpoint} (log: {aws.log_path})")
    aws.start()
    root = TerraformRoot(
        EXAMPLE,
        DEMO_DIR / "terraform",
        aws.environ(),
        {"endpoint": aws.endpoint, "artifacts_dir": str(ROOT / "build")},
    )
    summary: list[str] = []
    started, seconds = time.monotonic(), {}
    try:
        print(f"terraform apply {EXAMPLE.relative_to(ROOT)} …")
        root.init()
        outputs = root.apply(progress=ApplyProgress())
        seconds["apply"] = time.monotonic() - started
        print("\nrunning the four workflows at once")
        alarms = AlarmWatch(aws)
        with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(4) as pool:
            runs = [
                pool.submit(run_media_convert, aws, outputs["media_convert"], Path(work)),
                pool.submit(run_sns_fanout, aws, outputs["sns_fanout"], Path(work)),
                pool.submit(run_rider_photo, aws, outputs["rider_photo"], outputs["graphql_api"]),
                pool.submit(run_glue_medallion, aws, outputs["glue_medallion"]),
            ]
            for run in runs:
                summary += run.result()
        seconds["workflows"] = time.monotonic() - started - seconds["apply"]
        summary += alarms.summary()
        summary += least_privilege_summary(aws)
    finally:
        if args.keep:
            print(f"\n--keep: the local AWS stays up at {aws.endpoint}")
        else:
            # Everything applied lives in the server's memory: stopping it removes the stack,
            # and the state describing it goes with it (the e2e tests check destroys).
            print("\ntearing down (stopping the local AWS) …")
            aws.stop()
            root.forget_state()
    seconds["total"] = time.monotonic() - started
    timings.record("demo", seconds)
    print("\nSummary")
    print("\n".join(summary))
    print(f"\nExecution reports: {(REPORT_DIR / 'index.html').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

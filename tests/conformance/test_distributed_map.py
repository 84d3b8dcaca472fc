"""Distributed Map conformance: the semantics the Step Functions developer guide documents for a
Map state in Distributed mode ("Using Map state in Distributed mode", "ItemReader (Map)",
"ItemBatcher (Map)", "ResultWriter (Map)", "Setting failure thresholds for Distributed Map
states", "Map Run"), run on the local AWS: each item or batch a child execution of its own."""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import re
import uuid

import pytest

from tests.conformance.sfn_harness import StepFunctions, single

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# A child workflow that fails with "Boom" for an item {"fail": true} and echoes the others.
ECHO_OR_FAIL = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Boom"}],
            "Default": "Echo",
        },
        "Boom": {"Type": "Fail", "Error": "Boom", "Cause": "item asked to fail"},
        "Echo": {"Type": "Pass", "End": True},
    },
}


def distributed(processor: dict | None = None, execution_type: str = "STANDARD", **fields):
    processor = dict(processor or ECHO_OR_FAIL)
    processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": execution_type}
    return {"Type": "Map", "ItemProcessor": processor, **fields}


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


@pytest.fixture(scope="module")
def bucket(local_aws):
    name = f"dmap-{uuid.uuid4().hex[:10]}"
    local_aws.client("s3").create_bucket(Bucket=name)
    return name


def map_run_of(sfn, execution_arn: str) -> dict:
    (listed,) = sfn.client.list_map_runs(executionArn=execution_arn)["mapRuns"]
    return sfn.client.describe_map_run(mapRunArn=listed["mapRunArn"])


def children_of(sfn, map_run_arn: str) -> list[dict]:
    pages = sfn.client.get_paginator("list_executions").paginate(mapRunArn=map_run_arn)
    return [execution for page in pages for execution in page["executions"]]


def test_each_item_runs_as_a_child_execution_named_after_the_map_run(sfn):
    state_machine = sfn.create(single(distributed(Label="Items", MaxConcurrency=2)))
    execution = sfn.start(state_machine, [{"n": 1}, {"n": 2}, {"n": 3}])
    outcome = sfn.wait(execution)
    assert outcome.status == "SUCCEEDED"
    assert outcome.output == [{"n": 1}, {"n": 2}, {"n": 3}]  # in item order

    name = state_machine.split(":")[-1]
    run = map_run_of(sfn, execution)
    assert re.fullmatch(
        rf"arn:aws:states:us-east-1:\d{{12}}:mapRun:{name}/Items:{UUID}", run["mapRunArn"]
    )
    assert run["status"] == "SUCCEEDED"
    assert run["maxConcurrency"] == 2
    assert run["itemCounts"]["total"] == run["itemCounts"]["succeeded"] == 3
    assert run["executionCounts"]["succeeded"] == 3
    assert run["executionCounts"]["running"] == run["executionCounts"]["pending"] == 0

    children = children_of(sfn, run["mapRunArn"])
    assert len(children) == 3
    for child in children:
        pattern = rf"arn:aws:states:us-east-1:\d{{12}}:execution:{name}/Items:{UUID}"
        assert re.fullmatch(pattern, child["executionArn"])
        assert child["stateMachineArn"] == f"{state_machine}/Items"
        assert child["mapRunArn"] == run["mapRunArn"]
        assert child["status"] == "SUCCEEDED"
    inputs = sorted(
        json.loads(sfn.client.describe_execution(executionArn=c["executionArn"])["input"])["n"]
        for c in children
    )
    assert inputs == [1, 2, 3]
    # The parent's own executions do not include its children.
    listed = sfn.client.list_executions(stateMachineArn=state_machine)["executions"]
    assert [e["executionArn"] for e in listed] == [execution]


def test_item_selector_sees_the_item_and_the_map_input(sfn):
    state = distributed(
        ItemsPath="$.parts",
        ItemSelector={
            "index.$": "$$.Map.Item.Index",
            "part.$": "$$.Map.Item.Value",
            "job.$": "$.job",
        },
    )
    outcome = sfn.run(single(state), {"job": "j1", "parts": ["a", "b"]})
    assert outcome.output == [
        {"index": 0, "part": "a", "job": "j1"},
        {"index": 1, "part": "b", "job": "j1"},
    ]


def test_max_concurrency_one_runs_the_children_one_after_the_other(sfn):
    execution = sfn.start(sfn.create(single(distributed(MaxConcurrency=1))), [{}, {}, {}, {}])
    assert sfn.wait(execution).status == "SUCCEEDED"
    children = children_of(sfn, map_run_of(sfn, execution)["mapRunArn"])
    ordered = sorted(children, key=lambda c: c["startDate"])
    for earlier, later in itertools.pairwise(ordered):
        assert later["startDate"] >= earlier["stopDate"]


def test_item_batcher_gives_each_child_a_batch_with_the_batch_input(sfn):
    state = distributed(
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"job.$": "$.job", "kind": "parts"}},
        ItemsPath="$.items",
    )
    outcome = sfn.run(single(state), {"job": "j1", "items": [1, 2, 3, 4, 5]})
    assert outcome.output == [
        {"BatchInput": {"job": "j1", "kind": "parts"}, "Items": [1, 2]},
        {"BatchInput": {"job": "j1", "kind": "parts"}, "Items": [3, 4]},
        {"BatchInput": {"job": "j1", "kind": "parts"}, "Items": [5]},
    ]


def test_item_batcher_limits_the_bytes_of_a_batch(sfn):
    items = ["x" * 100] * 5  # 102 bytes each as JSON
    state = distributed(ItemBatcher={"MaxInputBytesPerBatch": 300})
    outcome = sfn.run(single(state), items)
    assert [len(batch["Items"]) for batch in outcome.output] == [2, 2, 1]
    assert all(len(json.dumps(b, separators=(",", ":"))) <= 300 for b in outcome.output)


def test_jsonata_items_item_selector_and_batch_input(sfn):
    echo = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "End": True}}}
    state = distributed(
        echo,
        QueryLanguage="JSONata",
        Items="{% $states.input.values %}",
        ItemSelector={"v": "{% $states.context.Map.Item.Value * 10 %}"},
        ItemBatcher={
            "MaxItemsPerBatch": 2,
            "BatchInput": {"sum": "{% $sum($states.input.values) %}"},
        },
    )
    outcome = sfn.run(single(state), {"values": [1, 2, 3]})
    assert outcome.output == [
        {"BatchInput": {"sum": 6}, "Items": [{"v": 10}, {"v": 20}]},
        {"BatchInput": {"sum": 6}, "Items": [{"v": 30}]},
    ]


# --- failures (guide: "Setting failure thresholds for Distributed Map states") -------------


def test_a_failed_child_fails_the_map_when_no_failure_is_tolerated(sfn):
    outcome = sfn.run(single(distributed()), [{}, {"fail": True}, {}])
    assert outcome.status == "FAILED"
    assert outcome.error == "States.ExceedToleratedFailureThreshold"
    assert outcome.cause == "The specified tolerated failure threshold was exceeded"


@pytest.mark.parametrize(
    ("tolerance", "status"),
    [
        ({"ToleratedFailureCount": 2}, "SUCCEEDED"),
        ({"ToleratedFailureCount": 1}, "FAILED"),
        ({"ToleratedFailurePercentage": 50}, "SUCCEEDED"),  # 2 of 4 is not over 50 %
        ({"ToleratedFailurePercentage": 25}, "FAILED"),
        ({"ToleratedFailureCount": 5, "ToleratedFailurePercentage": 25}, "FAILED"),  # either
    ],
)
def test_tolerated_failures(sfn, tolerance, status):
    items = [{}, {"fail": True}, {}, {"fail": True}]
    outcome = sfn.run(single(distributed(**tolerance)), items)
    assert outcome.status == status
    if status == "SUCCEEDED":
        assert outcome.output[0] == {} and outcome.output[2] == {}
        assert outcome.output[1] == {"Error": "Boom", "Cause": "item asked to fail"}


def test_the_threshold_error_is_catchable(sfn):
    definition = {
        "StartAt": "Map",
        "States": {
            "Map": {
                **distributed(ToleratedFailureCount=0),
                "Catch": [
                    {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Caught"}
                ],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    outcome = sfn.run(definition, [{"fail": True}])
    assert outcome.status == "SUCCEEDED"
    assert outcome.output["Error"] == "States.ExceedToleratedFailureThreshold"


def test_a_failed_batch_counts_each_of_its_items(sfn):
    state = distributed(ItemBatcher={"MaxItemsPerBatch": 3}, ToleratedFailureCount=2)
    processor = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.Items[0].fail", "IsPresent": True, "Next": "Boom"}],
                "Default": "Echo",
            },
            "Boom": {"Type": "Fail", "Error": "Boom"},
            "Echo": {"Type": "Pass", "End": True},
        },
    }
    state = distributed(processor, ItemBatcher={"MaxItemsPerBatch": 3}, ToleratedFailureCount=2)
    execution = sfn.start(sfn.create(single(state)), [{"fail": 1}, {}, {}, {}])
    outcome = sfn.wait(execution)
    assert outcome.error == "States.ExceedToleratedFailureThreshold"  # 3 items failed > 2
    run = map_run_of(sfn, execution)
    assert run["status"] == "FAILED"
    assert run["itemCounts"]["failed"] == 3
    assert run["executionCounts"]["failed"] == 1


# --- ItemReader ----------------------------------------------------------------------------


def reader_state(resource: str, parameters: dict, config: dict | None = None, **fields):
    reader = {"Resource": f"arn:aws:states:::s3:{resource}", "Parameters": parameters}
    if config:
        reader["ReaderConfig"] = config
    return distributed(ItemReader=reader, **fields)


def test_item_reader_json_array(sfn, local_aws, bucket):
    local_aws.client("s3").put_object(
        Bucket=bucket, Key="in/items.json", Body=b'[{"a":1},{"a":2},{"a":3}]'
    )
    state = reader_state(
        "getObject",
        {"Bucket": bucket, "Key.$": "$.key"},
        {"InputType": "JSON", "MaxItems": 2},
    )
    assert sfn.run(single(state), {"key": "in/items.json"}).output == [{"a": 1}, {"a": 2}]


def test_item_reader_csv_with_the_header_row_or_given_headers(sfn, local_aws, bucket):
    local_aws.client("s3").put_object(
        Bucket=bucket, Key="in/rows.csv", Body=b"name,size\nx,1\ny,2\n"
    )
    first_row = reader_state(
        "getObject",
        {"Bucket": bucket, "Key": "in/rows.csv"},
        {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
    )
    # Values are strings, as read from the file.
    assert sfn.run(single(first_row)).output == [
        {"name": "x", "size": "1"},
        {"name": "y", "size": "2"},
    ]
    given = reader_state(
        "getObject",
        {"Bucket": bucket, "Key": "in/rows.csv"},
        {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "b"]},
    )
    assert sfn.run(single(given)).output[0] == {"a": "name", "b": "size"}


def test_item_reader_jsonl(sfn, local_aws, bucket):
    local_aws.client("s3").put_object(
        Bucket=bucket, Key="in/lines.jsonl", Body=b'{"a":1}\n{"a":2}\n'
    )
    state = reader_state(
        "getObject", {"Bucket": bucket, "Key": "in/lines.jsonl"}, {"InputType": "JSONL"}
    )
    assert sfn.run(single(state)).output == [{"a": 1}, {"a": 2}]


def test_item_reader_list_objects_v2(sfn, local_aws, bucket):
    s3 = local_aws.client("s3")
    for key in ("listed/b.txt", "listed/a.txt", "other/c.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"hello")
    state = reader_state(
        "listObjectsV2",
        {"Bucket": bucket, "Prefix": "listed/"},
        ItemSelector={"key.$": "$$.Map.Item.Value.Key"},
    )
    assert sfn.run(single(state)).output == [{"key": "listed/a.txt"}, {"key": "listed/b.txt"}]
    raw = sfn.run(
        single(reader_state("listObjectsV2", {"Bucket": bucket, "Prefix": "listed/a"}))
    ).output
    assert set(raw[0]) == {"Etag", "Key", "LastModified", "Size", "StorageClass"}
    assert raw[0]["Size"] == 5 and isinstance(raw[0]["LastModified"], int)


def test_item_reader_s3_inventory_manifest(sfn, local_aws, bucket):
    s3 = local_aws.client("s3")
    rows = io.StringIO()
    csv.writer(rows).writerows([["src", "photos/1.jpg", "10"], ["src", "photos/2.jpg", "20"]])
    s3.put_object(
        Bucket=bucket, Key="inventory/data/1.csv.gz", Body=gzip.compress(rows.getvalue().encode())
    )
    manifest = {
        "sourceBucket": "src",
        "destinationBucket": f"arn:aws:s3:::{bucket}",
        "fileFormat": "CSV",
        "fileSchema": "Bucket, Key, Size",
        "files": [{"key": "inventory/data/1.csv.gz", "size": 1, "MD5checksum": "x"}],
    }
    s3.put_object(Bucket=bucket, Key="inventory/manifest.json", Body=json.dumps(manifest).encode())
    state = reader_state(
        "getObject", {"Bucket": bucket, "Key": "inventory/manifest.json"}, {"InputType": "MANIFEST"}
    )
    assert sfn.run(single(state)).output == [
        {"Bucket": "src", "Key": "photos/1.jpg", "Size": "10"},
        {"Bucket": "src", "Key": "photos/2.jpg", "Size": "20"},
    ]


def test_item_reader_failure_is_item_reader_failed(sfn, bucket):
    state = reader_state(
        "getObject", {"Bucket": bucket, "Key": "missing.json"}, {"InputType": "JSON"}
    )
    outcome = sfn.run(single(state))
    assert outcome.status == "FAILED"
    assert outcome.error == "States.ItemReaderFailed"


# --- ResultWriter ----------------------------------------------------------------------------


def test_result_writer_writes_the_manifest_and_a_file_per_status(sfn, local_aws, bucket):
    state = distributed(
        ToleratedFailureCount=1,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": bucket, "Prefix": "results"},
        },
    )
    execution = sfn.start(sfn.create(single(state)), [{"n": 1}, {"fail": True}, {"n": 3}])
    outcome = sfn.wait(execution)
    assert outcome.status == "SUCCEEDED"
    run_arn = map_run_of(sfn, execution)["mapRunArn"]
    folder = f"results/{run_arn.split(':')[-1]}/"
    assert outcome.output == {
        "MapRunArn": run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": f"{folder}manifest.json"},
    }
    s3 = local_aws.client("s3")

    def read(key):
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    manifest = read(f"{folder}manifest.json")
    assert manifest["DestinationBucket"] == bucket
    assert manifest["MapRunArn"] == run_arn
    assert [f["Key"] for f in manifest["ResultFiles"]["SUCCEEDED"]] == [f"{folder}SUCCEEDED_0.json"]
    assert [f["Key"] for f in manifest["ResultFiles"]["FAILED"]] == [f"{folder}FAILED_0.json"]
    assert manifest["ResultFiles"]["PENDING"] == []
    succeeded = read(f"{folder}SUCCEEDED_0.json")
    assert sorted(json.loads(e["Output"])["n"] for e in succeeded) == [1, 3]
    assert {e["Status"] for e in succeeded} == {"SUCCEEDED"}
    assert {"ExecutionArn", "Input", "Name", "StartDate", "StopDate", "StateMachineArn"} <= set(
        succeeded[0]
    )
    (failed,) = read(f"{folder}FAILED_0.json")
    assert (failed["Status"], failed["Error"], failed["Cause"]) == (
        "FAILED",
        "Boom",
        "item asked to fail",
    )
    assert json.loads(failed["Input"]) == {"fail": True}


# --- Express child executions ----------------------------------------------------------------


def test_express_children_run_but_are_not_listed(sfn):
    execution = sfn.start(
        sfn.create(single(distributed(execution_type="EXPRESS"))), [{"n": 1}, {"n": 2}]
    )
    outcome = sfn.wait(execution)
    assert outcome.output == [{"n": 1}, {"n": 2}]
    run = map_run_of(sfn, execution)
    assert run["executionCounts"]["succeeded"] == 2
    # ListExecutions does not list Express executions (API reference, ListExecutions).
    assert children_of(sfn, run["mapRunArn"]) == []

"""Regression tests for the fixes to moto's Step Functions executor in
scripts/localaws/stepfunctions.py, each run against the local AWS server."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from localaws.stepfunctions import aws_timestamp, service_error_prefix

from tests.conformance.sfn_harness import StepFunctions, machine, single
from tests.support.lambdas import create_function
from tests.support.templates import INLINE_MAP, MEDIA_CONVERT, mediaconvert_job_template, render

ROOT = Path(__file__).resolve().parents[2]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


@pytest.fixture(scope="module")
def sfn(local_aws):
    return StepFunctions(local_aws)


def _sdk_task(resource: str, parameters: dict, **fields) -> dict:
    return {
        "Type": "Task",
        "Resource": f"arn:aws:states:::aws-sdk:{resource}",
        "Parameters": parameters,
        **fields,
    }


# --- 1. JSONPath: definite paths give values, indefinite ones lists ----------------------------


def test_media_convert_pass_state_gets_scalars_and_a_list(sfn):
    parts = [
        {
            "originalFileName": "in.mp4",
            "bucket": "media",
            "manifest": "m.json",
            "encodedPart": f"part-{i}.mp4",
        }
        for i in range(3)
    ]
    parameters = {
        "originalFileName.$": "$[0].originalFileName",
        "bucket.$": "$[0].bucket",
        "manifest.$": "$[0].manifest",
        "encodedParts.$": "$[*].encodedPart",
    }
    state = {"Type": "Pass", "InputPath": "$", "Parameters": parameters, "ResultPath": "$"}
    assert sfn.run(single(state), parts).output == {
        "originalFileName": "in.mp4",
        "bucket": "media",
        "manifest": "m.json",
        "encodedParts": ["part-0.mp4", "part-1.mp4", "part-2.mp4"],
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("$.a[1].x", 2),
        ("$.a[-1].x", 2),
        ("$.a[1:].x", [2]),
        ("$.a[?(@.x == 2)].x", [2]),
        ("$..x", [2]),
        ("$.a[*].missing", []),
    ],
)
def test_path_results_follow_definiteness(sfn, path, expected):
    outcome = sfn.run(single({"Type": "Pass", "Parameters": {"v.$": path}}), {"a": [1, {"x": 2}]})
    assert outcome.output == {"v": expected}


def test_missing_definite_path_is_a_runtime_error(sfn):
    outcome = sfn.run(single({"Type": "Pass", "Parameters": {"v.$": "$.a[5]"}}), {"a": [1]})
    assert (outcome.status, outcome.error) == ("FAILED", "States.Runtime")


# --- 2. datetimes in service results and the context object -----------------------------------


def test_sdk_result_datetimes_become_iso_strings(sfn, local_aws):
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    state = _sdk_task("s3:headObject", {"Bucket": bucket, "Key": "k"})
    outcome = sfn.run(single(state))
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert ISO_Z.match(outcome.output["LastModified"])
    assert outcome.output["ContentLength"] == 4
    events = sfn.client.get_execution_history(executionArn=outcome.execution_arn)["events"]
    assert events[-1]["type"] == "ExecutionSucceeded"


def test_s3_get_object_body_is_its_text(sfn, local_aws):
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="config.json", Body=b'{"segments": 4}')
    state = _sdk_task(
        "s3:getObject",
        {"Bucket": bucket, "Key": "config.json"},
        ResultSelector={"config.$": "States.StringToJson($.Body)"},
    )
    assert sfn.run(single(state)).output == {"config": {"segments": 4}}


def test_dynamodb_describe_table_creation_time_is_a_string(sfn, local_aws):
    table = f"t-{uuid.uuid4().hex[:8]}"
    local_aws.client("dynamodb").create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    )
    outcome = sfn.run(single(_sdk_task("dynamodb:describeTable", {"TableName": table})))
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert ISO_Z.match(outcome.output["Table"]["CreationDateTime"])


def test_context_timestamps_are_iso_strings(sfn):
    parameters = {"start.$": "$$.Execution.StartTime", "entered.$": "$$.State.EnteredTime"}
    outcome = sfn.run(single({"Type": "Pass", "Parameters": parameters}))
    millis = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # "2019-03-26T20:14:13.192Z"
    assert millis.match(outcome.output["start"]) and millis.match(outcome.output["entered"])


def test_aws_timestamp_format():
    from datetime import UTC, datetime, timedelta, timezone

    assert aws_timestamp(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05Z"
    assert aws_timestamp(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), millis=True) == (
        "2024-01-02T03:04:05.000Z"
    )
    plus_two = timezone(timedelta(hours=2))
    assert aws_timestamp(datetime(2024, 1, 2, 5, 4, 5, 123456, tzinfo=plus_two)) == (
        "2024-01-02T03:04:05.123Z"
    )


# --- 3. StartExecution names and idempotency ---------------------------------------------------


def test_unnamed_executions_get_distinct_uuid_names(sfn):
    state_machine = sfn.create(single({"Type": "Pass"}))
    arns = [sfn.start(state_machine), sfn.start(state_machine)]
    assert arns[0] != arns[1]
    for arn in arns:
        name = arn.rsplit(":", 1)[1]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", name)
        assert sfn.wait(arn).status == "SUCCEEDED"


def test_same_name_is_idempotent_while_running_and_taken_after(sfn):
    state_machine = sfn.create(single({"Type": "Wait", "Seconds": 30}))
    first = sfn.start(state_machine, {"a": 1}, name="job-1")
    assert sfn.start(state_machine, {"a": 1}, name="job-1") == first
    listed = sfn.client.list_executions(stateMachineArn=state_machine)["executions"]
    assert [e["executionArn"] for e in listed] == [first]
    with pytest.raises(ClientError) as different_input:
        sfn.start(state_machine, {"a": 2}, name="job-1")
    assert different_input.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    sfn.client.stop_execution(executionArn=first)
    assert sfn.wait(first).status == "ABORTED"
    with pytest.raises(ClientError) as closed:
        sfn.start(state_machine, {"a": 1}, name="job-1")
    assert closed.value.response["Error"]["Code"] == "ExecutionAlreadyExists"


# --- 4. aws-sdk error names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "parameters", "error"),
    [
        ("s3:getObject", {"Bucket": "no-such-bucket-xyz", "Key": "k"}, "S3.NoSuchBucketException"),
        (
            "dynamodb:getItem",
            {"TableName": "missing", "Key": {"id": {"S": "1"}}},
            "DynamoDb.ResourceNotFoundException",
        ),
        ("glue:getTable", {"DatabaseName": "missing", "Name": "t"}, "Glue.EntityNotFoundException"),
        ("lambda:getFunction", {"FunctionName": "missing"}, "Lambda.ResourceNotFoundException"),
        (
            "acmpca:describeCertificateAuthority",
            {
                "CertificateAuthorityArn": (
                    "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/missing"
                )
            },
            "AcmPca.ResourceNotFoundException",
        ),
        (
            "eventbridge:describeEventBus",
            {"Name": "missing"},
            "EventBridge.ResourceNotFoundException",
        ),
    ],
)
def test_sdk_errors_are_named_like_aws_and_catchable(sfn, resource, parameters, error):
    catch = [{"ErrorEquals": [error], "ResultPath": "$.error", "Next": "Caught"}]
    definition = machine(
        ("Call", _sdk_task(resource, parameters, Catch=catch, End=True)),
        ("Caught", {"Type": "Pass", "End": True}),
    )
    outcome = sfn.run(definition)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output["error"]["Error"] == error


def test_s3_missing_key_error(sfn, local_aws):
    bucket = f"b-{uuid.uuid4().hex[:8]}"
    local_aws.client("s3").create_bucket(Bucket=bucket)
    outcome = sfn.run(single(_sdk_task("s3:getObject", {"Bucket": bucket, "Key": "nope"})))
    assert (outcome.status, outcome.error) == ("FAILED", "S3.NoSuchKeyException")


@pytest.mark.parametrize(
    ("service", "prefix"),
    [
        ("s3", "S3"),
        ("dynamodb", "DynamoDb"),
        ("sfn", "Sfn"),
        ("acmpca", "AcmPca"),
        ("ec2", "Ec2"),
        ("glue", "Glue"),
        ("sqs", "Sqs"),
        ("secretsmanager", "SecretsManager"),
        ("mediaconvert", "MediaConvert"),
        ("lambda", "Lambda"),
    ],
)
def test_service_error_prefix(service, prefix):
    assert service_error_prefix(service) == prefix


# --- 5. definition validation ------------------------------------------------------------------


def _media_convert_definition(transcoder: str, distributed: bool) -> str:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:"
    processor = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"} if distributed else None
    item_processor = render(
        MEDIA_CONVERT / f"item_processor.{transcoder}.asl.json",
        encode_function_arn=arn + "encode",
        prepare_function_arn=arn + "prepare",
        job_template=json.dumps(mediaconvert_job_template()),
        processor_config=json.dumps(processor) if distributed else INLINE_MAP,
    )
    return render(
        MEDIA_CONVERT / "state_machine.asl.json",
        split_function_arn=arn + "split",
        merge_function_arn=arn + "merge",
        cleanup_function_arn=arn + "cleanup",
        max_concurrency=4,
        item_processor=item_processor,
        distributed=distributed,
        map_run_label="Parts",
    )


@pytest.mark.parametrize("distributed", [False, True], ids=["inline", "distributed"])
@pytest.mark.parametrize("transcoder", ["ffmpeg", "mediaconvert"])
def test_validate_accepts_the_media_convert_workflow(sfn, transcoder, distributed):
    definition = _media_convert_definition(transcoder, distributed)
    response = sfn.client.validate_state_machine_definition(definition=definition)
    assert (response["result"], response["diagnostics"]) == ("OK", [])
    assert response["truncated"] is False


def test_validate_reports_errors_with_code_and_location(sfn):
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    response = sfn.client.validate_state_machine_definition(definition=json.dumps(definition))
    assert response["result"] == "FAIL"
    found = {(d["code"], d.get("location")) for d in response["diagnostics"]}
    assert ("MISSING_TRANSITION_TARGET", "/States/A/Next") in found
    assert all(d["severity"] == "ERROR" and d["message"] for d in response["diagnostics"])
    one = sfn.client.validate_state_machine_definition(
        definition=json.dumps(definition), maxResults=1
    )
    assert len(one["diagnostics"]) == 1 and one["truncated"] is True


def test_create_and_update_reject_an_invalid_definition(sfn):
    unreachable = machine(("A", {"Type": "Pass", "End": True}), ("B", {"Type": "Pass"}))
    with pytest.raises(ClientError) as created:
        sfn.create(unreachable)
    assert created.value.response["Error"]["Code"] == "InvalidDefinition"
    assert "/States/B" in created.value.response["Error"]["Message"]

    state_machine = sfn.create(single({"Type": "Pass"}))
    with pytest.raises(ClientError) as updated:
        sfn.client.update_state_machine(
            stateMachineArn=state_machine, definition=json.dumps(unreachable)
        )
    assert updated.value.response["Error"]["Code"] == "InvalidDefinition"
    sfn.client.update_state_machine(
        stateMachineArn=state_machine, definition=json.dumps(single({"Type": "Succeed"}))
    )


def test_list_state_machine_versions_newest_first(sfn):
    """Terraform's aws_sfn_state_machine reads the versions on every refresh."""
    created = sfn.client.create_state_machine(
        name=f"v-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(single({"Type": "Pass", "Result": "one"})),
        roleArn=sfn.role_arn,
        publish=True,
    )
    arn = created["stateMachineArn"]
    assert (
        sfn.client.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"][0][
            "stateMachineVersionArn"
        ]
        == f"{arn}:1"
    )
    sfn.client.update_state_machine(
        stateMachineArn=arn,
        publish=True,
        definition=json.dumps(single({"Type": "Pass", "Result": "two"})),
    )
    versions = sfn.client.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [f"{arn}:2", f"{arn}:1"]
    # A version runs its own definition, and its runs are listed under the state machine.
    outcome = sfn.wait(sfn.start(f"{arn}:1"))
    assert (outcome.status, outcome.output) == ("SUCCEEDED", "one")
    listed = sfn.client.list_executions(stateMachineArn=arn)["executions"]
    assert [e["executionArn"] for e in listed] == [outcome.execution_arn]


def test_executor_errors_carry_their_code(sfn):
    with pytest.raises(ClientError) as bad_token:
        sfn.client.send_task_success(taskToken="not-a-token", output="{}")
    assert bad_token.value.response["Error"]["Code"] == "InvalidToken"


# --- 6. Lambda task errors ---------------------------------------------------------------------

FAILING = """
import time
class MyError(Exception):
    pass
def lambda_handler(event, context):
    if event.get("fail"):
        raise MyError("boom")
    time.sleep(event.get("sleep", 0))
    return {"ok": True}
"""


@pytest.fixture(scope="module")
def failing(local_aws):
    name = create_function(local_aws, FAILING, Timeout=1)
    return local_aws.client("lambda").get_function(FunctionName=name)["Configuration"]


def _caught(sfn, failing, event, error_equals, optimised=False):
    if optimised:
        task = {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": failing["FunctionArn"], "Payload.$": "$"},
        }
    else:
        task = {"Type": "Task", "Resource": failing["FunctionArn"]}
    catch = [{"ErrorEquals": error_equals, "ResultPath": "$.error", "Next": "Caught"}]
    definition = machine(
        ("Call", {**task, "Catch": catch, "End": True}), ("Caught", {"Type": "Pass", "End": True})
    )
    return sfn.run(definition, event)


@pytest.mark.parametrize("optimised", [False, True], ids=["function-arn", "lambda-invoke"])
@pytest.mark.parametrize("error_equals", [["MyError"], ["States.TaskFailed"], ["States.ALL"]])
def test_custom_exception_is_caught_by_name_and_wildcards(sfn, failing, error_equals, optimised):
    outcome = _caught(sfn, failing, {"fail": True}, error_equals, optimised)
    assert outcome.status == "SUCCEEDED"
    assert outcome.output["error"]["Error"] == "MyError"
    assert json.loads(outcome.output["error"]["Cause"])["errorMessage"] == "boom"


def test_service_exception_catcher_does_not_match_a_custom_error(sfn, failing):
    outcome = _caught(sfn, failing, {"fail": True}, ["Lambda.ServiceException"])
    assert (outcome.status, outcome.error) == ("FAILED", "MyError")


@pytest.mark.parametrize(
    ("error_equals", "caught"),
    [(["Sandbox.Timedout"], True), (["States.TaskFailed"], True), (["States.Timeout"], False)],
)
def test_function_timeout_is_sandbox_timedout_not_states_timeout(
    sfn, failing, error_equals, caught
):
    outcome = _caught(sfn, failing, {"sleep": 3}, error_equals, optimised=True)
    if caught:
        assert outcome.output["error"]["Error"] == "Sandbox.Timedout"
    else:
        assert (outcome.status, outcome.error) == ("FAILED", "Sandbox.Timedout")


def test_retry_on_a_custom_error_succeeds_on_the_second_attempt(sfn, local_aws, failing):
    name = failing["FunctionName"]
    before = len(local_aws.invocations(name))
    local_aws.inject_fault(name, count=1, error_type="TransientError")
    retry = [
        {
            "ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
            "MaxAttempts": 3,
        },
        {
            "ErrorEquals": ["TransientError"],
            "IntervalSeconds": 1,
            "MaxAttempts": 2,
            "BackoffRate": 2,
        },
    ]
    outcome = sfn.run(single({"Type": "Task", "Resource": failing["FunctionArn"], "Retry": retry}))
    assert (outcome.status, outcome.output) == ("SUCCEEDED", {"ok": True})
    attempts = local_aws.invocations(name)[before:]
    assert [a["injected"] for a in attempts] == [True, False]


def test_runtime_errors_are_not_caught_by_states_all(sfn, failing):
    state = {
        "Type": "Task",
        "Resource": failing["FunctionArn"],
        "Parameters": {"x.$": "$.missing"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
    }
    definition = machine(("Call", {**state, "End": True}), ("Caught", {"Type": "Pass"}))
    outcome = sfn.run(definition, {})
    assert (outcome.status, outcome.error) == ("FAILED", "States.Runtime")


# --- DescribeExecution output and Choice without a match ---------------------------------------


@pytest.mark.parametrize(
    ("result", "text"), [("hé", '"hé"'), (None, "null"), ({"a": [1, 2]}, '{"a":[1,2]}')]
)
def test_output_is_compact_json_text(sfn, result, text):
    arn = sfn.start(sfn.create(single({"Type": "Pass", "Result": result})))
    sfn.wait(arn)
    assert sfn.client.describe_execution(executionArn=arn)["output"] == text


def test_choice_without_match_fails_with_no_choice_matched(sfn):
    definition = machine(
        (
            "Route",
            {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Done"}],
            },
        ),
        ("Done", {"Type": "Succeed"}),
    )
    outcome = sfn.run(definition, {"n": 2})
    assert (outcome.status, outcome.error) == ("FAILED", "States.NoChoiceMatched")


# --- 7. JSONata ----------------------------------------------------------------------------------


def test_jsonata_states(sfn):
    pytest.importorskip("jsonata", reason="divergence: JSONata needs the jsonata-python package")
    definition = machine(
        (
            "Compute",
            {
                "Type": "Pass",
                "Assign": {"total": "{% $sum($states.input.xs) %}"},
                "Output": "{% {'parts': $partition($states.input.xs, 2)} %}",
            },
        ),
        (
            "Route",
            {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $total > 5 %}", "Next": "Big"}],
                "Default": "Small",
            },
        ),
        (
            "Big",
            {
                "Type": "Pass",
                "Output": "{% {'total': $total, 'parts': $states.input.parts} %}",
                "End": True,
            },
        ),
        ("Small", {"Type": "Fail", "Error": "TooSmall"}),
        QueryLanguage="JSONata",
    )
    outcome = sfn.run(definition, {"xs": [1, 2, 3]})
    assert outcome.output == {"total": 6, "parts": [[1, 2], [3]]}


# --- 8. answers shaped as AWS's --------------------------------------------------------------


def test_lambda_invoke_result_carries_the_sdk_metadata(sfn, failing):
    """Developer guide, "Invoke an AWS Lambda function with Step Functions": the optimised
    integration's result holds SdkHttpMetadata and SdkResponseMetadata next to the Payload."""
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": failing["FunctionName"], "Payload": {}},
    }
    output = sfn.run(single(state)).output
    assert (output["StatusCode"], output["ExecutedVersion"]) == (200, "$LATEST")
    assert output["Payload"] == {"ok": True}
    request_id = output["SdkResponseMetadata"]["RequestId"]
    http = output["SdkHttpMetadata"]
    assert http["HttpStatusCode"] == 200
    assert http["HttpHeaders"]["x-amzn-RequestId"] == request_id
    assert http["HttpHeaders"]["X-Amz-Executed-Version"] == "$LATEST"
    assert http["AllHttpHeaders"] == {k: [v] for k, v in http["HttpHeaders"].items()}


def test_stop_execution_answers_the_stop_date_describe_reports(sfn):
    arn = sfn.start(sfn.create(single({"Type": "Wait", "Seconds": 30})))
    stopped = sfn.client.stop_execution(executionArn=arn)["stopDate"]
    assert sfn.wait(arn).status == "ABORTED"
    assert sfn.client.describe_execution(executionArn=arn)["stopDate"] == stopped


def test_aws_sdk_takes_and_gives_pascal_case_for_a_camel_case_api(sfn, local_aws):
    """Developer guide, "Using AWS SDK service integrations": parameters are PascalCase even if
    the service's API is camelCase (API Gateway's restApiId, id, name)."""
    api = local_aws.client("apigateway").create_rest_api(name=f"api-{uuid.uuid4().hex[:6]}")
    outcome = sfn.run(single(_sdk_task("apigateway:getRestApi", {"RestApiId": api["id"]})))
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert (outcome.output["Id"], outcome.output["Name"]) == (api["id"], api["name"])
    assert "id" not in outcome.output


def test_create_accepts_what_aws_accepts(sfn):
    """JSONata in MaxConcurrency, ToleratedFailure*, Seconds and a constant Condition (the misses
    recorded against AWS) pass CreateStateMachine and run."""
    processor = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}
    definition = machine(
        (
            "Route",
            {"Type": "Choice", "Choices": [{"Condition": True, "Next": "Each"}], "Default": "Each"},
        ),
        (
            "Each",
            {
                "Type": "Map",
                "Items": "{% $states.input.xs %}",
                "MaxConcurrency": "{% 1 %}",
                "ToleratedFailurePercentage": "{% 5 %}",
                "ToleratedFailureCount": "{% 1 %}",
                "ItemProcessor": processor,
                "Next": "Pause",
            },
        ),
        ("Pause", {"Type": "Wait", "Seconds": "{% 0 %}", "End": True}),
        QueryLanguage="JSONata",
    )
    outcome = sfn.run(definition, {"xs": [1, 2]})
    assert (outcome.status, outcome.output) == ("SUCCEEDED", [1, 2])


def test_a_definition_the_local_engine_cannot_run_is_refused_saying_so(sfn):
    """A Distributed Map writing its results with a WriterConfig Transformation is valid on AWS
    (validation says OK) but the local engine does not run it: CreateStateMachine refuses it
    naming the local limitation."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "X",
        "States": {"X": {"Type": "Pass", "End": True}},
    }
    writer = {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "results", "Prefix": "out"},
        "WriterConfig": {"OutputType": "JSON", "Transformation": "COMPACT"},
    }
    definition = single({"Type": "Map", "ItemProcessor": processor, "ResultWriter": writer})
    validated = sfn.client.validate_state_machine_definition(definition=json.dumps(definition))
    assert validated["result"] == "OK", validated["diagnostics"]
    with pytest.raises(ClientError) as refused:
        sfn.create(definition)
    assert refused.value.response["Error"]["Code"] == "InvalidDefinition"
    assert (
        "local AWS's Step Functions engine cannot run it"
        in (refused.value.response["Error"]["Message"])
    )


@pytest.mark.parametrize(
    ("definition", "location"),
    [
        (
            single({"Type": "Wait", "Seconds": "{% 1 %}"}),  # JSONata in a JSONPath state
            "/States/S/Seconds",
        ),
        (single({"Type": "Pass", "Output": {"a": 1}}), "/States/S/Output"),
    ],
)
def test_validate_refuses_what_aws_refuses(sfn, definition, location):
    response = sfn.client.validate_state_machine_definition(definition=json.dumps(definition))
    assert response["result"] == "FAIL"
    assert ("SCHEMA_VALIDATION_FAILED", location) in {
        (d["code"], d.get("location")) for d in response["diagnostics"]
    }

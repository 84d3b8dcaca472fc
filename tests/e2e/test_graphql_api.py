"""The graphql-api module end to end, on rider-photo's e2e root (tests/terraform/rider_photo,
applied once for this module and test_rider_photo.py): a rider registered during the test is
pushed to `onRiderRegistered` subscribers (Step Functions' status change event → EventBridge →
the AppSync publish mutation → AppSync's real-time WebSocket protocol), queries with gql answer
what DynamoDB and Step Functions hold, each of the four modes is allowed with valid credentials
and refused with missing, expired or wrong ones, and bad queries get AppSync's errors."""

from __future__ import annotations

import time
import uuid

import pytest
import sample_photos as samples
from appsync_client import Subscriber, realtime_auth
from gql import GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError
from joserfc.jwk import RSAKey
from lambda_common.naming import execution_name
from workflow_runs import wait_for_execution

from tests.support.appsync import (
    add_user,
    claims_of,
    forged,
    gql_client,
    iam_user,
    id_token,
    post,
)
from tests.support.riders import deregister

pytestmark = pytest.mark.e2e

RIDER_FIELDS = """
  userId faceId photo { bucket key } thumbnail { bucket key width height }
  faceConfidence registeredAt executionArn
"""
ON_RIDER = (
    f"subscription On($userId: ID) {{ onRiderRegistered(userId: $userId) {{ {RIDER_FIELDS} }} }}"
)
RIDER = f"query Rider($userId: ID!) {{ rider(userId: $userId) {{ {RIDER_FIELDS} }} }}"
RIDERS = (
    "query Riders($next: String) { riders(limit: 1, nextToken: $next) "
    f"{{ items {{ {RIDER_FIELDS} }} nextToken }} }}"
)
RUN = """
query Run($userId: ID!) {
  rider(userId: $userId) {
    photoProcessing {
      executionArn name stateMachineArn status startDate stopDate error cause input output
      steps { name type enteredAt exitedAt }
    }
  }
}
"""
QUERY_DEPTH_LIMIT = 4  # as in tests/terraform/rider_photo/main.tf


@pytest.fixture(scope="module")
def stack(deployments):
    """The root's outputs (its destroy waits for test_rider_photo.py's tests too)."""
    _, outputs = deployments.wait("rider_photo")
    yield outputs
    deployments.release("rider_photo")


@pytest.fixture(scope="module")
def api(stack) -> dict:
    return stack["graphql_api"]


@pytest.fixture(scope="module")
def registration(local_aws, stack, api):
    """A rider registers during the test, while two clients subscribe to onRiderRegistered: one
    for this rider (API key), one for any rider (a Cognito user's token). The rider is removed
    afterwards: test_rider_photo.py registers the same sample faces."""
    outputs, user = stack["rider_photo"], f"gql-{uuid.uuid4().hex[:6]}"
    pool, client = api["user_pool_id"], api["user_pool_client_id"]
    username = add_user(local_aws, pool, f"{user}@example.com")
    token = id_token(local_aws, pool, client, username)
    on_user = Subscriber(
        api["realtime_url"],
        realtime_auth(api["graphql_url"], api_key=api["api_key"]),
        ON_RIDER,
        {"userId": user},
    )
    on_any = Subscriber(
        api["realtime_url"], realtime_auth(api["graphql_url"], token=token), ON_RIDER
    )
    started = time.monotonic()
    with on_user, on_any:
        key = f"{user}/selfie.jpg"
        etag = local_aws.client("s3").put_object(
            Bucket=outputs["photo_bucket"], Key=key, Body=samples.happy_face()
        )["ETag"]
        name = execution_name(outputs["photo_bucket"], key, etag)
        arn = outputs["state_machine_arn"].replace(":stateMachine:", ":execution:") + f":{name}"
        execution = wait_for_started_execution(local_aws, arn)
        events = on_user.wait_for(1, timeout=60)
        everyone = on_any.wait_for(1, timeout=60)
    yield {
        "user": user,
        "execution": execution,
        "events": events,
        "everyone": everyone,
        "seconds": time.monotonic() - started,
        "token": token,
    }
    deregister(local_aws, outputs, [user])


def wait_for_started_execution(local_aws, arn: str) -> dict:
    sfn = local_aws.client("stepfunctions")
    deadline = time.monotonic() + 60  # the start function runs asynchronously
    while True:
        try:
            sfn.describe_execution(executionArn=arn)
            break
        except sfn.exceptions.ExecutionDoesNotExist:
            assert time.monotonic() < deadline, f"no execution {arn}"
            time.sleep(0.3)
    return wait_for_execution(local_aws, arn, timeout=300)


def rider_from_row(row: dict) -> dict:
    """The Rider fields from the DynamoDB item (boto3's resource view)."""
    return {
        "userId": row["userId"],
        "faceId": row["faceId"],
        "photo": {"bucket": row["s3Bucket"], "key": row["s3Key"]},
        "thumbnail": {
            "bucket": row["thumbnailS3Bucket"],
            "key": row["thumbnailS3Key"],
            "width": int(row["thumbnailWidth"]),
            "height": int(row["thumbnailHeight"]),
        },
        "faceConfidence": float(row["faceConfidence"]),
        "registeredAt": row["registeredAt"],
        "executionArn": row["execution"],
    }


def registered_rows(local_aws, stack) -> list[dict]:
    import boto3

    table = boto3.resource("dynamodb", **local_aws.client_kwargs()).Table(
        stack["rider_photo"]["table_name"]
    )
    rows = table.scan(ConsistentRead=True)["Items"]
    return [r for r in rows if r.get("registration", "registered") == "registered"]


def test_a_rider_registered_by_the_workflow_is_pushed_to_subscribers(
    local_aws, stack, registration
):
    assert registration["execution"]["status"] == "SUCCEEDED", registration["execution"]
    (row,) = [r for r in registered_rows(local_aws, stack) if r["userId"] == registration["user"]]
    assert registration["events"] == [{"onRiderRegistered": rider_from_row(row)}]
    assert {"onRiderRegistered": rider_from_row(row)} in registration["everyone"]


def test_rider_and_riders_answer_the_dynamodb_rows(local_aws, stack, api, registration):
    client = gql_client(api["graphql_url"], api_key=api["api_key"])
    rows = {r["userId"]: rider_from_row(r) for r in registered_rows(local_aws, stack)}
    answer = client.execute(GraphQLRequest(RIDER, variable_values={"userId": registration["user"]}))
    assert answer["rider"] == rows[registration["user"]]
    paged, token = [], None
    while True:  # a page of one at a time
        page = client.execute(GraphQLRequest(RIDERS, variable_values={"next": token}))["riders"]
        paged += page["items"]
        token = page["nextToken"]
        if token is None:
            break
    assert {r["userId"]: r for r in paged} == rows and len(paged) == len(rows)
    nobody = client.execute(GraphQLRequest(RIDER, variable_values={"userId": "nobody"}))
    assert nobody == {"rider": None}


def test_a_riders_run_answers_its_execution_and_history(local_aws, api, registration):
    client = gql_client(api["graphql_url"], api_key=api["api_key"])
    answer = client.execute(GraphQLRequest(RUN, variable_values={"userId": registration["user"]}))
    run = answer["rider"]["photoProcessing"]
    execution = registration["execution"]
    history = local_aws.client("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"], maxResults=1000
    )["events"]
    assert run["executionArn"] == execution["executionArn"] and run["status"] == "SUCCEEDED"
    assert run["input"] == execution["input"] and run["output"] == execution["output"]
    assert run["startDate"] == iso(execution["startDate"])
    assert run["stopDate"] == iso(execution["stopDate"])
    assert (run["error"], run["cause"]) == (None, None)
    entered = [e for e in history if "stateEnteredEventDetails" in e]
    assert [s["name"] for s in run["steps"]] == [
        e["stateEnteredEventDetails"]["name"] for e in entered
    ]
    assert [s["enteredAt"] for s in run["steps"]] == [iso(e["timestamp"]) for e in entered]
    assert "PersistMetadata" in [s["name"] for s in run["steps"]]


def iso(value) -> str:
    from datetime import UTC

    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_each_mode_is_allowed_with_valid_credentials(local_aws, stack, api, registration):
    oidc = stack["oidc"]
    add_user(local_aws, oidc["user_pool_id"], "oidc-rider")
    credentials = {
        "API_KEY": {"api_key": api["api_key"]},
        "AWS_IAM": {"keys": iam_user(local_aws, [f"{api['api_arn']}/types/Query/fields/*"])},
        "AMAZON_COGNITO_USER_POOLS": {"token": registration["token"]},
        "OPENID_CONNECT": {
            "token": id_token(local_aws, oidc["user_pool_id"], oidc["client_id"], "oidc-rider")
        },
    }
    assert sorted(credentials) == sorted(api["authentication_types"])
    for mode, given in credentials.items():
        client = gql_client(api["graphql_url"], **given)
        answer = client.execute(
            GraphQLRequest(RIDER, variable_values={"userId": registration["user"]})
        )
        assert answer["rider"]["userId"] == registration["user"], mode


def refusals(local_aws, stack, api, registration) -> dict[str, tuple[dict, int, str]]:
    """Per mode and case: the credentials, the status and errorType AppSync answers with."""
    oidc = stack["oidc"]
    keys = iam_user(local_aws, [f"{api['api_arn']}/types/Query/fields/*"])
    claims = claims_of(registration["token"])
    add_user(local_aws, oidc["user_pool_id"], "oidc-other")
    wrong_audience = id_token(
        local_aws, oidc["user_pool_id"], oidc["other_client_id"], "oidc-other"
    )
    unauthorized = (401, "UnauthorizedException")
    return {
        "no credentials": ({}, *unauthorized),
        "API_KEY: a key of no API": ({"x-api-key": "da2-nosuchkey"}, *unauthorized),
        "AWS_IAM: a wrong secret": (
            {"keys": {**keys, "SecretAccessKey": "x" * 40}},
            403,
            "InvalidSignatureException",
        ),
        "AWS_IAM: an unknown access key": (
            {"keys": {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x" * 40}},
            401,
            "UnrecognizedClientException",
        ),
        "AMAZON_COGNITO_USER_POOLS: expired": (
            {"Authorization": forged({**claims, "exp": int(time.time()) - 1})},
            *unauthorized,
        ),
        "AMAZON_COGNITO_USER_POOLS: signed by another key": (
            {"Authorization": forged(claims, RSAKey.generate_key(2048))},
            *unauthorized,
        ),
        "OPENID_CONNECT: another client's token": (
            {"Authorization": wrong_audience},
            *unauthorized,
        ),
    }


def test_each_mode_is_refused_with_missing_expired_or_wrong_credentials(
    local_aws, stack, api, registration
):
    for case, (given, status, error_type) in refusals(local_aws, stack, api, registration).items():
        keys = given.pop("keys", None)
        answer_status, answer = post(
            api["graphql_url"], RIDER, {"userId": registration["user"]}, given, keys=keys
        )
        assert (answer_status, answer["errors"][0]["errorType"]) == (status, error_type), case
        assert "data" not in answer, case


def test_a_field_the_mode_may_not_read_is_unauthorized(local_aws, api):
    """The publish mutation is AWS_IAM only; an IAM caller needs appsync:GraphQL on it."""
    mutation = 'mutation { publishRiderRegistered(executionArn: "x") { userId } }'
    readers = {
        "API key": gql_client(api["graphql_url"], api_key=api["api_key"]),
        "IAM without the grant": gql_client(
            api["graphql_url"],
            keys=iam_user(local_aws, [f"{api['api_arn']}/types/Query/fields/*"]),
        ),
    }
    for case, client in readers.items():
        with pytest.raises(TransportQueryError) as refused:
            client.execute(gql(mutation))
        assert refused.value.data == {"publishRiderRegistered": None}, case
        (error,) = refused.value.errors
        assert error["errorType"] == "Unauthorized", case
        assert (
            error["message"] == "Not Authorized to access publishRiderRegistered on type Mutation"
        )


def test_malformed_unknown_and_too_deep_queries_get_appsyncs_errors(api, registration):
    url, headers = api["graphql_url"], {"x-api-key": api["api_key"]}
    status, answer = post(url, "{ riders(limit: 2) { items { userId }", headers=headers)
    assert status == 200 and answer["data"] is None
    assert answer["errors"][0]["message"].startswith("Invalid Syntax")
    assert answer["errors"][0]["locations"][0]["line"] == 1
    _, answer = post(url, "{\n  riders { items { userId nickname } } }", headers=headers)
    assert answer == {
        "data": None,
        "errors": [
            {
                "path": None,
                "locations": [{"line": 2, "column": 27, "sourceName": None}],
                "message": "Validation error of type FieldUndefined: Field 'nickname' in type "
                "'Rider' is undefined @ 'nickname'",
            }
        ],
    }
    # riders → items → photoProcessing → steps → name: 5 levels, the limit is 4.
    deep = "{ riders { items { userId photoProcessing { status steps { name } } } } }"
    _, answer = post(url, deep, headers=headers)
    errors = answer["errors"]
    assert errors and {e["errorType"] for e in errors} == {"QueryDepthLimitExceeded"}
    for error in errors:  # each step's name, at depth 5
        assert error["path"][-1] == "name"
        assert len([key for key in error["path"] if isinstance(key, str)]) == QUERY_DEPTH_LIMIT + 1
    mine = [r for r in answer["data"]["riders"]["items"] if r["userId"] == registration["user"]]
    # Step.name is non-null: its error nulls the nearest nullable field, steps.
    assert mine[0]["photoProcessing"] == {"status": "SUCCEEDED", "steps": None}


def test_a_run_of_another_state_machine_is_a_bad_request(api):
    client = gql_client(api["graphql_url"], api_key=api["api_key"])
    other = "arn:aws:states:us-east-1:123456789012:execution:other:x"
    query = "query Run($arn: ID!) { photoProcessing(executionArn: $arn) { status } }"
    with pytest.raises(TransportQueryError) as refused:
        client.execute(GraphQLRequest(query, variable_values={"arn": other}))
    assert refused.value.errors[0]["errorType"] == "BadRequestError"

"""HTTP APIs on the local AWS: a route with a StepFunctions-StartExecution integration starts an
execution with the parameters mapped from the request."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from localaws.apigateway import route_matches

from tests.support.iam import service_role

ROLE = "arn:aws:iam::123456789012:role/api"


@pytest.fixture(scope="module", autouse=True)
def service_roles(local_aws):
    """ROLE as the services of these tests may assume it (allowed everything: the tests are
    about the service, IAM is tested in test_iam_enforcement.py)."""
    service_role(
        local_aws, ["states.amazonaws.com", "apigateway.amazonaws.com"], name=ROLE.split("/")[-1]
    )


@pytest.mark.parametrize(
    ("route_key", "method", "path", "expected"),
    [
        ("POST /photos", "POST", "/photos", {}),
        ("POST /photos", "GET", "/photos", None),
        ("ANY /photos", "GET", "/photos", {}),
        ("POST /riders/{id}/photos", "POST", "/riders/r-1/photos", {"id": "r-1"}),
        ("POST /riders/{id}", "POST", "/riders/a/b", None),
        ("GET /files/{path+}", "GET", "/files/a/b.jpg", {"path": "a/b.jpg"}),
        ("$default", "DELETE", "/anything", {}),
    ],
)
def test_route_matching(route_key, method, path, expected):
    assert route_matches(route_key, method, path) == expected


@pytest.fixture(scope="module")
def api(local_aws):
    sfn = local_aws.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=f"api-{uuid.uuid4().hex[:6]}",
        roleArn=ROLE,
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    apis = local_aws.client("apigatewayv2")
    api_id = apis.create_api(Name="starter", ProtocolType="HTTP")["ApiId"]
    integration = apis.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationSubtype="StepFunctions-StartExecution",
        CredentialsArn=ROLE,
        PayloadFormatVersion="1.0",
        RequestParameters={
            "StateMachineArn": machine,
            "Input": "$request.body",
            "Name": "$request.header.x-request-name",
        },
    )["IntegrationId"]
    apis.create_route(ApiId=api_id, RouteKey="POST /photos", Target=f"integrations/{integration}")
    return local_aws.http_api_url(api_id), machine


def post(url: str, body: bytes, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_post_starts_an_execution_with_the_body_as_input(local_aws, api):
    url, machine = api
    name = f"run-{uuid.uuid4().hex[:6]}"
    status, body = post(f"{url}/photos", b'{"userId": "r-1"}', {"x-request-name": name})
    assert status == 200
    execution = local_aws.client("stepfunctions").describe_execution(
        executionArn=body["executionArn"]
    )
    assert execution["stateMachineArn"] == machine
    assert execution["name"] == name
    assert json.loads(execution["input"]) == {"userId": "r-1"}


def test_service_errors_pass_through(api):
    url, _ = api
    status, body = post(f"{url}/photos", b"not json", {"x-request-name": "bad-input"})
    assert status == 400
    assert body["__type"] == "InvalidExecutionInput"


def test_unknown_route_is_not_found(api):
    url, _ = api
    assert post(f"{url}/videos", b"{}", {})[0] == 404

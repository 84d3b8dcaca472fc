"""AppSync GraphQL APIs on the local AWS: an API created through the AppSync API answers GraphQL
at its `uris`, with a direct Lambda resolver invoked as its data source's role, in AppSync's
shapes, for each of the four authorization modes, and pushes mutations to subscriptions over
AppSync's real-time protocol."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from appsync_client import Subscriber, realtime_auth
from joserfc.jwk import RSAKey

from tests.support.appsync import (
    claims_of,
    forged,
    iam_user,
    id_token,
    pool_with_client,
    post,
)
from tests.support.iam import service_role
from tests.support.lambdas import create_function

ACCOUNT = "123456789012"
SCHEMA = """
schema { query: Query mutation: Mutation subscription: Subscription }

type Query @aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc {
  echo(text: String!): Echo
  fail(message: String!): String
  nested: Nest
}
type Echo @aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc {
  text: String!
  event: AWSJSON
}
type Nest @aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc {
  name: String
  level: Nest
}
type Mutation {
  announce(channel: String!, text: String!): Announcement @aws_iam
}
type Announcement @aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc {
  channel: String!
  text: String!
}
type Subscription @aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc {
  onAnnounce(channel: String): Announcement @aws_subscribe(mutations: ["announce"])
}
"""
RESOLVER = """
import json

def lambda_handler(event, context):
    field = event["info"]["fieldName"]
    if field == "fail":
        raise ValueError(event["arguments"]["message"])
    if field == "echo":
        return {"text": event["arguments"]["text"], "event": json.dumps(event)}
    if field == "nested":
        return {"name": "1", "level": {"name": "2", "level": {"name": "3", "level": {"name": "4"}}}}
    return event["arguments"]
"""


@pytest.fixture(scope="module")
def api(local_aws):
    appsync = local_aws.client("appsync")
    cognito_pool, cognito_client, cognito_other = pool_with_client(local_aws, "appsync-users")
    oidc_pool, oidc_client, oidc_other = pool_with_client(local_aws, "appsync-oidc")
    oidc_issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{oidc_pool}"
    created = appsync.create_graphql_api(
        name=f"local-{uuid.uuid4().hex[:6]}",
        authenticationType="API_KEY",
        additionalAuthenticationProviders=[
            {"authenticationType": "AWS_IAM"},
            {
                "authenticationType": "AMAZON_COGNITO_USER_POOLS",
                "userPoolConfig": {
                    "userPoolId": cognito_pool,
                    "awsRegion": "us-east-1",
                    "appIdClientRegex": f"^{cognito_client}$",
                },
            },
            {
                "authenticationType": "OPENID_CONNECT",
                "openIDConnectConfig": {"issuer": oidc_issuer, "clientId": oidc_client},
            },
        ],
        queryDepthLimit=3,
        introspectionConfig="DISABLED",
    )["graphqlApi"]
    api_id, arn = created["apiId"], created["arn"]
    appsync.start_schema_creation(apiId=api_id, definition=SCHEMA.encode())
    assert appsync.get_schema_creation_status(apiId=api_id)["status"] == "SUCCESS"
    function = create_function(local_aws, RESOLVER)
    function_arn = local_aws.client("lambda").get_function(FunctionName=function)["Configuration"][
        "FunctionArn"
    ]
    role = data_source_role(local_aws, arn, function_arn)
    appsync.create_data_source(
        apiId=api_id,
        name="resolver",
        type="AWS_LAMBDA",
        serviceRoleArn=role,
        lambdaConfig={"lambdaFunctionArn": function_arn},
    )
    for type_name, field in [
        ("Query", "echo"),
        ("Query", "fail"),
        ("Query", "nested"),
        ("Mutation", "announce"),
    ]:
        appsync.create_resolver(
            apiId=api_id, typeName=type_name, fieldName=field, dataSourceName="resolver"
        )
    key = appsync.create_api_key(apiId=api_id)["apiKey"]["id"]
    described = appsync.get_graphql_api(apiId=api_id)["graphqlApi"]
    return {
        "id": api_id,
        "arn": arn,
        "url": described["uris"]["GRAPHQL"],
        "realtime": described["uris"]["REALTIME"],
        "described": described,
        "key": key,
        "function_arn": function_arn,
        "role": role,
        "cognito": (cognito_pool, cognito_client, cognito_other),
        "oidc": (oidc_pool, oidc_client, oidc_other),
    }


def data_source_role(local_aws, api_arn: str, function_arn: str) -> str:
    """AppSync's data source role as the module writes it: trusted by appsync.amazonaws.com for
    this API only, allowed to invoke the one function."""
    iam, name = local_aws.client("iam"), f"appsync-{uuid.uuid4().hex[:8]}"
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "appsync.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {
            "ArnEquals": {"aws:SourceArn": api_arn},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    arn = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]["Arn"]
    grant = {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function_arn}
    iam.put_role_policy(
        RoleName=name,
        PolicyName="invoke",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]}),
    )
    return arn


ECHO = "query Echo($text: String!) { echo(text: $text) { text event } }"


def test_the_api_points_at_the_local_endpoints_and_keeps_its_settings(local_aws, api):
    assert api["url"] == f"{local_aws.endpoint}/_localaws/appsync/{api['id']}/graphql"
    assert api["realtime"].startswith("ws://127.0.0.1:") and api["id"] in api["realtime"]
    assert len(api["id"]) == 26 and api["id"].isalnum()
    described = api["described"]
    assert (described["queryDepthLimit"], described["introspectionConfig"]) == (3, "DISABLED")
    assert [p["authenticationType"] for p in described["additionalAuthenticationProviders"]] == [
        "AWS_IAM",
        "AMAZON_COGNITO_USER_POOLS",
        "OPENID_CONNECT",
    ]
    appsync = local_aws.client("appsync")
    resolver = appsync.get_resolver(apiId=api["id"], typeName="Query", fieldName="echo")
    assert resolver["resolver"]["dataSourceName"] == "resolver"
    assert [
        r["fieldName"]
        for r in appsync.list_resolvers(apiId=api["id"], typeName="Query")["resolvers"]
    ] == ["echo", "fail", "nested"]
    assert (
        appsync.get_data_source(apiId=api["id"], name="resolver")["dataSource"]["serviceRoleArn"]
        == api["role"]
    )


def test_api_key_expiry_is_rounded_down_to_the_hour(local_aws, api):
    """CreateApiKey and UpdateApiKey keep `expires` "rounded down to the nearest hour" (AppSync
    API reference): the graphql-api module's api_key_expires must be on the hour for that."""
    appsync = local_aws.client("appsync")
    hour = (int(time.time()) // 3600 + 48) * 3600
    key = appsync.create_api_key(apiId=api["id"], expires=hour + 45 * 60)["apiKey"]
    assert key["expires"] == hour
    updated = appsync.update_api_key(apiId=api["id"], id=key["id"], expires=hour + 3600 + 59)
    assert updated["apiKey"]["expires"] == hour + 3600
    appsync.delete_api_key(apiId=api["id"], id=key["id"])


def test_a_direct_lambda_resolver_gets_appsyncs_event(api):
    status, answer = post(api["url"], ECHO, {"text": "hi"}, {"x-api-key": api["key"]})
    assert status == 200 and "errors" not in answer, answer
    assert answer["data"]["echo"]["text"] == "hi"
    event = json.loads(answer["data"]["echo"]["event"])
    assert event["arguments"] == {"text": "hi"}
    assert event["identity"] is None  # API_KEY callers have no identity
    assert event["source"] is None and event["prev"] is None and event["stash"] == {}
    assert event["info"]["parentTypeName"] == "Query" and event["info"]["fieldName"] == "echo"
    assert event["info"]["selectionSetList"] == ["text", "event"]
    assert event["info"]["variables"] == {"text": "hi"}
    assert event["request"]["headers"]["x-api-key"] == api["key"]


def test_a_resolver_error_is_the_fields_error(api):
    status, answer = post(
        api["url"], '{ fail(message: "no such rider") }', headers={"x-api-key": api["key"]}
    )
    assert status == 200
    assert answer["data"] == {"fail": None}
    assert answer["errors"] == [
        {
            "path": ["fail"],
            "data": None,
            "errorType": "ValueError",
            "errorInfo": None,
            "locations": [{"line": 1, "column": 3, "sourceName": None}],
            "message": "no such rider",
        }
    ]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Valid authorization header not provided."),
        ({"x-api-key": "da2-notakeyofthisapi"}, "You are not authorized to make this call."),
        ({"Authorization": "not-a-jwt"}, "Unable to parse JWT token."),
    ],
)
def test_a_request_without_valid_credentials_is_refused_before_it_runs(api, headers, message):
    status, answer = post(api["url"], ECHO, {"text": "x"}, headers)
    assert (status, answer) == (
        401,
        {"errors": [{"errorType": "UnauthorizedException", "message": message}]},
    )


def test_malformed_unknown_and_introspection_queries_get_appsyncs_validation_errors(api):
    headers = {"x-api-key": api["key"]}
    status, answer = post(api["url"], "{ echo(text: ", headers=headers)
    assert status == 200 and answer["data"] is None
    (error,) = answer["errors"]
    assert error["message"].startswith("Invalid Syntax")
    assert error["locations"] == [{"line": 1, "column": 14, "sourceName": None}]
    status, answer = post(api["url"], "{\n  riders { userId }\n}", headers=headers)
    assert answer == {
        "data": None,
        "errors": [
            {
                "path": None,
                "locations": [{"line": 2, "column": 3, "sourceName": None}],
                "message": "Validation error of type FieldUndefined: Field 'riders' in type "
                "'Query' is undefined @ 'riders'",
            }
        ],
    }
    status, answer = post(api["url"], "{ __schema { types { name } } }", headers=headers)
    assert (
        answer["data"] is None
        and "FieldUndefined: Field '__schema'" in answer["errors"][0]["message"]
    )


def test_fields_deeper_than_the_depth_limit_are_null_with_an_error(api):
    query = "{ nested { name level { name level { name level { name } } } } }"
    _, answer = post(api["url"], query, headers={"x-api-key": api["key"]})
    # Depth 1: nested; 2: its fields; 3: level's; 4: the inner level's (queryDepthLimit 3).
    assert answer["data"] == {
        "nested": {"name": "1", "level": {"name": "2", "level": {"name": None, "level": None}}}
    }
    assert sorted(e["path"][-1] for e in answer["errors"]) == ["level", "name"]
    for error in answer["errors"]:
        assert error["path"][:3] == ["nested", "level", "level"]
        assert error["errorType"] == "QueryDepthLimitExceeded"


def test_iam_callers_need_a_valid_signature_and_appsync_graphql_on_the_field(local_aws, api):
    keys = iam_user(local_aws, [f"{api['arn']}/types/Query/fields/echo"])
    status, answer = post(api["url"], ECHO, {"text": "signed"}, keys=keys)
    assert status == 200 and answer["data"]["echo"]["text"] == "signed", answer
    identity = json.loads(answer["data"]["echo"]["event"])["identity"]
    assert identity["userArn"].startswith(f"arn:aws:iam::{ACCOUNT}:user/caller-")
    # Not granted: the mutation.
    mutation = 'mutation { announce(channel: "a", text: "t") { text } }'
    _, answer = post(api["url"], mutation, keys=keys)
    assert answer["data"] == {"announce": None}
    assert answer["errors"][0]["errorType"] == "Unauthorized"
    assert answer["errors"][0]["message"] == "Not Authorized to access announce on type Mutation"
    # A wrong secret, an unknown key.
    status, answer = post(
        api["url"], ECHO, {"text": "x"}, keys={**keys, "SecretAccessKey": "wrong"}
    )
    assert status == 403 and answer["errors"][0]["errorType"] == "InvalidSignatureException"
    unknown = {"AccessKeyId": "AKIAUNKNOWN000000000", "SecretAccessKey": "whatever"}
    status, answer = post(api["url"], ECHO, {"text": "x"}, keys=unknown)
    assert status == 401 and answer["errors"][0]["errorType"] == "UnrecognizedClientException"


def test_a_field_only_another_mode_may_read_is_unauthorized(api):
    mutation = 'mutation { announce(channel: "a", text: "t") { text } }'
    status, answer = post(api["url"], mutation, headers={"x-api-key": api["key"]})
    assert status == 200 and answer["data"] == {"announce": None}
    assert answer["errors"][0]["message"] == "Not Authorized to access announce on type Mutation"


def test_cognito_user_pool_tokens_are_checked_for_signature_expiry_and_client(local_aws, api):
    pool, client, other = api["cognito"]
    token = id_token(local_aws, pool, client)
    status, answer = post(api["url"], ECHO, {"text": "user"}, {"Authorization": token})
    assert status == 200 and answer["data"]["echo"]["text"] == "user", answer
    identity = json.loads(answer["data"]["echo"]["event"])["identity"]
    assert identity["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert identity["claims"]["token_use"] == "id"
    claims = claims_of(token)
    refused = {
        "another app client (appIdClientRegex)": id_token(local_aws, pool, other),
        "expired": forged({**claims, "exp": int(time.time()) - 60}),
        "signed with another key": forged(claims, RSAKey.generate_key(2048)),
    }
    for case, bad in refused.items():
        status, answer = post(api["url"], ECHO, {"text": "x"}, {"Authorization": bad})
        assert status == 401, case
        assert answer["errors"][0]["errorType"] == "UnauthorizedException", case
    expired = forged({**claims, "exp": int(time.time()) - 60})
    _, answer = post(api["url"], ECHO, {"text": "x"}, {"Authorization": expired})
    assert answer["errors"][0]["message"] == "Token has expired."


def test_oidc_tokens_need_the_configured_audience(local_aws, api):
    pool, client, other = api["oidc"]
    status, answer = post(
        api["url"], ECHO, {"text": "oidc"}, {"Authorization": id_token(local_aws, pool, client)}
    )
    assert status == 200 and answer["data"]["echo"]["text"] == "oidc", answer
    assert json.loads(answer["data"]["echo"]["event"])["identity"]["claims"]["aud"] == client
    status, answer = post(
        api["url"], ECHO, {"text": "x"}, {"Authorization": id_token(local_aws, pool, other)}
    )
    assert status == 401 and answer["errors"][0]["errorType"] == "UnauthorizedException"


def test_appsync_assumes_the_data_source_role_only_when_its_trust_names_the_api(local_aws, api):
    appsync = local_aws.client("appsync")
    stranger = data_source_role(local_aws, api["arn"] + "x", api["function_arn"])
    appsync.update_data_source(
        apiId=api["id"],
        name="resolver",
        type="AWS_LAMBDA",
        serviceRoleArn=stranger,
        lambdaConfig={"lambdaFunctionArn": api["function_arn"]},
    )
    try:
        _, answer = post(api["url"], ECHO, {"text": "x"}, {"x-api-key": api["key"]})
    finally:
        appsync.update_data_source(
            apiId=api["id"],
            name="resolver",
            type="AWS_LAMBDA",
            serviceRoleArn=api["role"],
            lambdaConfig={"lambdaFunctionArn": api["function_arn"]},
        )
    assert answer["data"] == {"echo": None}
    assert "could not assume the data source role" in answer["errors"][0]["message"]


SUBSCRIBE = "subscription On($channel: String) { onAnnounce(channel: $channel) { channel text } }"


def test_a_mutation_reaches_the_subscriptions_whose_arguments_it_matches(local_aws, api):
    keys = iam_user(local_aws, [f"{api['arn']}/types/Mutation/fields/announce"])
    announce = (
        "mutation A($c: String!, $t: String!) { announce(channel: $c, text: $t) { channel text } }"
    )
    with Subscriber(
        api["realtime"], realtime_auth(api["url"], api_key=api["key"]), SUBSCRIBE, {"channel": "a"}
    ) as on_a:
        token = id_token(local_aws, *api["cognito"][:2])
        with Subscriber(
            api["realtime"], realtime_auth(api["url"], token=token), SUBSCRIBE
        ) as on_any:
            for channel, text in [("b", "first"), ("a", "second")]:
                status, answer = post(api["url"], announce, {"c": channel, "t": text}, keys=keys)
                assert status == 200 and "errors" not in answer, answer
            assert on_any.wait_for(2) == [
                {"onAnnounce": {"channel": "b", "text": "first"}},
                {"onAnnounce": {"channel": "a", "text": "second"}},
            ]
            assert on_a.wait_for(1) == [{"onAnnounce": {"channel": "a", "text": "second"}}]


def test_a_subscription_with_bad_credentials_is_refused(local_aws, api):
    from gql.transport.exceptions import TransportQueryError, TransportServerError

    auth = realtime_auth(api["url"], api_key="da2-wrong")
    with (
        pytest.raises(TransportServerError, match="UnauthorizedException"),
        Subscriber(api["realtime"], auth, SUBSCRIBE),
    ):
        pass
    # Signed, but granted another API only: the field is refused at start.
    keys = iam_user(local_aws, [f"arn:aws:appsync:us-east-1:{ACCOUNT}:apis/other/*"])
    auth = realtime_auth(api["url"], keys=keys)
    with (
        pytest.raises(TransportQueryError, match="Not Authorized to access onAnnounce"),
        Subscriber(api["realtime"], auth, SUBSCRIBE),
    ):
        pass


def test_a_finished_execution_reaches_subscribers_through_an_eventbridge_appsync_target(
    local_aws, api
):
    """Step Functions sends "Execution Status Change" to the default bus; a rule's AppSync
    target runs the mutation with the transformed event as its variables, as its role."""
    sfn, events, iam = (local_aws.client(s) for s in ("stepfunctions", "events", "iam"))
    machine = sfn.create_state_machine(
        name=f"runs-{uuid.uuid4().hex[:6]}",
        roleArn=service_role(local_aws, "states.amazonaws.com"),
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
    )["stateMachineArn"]
    rule_name = f"runs-{uuid.uuid4().hex[:6]}"
    rule_arn = events.put_rule(
        Name=rule_name,
        EventPattern=json.dumps(
            {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {"stateMachineArn": [machine], "status": ["SUCCEEDED"]},
            }
        ),
    )["RuleArn"]
    trust = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    role_name = f"publish-{uuid.uuid4().hex[:6]}"
    role = iam.create_role(
        RoleName=role_name,
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]["Arn"]
    grant = {
        "Effect": "Allow",
        "Action": "appsync:GraphQL",
        "Resource": f"{api['arn']}/types/Mutation/fields/announce",
    }
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="publish",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]}),
    )
    events.put_targets(
        Rule=rule_name,
        Targets=[
            {
                "Id": "api",
                "Arn": api["arn"].replace(":apis/", ":endpoints/graphql-api/"),
                "RoleArn": role,
                "AppSyncParameters": {
                    "GraphQLOperation": "mutation A($c: String!, $t: String!) "
                    "{ announce(channel: $c, text: $t) { channel text } }"
                },
                "InputTransformer": {
                    "InputPathsMap": {"arn": "$.detail.executionArn"},
                    "InputTemplate": '{"c": "runs", "t": <arn>}',
                },
            }
        ],
    )
    auth = realtime_auth(api["url"], api_key=api["key"])
    with Subscriber(api["realtime"], auth, SUBSCRIBE, {"channel": "runs"}) as runs:
        execution = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        assert runs.wait_for(1) == [{"onAnnounce": {"channel": "runs", "text": execution}}]

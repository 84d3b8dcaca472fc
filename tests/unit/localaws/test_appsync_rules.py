"""The local AppSync's rules that need no server: API key expiry, the JWT claims checks, which
modes a field allows, subscription filters, EventBridge's input transformation for AppSync
targets, and the Lambda event's selectionSetList."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from graphql import parse
from localaws import appsync, appsync_auth
from localaws.appsync_realtime import matches

SCHEMA = """
type Query @aws_api_key @aws_oidc { open: String, iamOnly: String @aws_iam }
type Mutation { plain: String }
"""


@pytest.mark.parametrize(("expires_in", "allowed"), [(3600, True), (-1, False), (0, False)])
def test_an_api_key_is_refused_once_expired(expires_in, allowed):
    api = SimpleNamespace(api_keys={"da2-key": SimpleNamespace(expires=time.time() + expires_in)})
    if allowed:
        assert appsync_auth.api_key_caller(api, "da2-key").mode == "API_KEY"
        return
    with pytest.raises(appsync_auth.Unauthorized) as refused:
        appsync_auth.api_key_caller(api, "da2-key")
    assert refused.value.status == 401
    assert refused.value.body() == {
        "errors": [
            {
                "errorType": "UnauthorizedException",
                "message": "You are not authorized to make this call.",
            }
        ]
    }


def test_a_mode_the_api_lacks_is_refused_before_its_credential_is_read():
    config = {"authenticationType": "AWS_IAM"}
    with pytest.raises(appsync_auth.Unauthorized):
        appsync_auth.authenticate(
            SimpleNamespace(api_keys={}),
            config,
            "POST",
            "https://x/graphql",
            {"x-api-key": "da2-key"},
            b"{}",
            "127.0.0.1",
        )


def test_fields_allow_their_own_directives_else_their_types_else_the_default_mode():
    schema = appsync.build(SCHEMA)
    assert appsync.allowed_modes(schema, "Query", "open", "AWS_IAM") == {
        "API_KEY",
        "OPENID_CONNECT",
    }
    assert appsync.allowed_modes(schema, "Query", "iamOnly", "API_KEY") == {"AWS_IAM"}
    assert appsync.allowed_modes(schema, "Mutation", "plain", "API_KEY") == {"API_KEY"}


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"aud": "client", "iat": 0}, None),
        ({"aud": ["other", "client"], "iat": 0}, None),
        ({"aud": "other", "iat": 0}, "You are not authorized to make this call."),
        ({"aud": "client", "iat": -120}, "Token has expired."),  # iatTTL 60 s
    ],
)
def test_oidc_tokens_need_the_client_id_as_audience_and_a_recent_iat(claims, problem):
    """iat is given relative to the check's own clock."""
    now = 1_800_000_000.0
    oidc = {"issuer": "https://idp", "clientId": "client", "iatTTL": 60_000, "authTTL": 0}
    claims = {**claims, "iat": now + claims["iat"]}
    assert appsync_auth.oidc_problem(claims, oidc, now) == problem


def test_user_pool_tokens_are_matched_to_the_app_client_regex():
    pool = {"userPoolId": "us-east-1_x", "appIdClientRegex": "^web-.*$"}
    assert appsync_auth.cognito_problem({"token_use": "id", "aud": "web-1"}, pool, 0) is None
    assert (
        appsync_auth.cognito_problem({"token_use": "access", "client_id": "web-2"}, pool, 0) is None
    )
    assert appsync_auth.cognito_problem({"token_use": "id", "aud": "cli-1"}, pool, 0)
    with pytest.raises(appsync_auth.Unauthorized):
        appsync_auth.cognito_problem({"token_use": "refresh"}, pool, 0)


@pytest.mark.parametrize(
    ("arguments", "value", "delivered"),
    [
        ({}, {"userId": "a"}, True),
        ({"userId": None}, {"userId": "a"}, True),
        ({"userId": "a"}, {"userId": "a", "faceId": "f"}, True),
        ({"userId": "b"}, {"userId": "a"}, False),
        ({"userId": "a", "faceId": "g"}, {"userId": "a", "faceId": "f"}, False),
    ],
)
def test_a_subscription_gets_the_mutations_whose_result_matches_its_arguments(
    arguments, value, delivered
):
    assert matches(arguments, value) is delivered


def test_the_selection_set_list_names_every_selected_field_by_its_path():
    operation = parse("{ rider { userId photo { key } ... on Rider { faceId } __typename } }")
    (field,) = operation.definitions[0].selection_set.selections
    assert appsync.selection_set_list([field]) == ["userId", "photo", "photo/key", "faceId"]

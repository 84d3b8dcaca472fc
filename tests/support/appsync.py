"""Clients of a (local) AppSync API for the tests: raw POSTs to check AppSync's answers exactly,
gql clients for each authorization mode, SigV4 signing, Cognito tokens and forged JWTs (signed
with the local Cognito's key, or another, to check expiry and signatures)."""

from __future__ import annotations

import base64
import gzip
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

import moto
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"


def sigv4_headers(url: str, body: str, keys: Mapping, region: str = REGION) -> dict:
    """The headers of a POST of `body` to `url` signed for AppSync with the keys."""
    request = AWSRequest(
        method="POST", url=url, data=body, headers={"content-type": "application/json"}
    )
    credentials = Credentials(
        keys["AccessKeyId"], keys["SecretAccessKey"], keys.get("SessionToken")
    )
    SigV4Auth(credentials, "appsync", region).add_auth(request)
    return dict(request.headers)


def post(url: str, query: str, variables: dict | None = None, headers=None, keys=None):
    """(status, answer) of a GraphQL POST; `keys` sign it with SigV4."""
    body = json.dumps({"query": query, "variables": variables or {}})
    headers = {"content-type": "application/json", **(headers or {})}
    if keys is not None:
        headers.update(sigv4_headers(url, body, keys))
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class SigV4(requests.auth.AuthBase):
    """requests' auth signing each request for AppSync (gql's RequestsHTTPTransport takes it)."""

    def __init__(self, keys: Mapping) -> None:
        self.keys = keys

    def __call__(self, request):
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        request.headers.update(sigv4_headers(request.url, body, self.keys))
        return request


def gql_client(url: str, api_key=None, token=None, keys=None):
    """A gql client of the API with one mode's credentials."""
    from gql import Client
    from gql.transport.requests import RequestsHTTPTransport

    headers = {}
    if api_key is not None:
        headers["x-api-key"] = api_key
    if token is not None:
        headers["Authorization"] = token
    transport = RequestsHTTPTransport(
        url=url, headers=headers, auth=SigV4(keys) if keys else None, timeout=60, retries=0
    )
    return Client(transport=transport, fetch_schema_from_transport=False)


# --- Cognito users and tokens -----------------------------------------------------------------

# The local Cognito signs every pool's tokens with moto's key: a test can forge what the issuer
# alone could sign (an expired token), or sign with another key.
MOTO_KEY = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
PASSWORD = "Rider-Passw0rd!"


def add_user(local_aws, pool: str, username: str = "rider") -> str:
    cognito = local_aws.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=pool,
        Username=username,
        TemporaryPassword="Temp-Passw0rd!1",
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=pool, Username=username, Password=PASSWORD, Permanent=True
    )
    return username


def pool_with_client(local_aws, name: str) -> tuple[str, str, str]:
    """A user pool with the user "rider", an app client and a second one: (pool id, client id,
    other client id)."""
    cognito = local_aws.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName=name)["UserPool"]["Id"]
    clients = [
        cognito.create_user_pool_client(
            UserPoolId=pool,
            ClientName=f"{name}-{index}",
            ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for index in range(2)
    ]
    add_user(local_aws, pool)
    return pool, clients[0], clients[1]


def id_token(local_aws, pool: str, client: str, username: str = "rider") -> str:
    return local_aws.client("cognito-idp").admin_initiate_auth(
        UserPoolId=pool,
        ClientId=client,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]["IdToken"]


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def forged(claims: dict, key=None) -> str:
    """A token with these claims signed with the local Cognito's key (or another key)."""
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = key or RSAKey.import_key(json.loads(gzip.decompress(MOTO_KEY.read_bytes())))
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, key)


def iam_user(local_aws, resources: list[str]) -> dict:
    """Keys of a new IAM user allowed appsync:GraphQL on these ARNs."""
    import uuid

    iam, name = local_aws.client("iam"), f"caller-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    grant = {"Effect": "Allow", "Action": "appsync:GraphQL", "Resource": resources}
    iam.put_user_policy(
        UserName=name,
        PolicyName="graphql",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]}),
    )
    return iam.create_access_key(UserName=name)["AccessKey"]

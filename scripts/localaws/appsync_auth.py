"""Who calls a local AppSync API, authorized as AppSync authorizes (AppSync Developer Guide,
"Configuring authorization and authentication to secure your GraphQL APIs").

A request names its mode by what it carries: `x-api-key` (API_KEY), a SigV4 `Authorization`
(AWS_IAM), any other `Authorization` a JWT (AMAZON_COGNITO_USER_POOLS or OPENID_CONNECT, told
apart by its issuer). The mode must be one the API is configured with, and the credential valid:
the key one of the API's and not expired; the signature recomputed with the caller's secret (a role
session's or IAM user's; the deployer's `localaws` keys act as the account's administrator, as
everywhere on the local AWS); the JWT's signature checked against its issuer's JWKS (a Cognito user
pool's are moto's, an OIDC issuer's are fetched from its discovery document), its expiry, issuer,
audience or client, and `iatTTL`/`authTTL`. Anything else is AppSync's UnauthorizedException.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hmac
import json
import re
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field

from . import ACCOUNT, authorization

API_KEY, IAM, COGNITO, OIDC = "API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT"
DIRECTIVES = {
    "aws_api_key": API_KEY,
    "aws_iam": IAM,
    "aws_cognito_user_pools": COGNITO,
    "aws_oidc": OIDC,
}
DEPLOYER_KEY = "localaws"  # the keys Terraform, the tests and the demo sign with
SIGNATURE_SKEW = datetime.timedelta(minutes=5)  # SigV4's allowed clock skew
COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+_\w+)$")
NOT_AUTHORIZED = "You are not authorized to make this call."


class Unauthorized(Exception):
    """A request AppSync refuses before running it: its `errors` body with this status."""

    def __init__(self, message: str, error_type: str = "UnauthorizedException", status=401):
        super().__init__(message)
        self.message, self.error_type, self.status = message, error_type, status

    def body(self) -> dict:
        return {"errors": [{"errorType": self.error_type, "message": self.message}]}


@dataclass(frozen=True)
class Caller:
    mode: str
    identity: dict | None = None  # $context.identity, as the resolver sees it
    principal: authorization.Principal | None = None  # AWS_IAM; None: the administrator
    claims: dict = field(default_factory=dict)


def modes(config: Mapping) -> dict[str, Mapping]:
    """The API's modes (CreateGraphqlApi's fields) -> each one's provider settings."""
    found = {config["authenticationType"]: config}
    for provider in config.get("additionalAuthenticationProviders") or []:
        found.setdefault(provider["authenticationType"], provider)
    return found


def authenticate(
    api, config: Mapping, method: str, url: str, headers: Mapping, body: bytes, source_ip: str
) -> Caller:
    """The caller of a request to the API, or Unauthorized."""
    headers = {k.lower(): v for k, v in headers.items()}
    configured = modes(config)
    if headers.get("x-api-key"):
        if API_KEY not in configured:
            raise Unauthorized(NOT_AUTHORIZED)
        return api_key_caller(api, headers["x-api-key"])
    token = headers.get("authorization", "")
    if token.startswith("AWS4-HMAC-SHA256"):
        if IAM not in configured:
            raise Unauthorized(NOT_AUTHORIZED)
        return iam_caller(method, url, headers, body, source_ip)
    if token:
        return jwt_caller(token, configured, source_ip)
    raise Unauthorized("Valid authorization header not provided.")


def api_key_caller(api, key: str) -> Caller:
    found = api.api_keys.get(key)
    if found is None or found.expires <= time.time():
        raise Unauthorized(NOT_AUTHORIZED)
    return Caller(API_KEY)


# --- AWS_IAM ------------------------------------------------------------------------------------

SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]+)"
)


def iam_caller(method: str, url: str, headers: Mapping, body: bytes, source_ip: str) -> Caller:
    access_key, region = verify_sigv4(method, url, headers, body)
    authorizer = authorization.AUTHORIZER
    principal = authorizer.principal_for_key(access_key, ACCOUNT) if authorizer else None
    arn = principal.arn if principal else f"arn:aws:iam::{ACCOUNT}:root"
    identity = {
        "accountId": ACCOUNT,
        "userArn": arn,
        "username": access_key,
        "sourceIp": [source_ip],
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }
    return Caller(IAM, identity, principal, {"region": region})


def verify_sigv4(method: str, url: str, headers: Mapping, body: bytes) -> tuple[str, str]:
    """(access key, region) of a request whose SigV4 signature (service `appsync`) is the one
    its caller's secret gives; else Unauthorized as AppSync answers."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    match = SIGV4.match(headers.get("authorization", ""))
    if not match:
        raise Unauthorized("Valid authorization header not provided.")
    access_key, date, region, service, *_ = [*match["credential"].split("/"), "", "", "", ""]
    secret = secret_for(access_key)
    if secret is None:
        raise Unauthorized(
            "The security token included in the request is invalid.", "UnrecognizedClientException"
        )
    stamp = headers.get("x-amz-date", "")
    try:
        signed_at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
    except ValueError:
        raise Unauthorized(
            "Missing or malformed X-Amz-Date.", "InvalidSignatureException", 403
        ) from None
    if abs(datetime.datetime.now(datetime.UTC) - signed_at) > SIGNATURE_SKEW:
        raise Unauthorized("Signature expired.", "InvalidSignatureException", 403)
    signed = match["signed"].split(";")
    request = AWSRequest(
        method=method,
        url=url,
        data=body,
        headers={name: headers.get(name, "") for name in signed},
    )
    request.context["timestamp"] = stamp
    token = headers.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(access_key, secret, token), service, region)
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    if (
        service != "appsync"
        or date != stamp[:8]
        or not hmac.compare_digest(expected, match["signature"])
    ):
        raise Unauthorized(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
            "InvalidSignatureException",
            403,
        )
    return access_key, region


def secret_for(access_key: str) -> str | None:
    if access_key == DEPLOYER_KEY:
        return DEPLOYER_KEY
    authorizer = authorization.AUTHORIZER
    return authorizer.secret_for_key(access_key, ACCOUNT) if authorizer else None


def iam_may(caller: Caller, api_arn: str, type_name: str, field_name: str, region: str) -> bool:
    """Whether the IAM caller may call the field: appsync:GraphQL on
    <api arn>/types/<type>/fields/<field> (Service Authorization Reference, AWS AppSync)."""
    authorizer = authorization.AUTHORIZER
    if caller.principal is None or authorizer is None:
        return True
    resource = f"{api_arn}/types/{type_name}/fields/{field_name}"
    return authorizer.may(caller.principal, "appsync:GraphQL", resource, region)


# --- JWTs: Cognito user pools and OIDC ----------------------------------------------------------


def jwt_caller(token: str, configured: Mapping, source_ip: str) -> Caller:
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:  # the issuer picks the keys; nothing else is read before the signature is checked
        issuer = _unverified_claims(token).get("iss", "")
    except ValueError:
        raise Unauthorized("Unable to parse JWT token.") from None
    providers = []
    if COGNITO in configured:
        pool = configured[COGNITO]["userPoolConfig"]
        region = pool.get("awsRegion") or "us-east-1"
        if issuer == f"https://cognito-idp.{region}.amazonaws.com/{pool['userPoolId']}":
            providers.append((COGNITO, pool))
    if OIDC in configured:
        oidc = configured[OIDC]["openIDConnectConfig"]
        if issuer.rstrip("/") == oidc["issuer"].rstrip("/"):
            providers.append((OIDC, oidc))
    if not providers:
        raise Unauthorized(NOT_AUTHORIZED)
    try:
        keys = jwks(issuer)
    except (OSError, ValueError, KeyError):
        raise Unauthorized(f"Unable to read the signing keys of {issuer}.") from None
    try:
        claims = jwt.decode(token, keys).claims
    except (JoseError, ValueError):
        raise Unauthorized(NOT_AUTHORIZED) from None
    now = time.time()
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
        raise Unauthorized("Token has expired.")
    refusal = NOT_AUTHORIZED
    for mode, settings in providers:
        problem = (cognito_problem if mode == COGNITO else oidc_problem)(claims, settings, now)
        if problem is None:
            return Caller(mode, identity(mode, claims, source_ip), claims=claims)
        refusal = problem
    raise Unauthorized(refusal)


def _unverified_claims(token: str) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWS compact token")
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(claims, dict):
        raise ValueError("the payload is not a JSON object")
    return claims


def cognito_problem(claims: Mapping, pool: Mapping, now: float) -> str | None:
    """Why a user pool's token is refused (None: accepted): an id token's `aud` or an access
    token's `client_id` must match appIdClientRegex, when set."""
    use = claims.get("token_use")
    if use not in ("id", "access"):
        raise Unauthorized(NOT_AUTHORIZED)
    client = claims.get("aud") if use == "id" else claims.get("client_id")
    pattern = pool.get("appIdClientRegex")
    if pattern and not re.fullmatch(pattern, str(client or "")):
        return NOT_AUTHORIZED
    return None


def oidc_problem(claims: Mapping, oidc: Mapping, now: float) -> str | None:
    """Why an OIDC token is refused: `aud` must be the clientId when one is set; iatTTL and
    authTTL (milliseconds, 0 for none) bound the token's age."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if oidc.get("clientId") and oidc["clientId"] not in audiences:
        return NOT_AUTHORIZED
    for claim, ttl in (("iat", oidc.get("iatTTL")), ("auth_time", oidc.get("authTTL"))):
        if ttl and (claim not in claims or now - claims[claim] > ttl / 1000):
            return "Token has expired."
    return None


def identity(mode: str, claims: Mapping, source_ip: str) -> dict:
    if mode == OIDC:
        return {"sub": claims.get("sub"), "issuer": claims.get("iss"), "claims": dict(claims)}
    return {
        "sub": claims.get("sub"),
        "issuer": claims.get("iss"),
        "username": claims.get("cognito:username") or claims.get("username"),
        "claims": dict(claims),
        "sourceIp": [source_ip],
        "defaultAuthStrategy": "ALLOW",
        "groups": claims.get("cognito:groups"),
    }


def jwks(issuer: str):
    """The issuer's signing keys: a local Cognito user pool's are moto's (every pool signs with
    moto's one key); any other issuer's come from its OpenID discovery document."""
    from joserfc.jwk import KeySet

    cognito = COGNITO_ISSUER.match(issuer)
    if cognito:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse

        region, pool_id = cognito.groups()
        if pool_id not in cognitoidp_backends[ACCOUNT][region].user_pools:
            raise KeyError(pool_id)
        return KeySet.import_key_set(json.loads(CognitoIdpJsonWebKeyResponse.json_web_key))
    return KeySet.import_key_set(_discovered_keys(issuer.rstrip("/")))


@functools.lru_cache(maxsize=32)
def _discovered_keys(issuer: str) -> dict:
    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=5) as r:
        jwks_uri = json.loads(r.read())["jwks_uri"]
    with urllib.request.urlopen(jwks_uri, timeout=5) as response:
        return json.loads(response.read())

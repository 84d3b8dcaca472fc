"""IAM enforced on the local AWS as AWS enforces it, so that a missing grant fails here first.

Every request signed with a role session's or an IAM user's keys is authorized: its IAM action and
resources come from the Service Authorization Reference (`iam_catalog`), the policies from the
local IAM (the role's inline and attached policies) and the resource (bucket, queue, topic and
function policies, key policies), the decision from `iam_policy.evaluate`. Keys that belong to no
session or user are the deployer's (Terraform, tests): an administrator, not evaluated.

Who calls with which keys, as on AWS: each function's code runs with a session of its execution
role; a state machine's tasks with its role; Glue job runs and crawlers with theirs; MediaConvert
jobs with theirs. Deliveries between services (S3 notifications, SNS to SQS, CloudWatch Logs using a
key) are checked against the resource's policy for the service principal with `check_service`.

`LOCALAWS_IAM` picks the mode: `enforce` (the default) denies, `soft` logs what would be denied
and allows it, `off` skips the evaluation. Not evaluated: SCPs, RCPs, permission boundaries,
session policies, ACLs (see the README's divergences).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from . import ACCOUNT, iam_catalog
from .iam_policy import AuthzRequest, Decision, Policy, denial_message, evaluate

log = logging.getLogger("localaws.iam")

MODES = ("enforce", "soft", "off")
SESSION_SECONDS = 43200  # the longest role session; the local AWS outlives no test run


class AccessDenied(Exception):
    """A request IAM would refuse; `code` is the service's error code for it."""

    def __init__(self, message: str, code: str = "AccessDeniedException") -> None:
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Principal:
    """The caller: a role session or an IAM user, as its keys identify it."""

    arn: str  # arn:aws:sts::<acct>:assumed-role/<role>/<session> or arn:aws:iam::<acct>:user/<u>
    account: str
    role_name: str | None = None
    user_name: str | None = None

    @classmethod
    def root(cls, account: str) -> Principal:
        return cls(f"arn:aws:iam::{account}:root", account)

    @classmethod
    def session(cls, role_arn: str, session_name: str) -> Principal:
        """A session of the role, named as STS names it."""
        account, role_name = role_arn.split(":")[4], role_arn.split("/")[-1]
        arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"
        return cls(arn, account, role_name=role_name)

    @property
    def role_arn(self) -> str | None:
        if self.role_name is None:
            return None
        return f"arn:aws:iam::{self.account}:role/{self.role_name}"


@dataclass
class Usage:
    """What each principal was allowed to do, and by which statements: the least-privilege report's
    input."""

    records: dict[tuple[str, str, str], list[dict]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, principal: Principal, action: str, resource: str, decision: Decision) -> None:
        key = (principal.role_arn or principal.arn, action, resource)
        matched = [
            {"policy": ref.source, "statement": ref.sid or str(ref.index)}
            for ref in decision.matched
        ]
        with self.lock:
            self.records.setdefault(key, matched)

    def as_list(self) -> list[dict]:
        with self.lock:
            return [
                {"principal": p, "action": a, "resource": r, "statements": s}
                for (p, a, r), s in sorted(self.records.items())
            ]


def sts_session_name(name: str) -> str:
    """A role session name as STS accepts it (2-64 of [\\w+=,.@-])."""
    return re.sub(r"[^\w+=,.@-]", "-", name)[:64]


def _iam(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _sts(account: str):
    from moto.sts.models import sts_backends

    return sts_backends[account]["aws"]


def identity_policies(principal: Principal) -> list[Policy]:
    """The principal's inline and attached policies (a user's groups' too), read afresh:
    Terraform may change them between calls. A deleted role or user has none."""
    from moto.iam.exceptions import NotFoundException

    if principal.role_name is None and principal.user_name is None:
        return []  # the account root: allowed what no policy denies
    iam = _iam(principal.account)
    try:
        if principal.role_name is not None:
            return _policies_of(iam, "role", principal.role_name)
        policies = _policies_of(iam, "user", principal.user_name)
        for group in iam.get_groups_for_user(principal.user_name):
            policies += _policies_of(iam, "group", group.name)
        return policies
    except NotFoundException:
        return []


def _policies_of(iam, kind: str, name: str) -> list[Policy]:
    inline_names = getattr(iam, f"list_{kind}_policies")(name)
    documents = [getattr(iam, f"get_{kind}_policy")(name, n) for n in inline_names]
    # moto answers get_role_policy with (name, document), the others with a dict
    documents = [d[1] if isinstance(d, tuple) else d["policy_document"] for d in documents]
    policies = [
        Policy(doc, f"inline policy {n!r} of {kind} {name}")
        for n, doc in zip(inline_names, documents, strict=True)
    ]
    attached, *_ = getattr(iam, f"list_attached_{kind}_policies")(name)
    for managed in attached:
        version = iam.get_policy_version(managed.arn, managed.default_version_id)
        policies.append(Policy(version.document, f"managed policy {managed.arn} of {kind} {name}"))
    return policies


def resource_policy(arn: str, action: str, region: str) -> tuple[Policy | None, bool]:
    """The resource-based policy that governs the action on an ARN and whether it must allow by
    itself (key policies, and role trust policies for sts actions), or (None, False)."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return None, False
    _, _, service, arn_region, account, rest = parts
    region = arn_region or region
    try:
        if service == "s3":
            from moto.s3.models import s3_backends

            bucket = s3_backends[account or ACCOUNT]["aws"].buckets.get(rest.split("/")[0])
            text = bucket.policy if bucket else None
            text = text.decode() if isinstance(text, bytes) else text
            return (Policy(text, f"bucket policy of {bucket.name}") if text else None), False
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            queue = sqs_backends[account][region].queues.get(rest)
            text = queue.policy if queue else None
            return (Policy(text, f"queue policy of {rest}") if text else None), False
        if service == "sns":
            from moto.sns.models import sns_backends

            topic = sns_backends[account][region].topics.get(arn)
            text = topic.policy if topic else None
            return (Policy(text, f"topic policy of {rest}") if text else None), False
        if service == "lambda" and rest.startswith("function:"):
            from moto.awslambda.models import lambda_backends

            name = rest.split(":")[1]
            document = lambda_backends[account][region].get_function(name).policy.get_policy()
            return Policy(document["Policy"], f"resource-based policy of function {name}"), False
        if service == "kms" and rest.startswith("key/"):
            from moto.kms.models import kms_backends

            key = kms_backends[account][region].keys.get(rest.removeprefix("key/"))
            return (Policy(key.policy, f"key policy of {key.id}") if key else None), True
        if service == "iam" and rest.startswith("role/") and action.startswith("sts:"):
            role = _iam(account).get_role(rest.split("/")[-1])
            return Policy(
                role.assume_role_policy_document, f"trust policy of role {role.name}"
            ), True
    except Exception:
        return None, False
    return None, False


def global_context(principal: Principal, region: str) -> dict:
    now = datetime.datetime.now(datetime.UTC)
    context = {
        "aws:PrincipalArn": principal.role_arn or principal.arn,
        "aws:PrincipalAccount": principal.account,
        "aws:RequestedRegion": region,
        # The local endpoint stands in for AWS's HTTPS endpoints.
        "aws:SecureTransport": True,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:PrincipalType": "AssumedRole" if principal.role_name else "User",
    }
    if principal.user_name:
        context["aws:username"] = principal.user_name
    return context


class Authorizer:
    """The local AWS's IAM: sessions for the roles the services assume, and the checks."""

    def __init__(self, mode: str | None = None) -> None:
        mode = (mode or os.environ.get("LOCALAWS_IAM") or "enforce").lower()
        if mode not in MODES:
            raise ValueError(f"LOCALAWS_IAM={mode!r}: use one of {', '.join(MODES)}")
        self.mode = mode
        self.usage = Usage()
        self.denials: list[dict] = []
        self._sessions: dict[tuple[str, str], dict[str, str]] = {}
        self._by_key: dict[str, Principal] = {}
        self._lock = threading.Lock()
        self._current = threading.local()

    # --- who is calling -------------------------------------------------------------------------

    def session_credentials(self, role_arn: str, session_name: str) -> dict[str, str]:
        """Keys of a session of the role, as a service that assumes it gets them (cached)."""
        session_name = sts_session_name(session_name)
        with self._lock:
            cached = self._sessions.get((role_arn, session_name))
            if cached:
                return cached
            account = role_arn.split(":")[4]
            session = _sts(account).assume_role(
                region_name="us-east-1",
                role_session_name=session_name,
                role_arn=role_arn,
                policy=None,
                duration=SESSION_SECONDS,
                external_id=None,
            )
            keys = {
                "AccessKeyId": session.access_key_id,
                "SecretAccessKey": session.secret_access_key,
                "SessionToken": session.session_token,
            }
            self._sessions[(role_arn, session_name)] = keys
            self._by_key[session.access_key_id] = Principal.session(role_arn, session_name)
            return keys

    def principal_for_key(self, access_key: str, account: str) -> Principal | None:
        """The session or user the keys belong to; None for the deployer (an administrator)."""
        if not access_key:
            return None
        known = self._by_key.get(access_key)
        if known:
            return known
        session = _sts(account).get_assumed_role_from_access_key(access_key)
        if session is not None:
            return Principal.session(session.role_arn, session.session_name)
        for user in _iam(account).users.values():
            if any(k.access_key_id == access_key for k in user.access_keys):
                return Principal(user.arn, account, user_name=user.name)
        return None

    def secret_for_key(self, access_key: str, account: str) -> str | None:
        """The secret of a role session's or an IAM user's access key, for services that check
        the signature themselves (AppSync); None for keys of neither."""
        session = _sts(account).get_assumed_role_from_access_key(access_key)
        if session is not None:
            return session.secret_access_key
        for user in _iam(account).users.values():
            for key in user.access_keys:
                if key.access_key_id == access_key and key.status == "Active":
                    return key.secret_access_key
        return None

    @property
    def current(self) -> Principal | None:
        """The caller of the request this thread is serving (None: the deployer)."""
        return getattr(self._current, "principal", None)

    def serving(self, principal: Principal | None) -> None:
        self._current.principal = principal

    # --- decisions ------------------------------------------------------------------------------

    def check(
        self,
        principal: Principal | None,
        action: str,
        resources: list[str] | None,
        region: str,
        context: Mapping | None = None,
        code: str = "AccessDeniedException",
    ) -> None:
        """Raise AccessDenied unless the principal may perform the action on every resource."""
        if principal is None or self.mode == "off":
            return
        if resources is None:
            log.warning(
                "%s: no resource for %s in the request; evaluated as '*'", principal.arn, action
            )
            resources = ["*"]
        identity = identity_policies(principal)
        for resource in resources:
            policy, required = resource_policy(resource, action, region)
            request = AuthzRequest(
                principal=principal.arn,
                action=action,
                resource=resource,
                context={**global_context(principal, region), **(context or {})},
                account_id=resource.split(":")[4]
                if resource.count(":") >= 5 and resource.split(":")[4]
                else principal.account,
            )
            decision = evaluate(request, identity, policy, resource_policy_required=required)
            if decision.allowed:
                self.usage.add(principal, action, resource, decision)
                continue
            self._refuse(request, decision, identity, policy, code)

    def check_service(
        self,
        service: str,
        action: str,
        resource: str,
        region: str,
        context: Mapping | None = None,
    ) -> bool:
        """Whether the resource's policy lets a service principal (s3.amazonaws.com, ...) act on
        it: how deliveries between services are authorized. Logs the denial."""
        if self.mode == "off":
            return True
        policy, _ = resource_policy(resource, action, region)
        account = resource.split(":")[4] or ACCOUNT
        request = AuthzRequest(
            service, action, resource, {"aws:SecureTransport": True, **(context or {})}, account
        )
        decision = evaluate(request, (), policy, resource_policy_required=True)
        if decision.allowed:
            return True
        message = denial_message(request, decision)
        self._record_denial(request, message, [], policy, decision)
        return self.mode == "soft"

    def role_may(
        self,
        role_arn: str,
        session_name: str,
        action: str,
        resource: str,
        region: str,
        context: Mapping | None = None,
    ) -> bool:
        """Whether a service acting with a session of the role may do this (for the work services
        do with a role outside any API call: polling a queue, writing a function's logs, sending
        to its dead-letter queue). Logs the denial."""
        principal = Principal.session(role_arn, sts_session_name(session_name))
        return self.may(principal, action, resource, region, context)

    def may(
        self,
        principal: Principal,
        action: str,
        resource: str,
        region: str,
        context: Mapping | None = None,
    ) -> bool:
        """`check` as a yes or no (the denial is logged and recorded all the same)."""
        try:
            self.check(principal, action, [resource], region, context)
        except AccessDenied:
            return False
        return True

    def check_missing_object(self, principal: Principal, object_arn: str, region: str) -> None:
        """S3 answers a read of a missing key with 404 only to a caller that may list the bucket,
        and with 403 to others (S3 API reference, HeadObject/GetObject "Permissions")."""
        from moto.s3.models import s3_backends

        bucket_name, _, key = object_arn.removeprefix("arn:aws:s3:::").partition("/")
        bucket = s3_backends[principal.account]["aws"].buckets.get(bucket_name)
        if bucket is None or key in bucket.keys:
            return
        try:
            self.check(
                principal,
                "s3:ListBucket",
                [f"arn:aws:s3:::{bucket_name}"],
                region,
                {"s3:prefix": key},
                "AccessDenied",
            )
        except AccessDenied:
            raise AccessDenied("Access Denied", "AccessDenied") from None

    def _refuse(self, request, decision, identity, policy, code: str) -> None:
        message = denial_message(request, decision)
        self._record_denial(request, message, identity, policy, decision)
        if self.mode == "enforce":
            raise AccessDenied(message, code)

    def _record_denial(self, request, message: str, identity, policy, decision=None) -> None:
        sources = [p.source for p in identity] + ([policy.source] if policy else [])
        log.warning(
            "IAM %s: %s. To allow it: %s",
            "denied" if self.mode == "enforce" else "would deny (soft mode)",
            message,
            remedy(request, identity, policy, decision),
        )
        with self._lock:
            self.denials.append(
                {
                    "principal": request.principal,
                    "action": request.action,
                    "resource": request.resource,
                    "message": message,
                    "policies": sources,
                }
            )


def remedy(request: AuthzRequest, identity, policy, decision) -> str:
    """Which policy would have to change for the request to be allowed."""
    what = f"{request.action} on {request.resource}"
    if decision is not None and decision.denied_by is not None:
        return f"remove or narrow the Deny in {decision.denied_by}"
    if not request.principal.startswith("arn:"):  # a service principal: the resource decides
        where = policy.source if policy else f"the resource policy of {request.resource}"
        return f"allow {request.principal} {what} in {where}"
    names = [p.source for p in identity] or ["an identity policy of the caller (it has none)"]
    if policy is not None and policy.source.startswith(("key policy", "trust policy")):
        return (
            f"allow {what} in {policy.source} (and, if it delegates to IAM, in one of: "
            f"{'; '.join(names)})"
        )
    return f"allow {what} in one of: {'; '.join(names)}"


# --- requests through moto ----------------------------------------------------------------------

AUTHORIZER: Authorizer | None = None

# Error codes of an access denial where the service does not say AccessDeniedException.
DENIAL_CODES = {
    "s3": "AccessDenied",
    "sts": "AccessDenied",
    "iam": "AccessDenied",
    "sqs": "AccessDenied",
    "sns": "AuthorizationError",
    "monitoring": "AccessDenied",
}
XML_SERVICES = {"s3", "sts", "iam", "sns", "monitoring"}


def credential_scope(headers: Mapping, query: Mapping) -> tuple[str, str, str]:
    """(access key, region, signing name) of a SigV4-signed request (header or presigned URL)."""
    auth = headers.get("Authorization") or headers.get("authorization") or ""
    match = re.search(r"Credential=([^,\s]+)", auth)
    credential = match.group(1) if match else (query.get("X-Amz-Credential") or [""])[0]
    parts = credential.split("/")
    if len(parts) < 5:
        return credential, "us-east-1", ""
    return parts[0], parts[2], parts[3]


def request_parameters(response) -> dict:
    """The request's parameters as the SDK named them, however moto parsed them."""
    params: dict = {}
    for key, values in (response.querystring or {}).items():
        if isinstance(key, str):
            params[key] = values[0] if isinstance(values, list) and values else values
    if isinstance(getattr(response, "params", None), dict):
        params.update(response.params)
    elif response.body and isinstance(response.body, str) and response.body.startswith("{"):
        with contextlib.suppress(ValueError):
            params.update(json.loads(response.body))
    if response.uri_match:  # path segments as sent: percent-encoded
        params.update({k: unquote(v) for k, v in response.uri_match.groupdict().items() if v})
    return params


def s3_context(response, action: str) -> dict:
    query = response.querystring or {}
    context = {}
    if action == "s3:ListBucket":
        for key in ("prefix", "delimiter", "max-keys"):
            if key in query:
                context[f"s3:{key}"] = query[key][0]
    for header in (
        "x-amz-server-side-encryption",
        "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-acl",
    ):
        if response.headers.get(header):
            context[f"s3:{header}"] = response.headers[header]
    # The keys a bucket policy enforces conditional writes with (S3 User Guide, "Enforce
    # conditional writes on Amazon S3 buckets").
    if action == "s3:PutObject":
        for header in ("If-Match", "If-None-Match"):
            if response.headers.get(header):
                context[f"s3:{header.lower()}"] = response.headers[header]
    return context


# Operations AWS answers without any permission ("No permissions are required").
UNAUTHORIZED_OPERATIONS = {("sts", "GetCallerIdentity")}

# Calls that hand a role to a service, which AWS authorizes as iam:PassRole by the caller:
# action -> (parameter naming the role, the service it is passed to).
PASSED_ROLES = {
    "lambda:CreateFunction": ("Role", "lambda.amazonaws.com"),
    "lambda:UpdateFunctionConfiguration": ("Role", "lambda.amazonaws.com"),
    "states:CreateStateMachine": ("roleArn", "states.amazonaws.com"),
    "states:UpdateStateMachine": ("roleArn", "states.amazonaws.com"),
    "glue:CreateJob": ("Role", "glue.amazonaws.com"),
    "glue:CreateCrawler": ("Role", "glue.amazonaws.com"),
    "mediaconvert:CreateJob": ("Role", "mediaconvert.amazonaws.com"),
}


def passed_role(action: str, params: Mapping, account: str) -> tuple[str, str] | None:
    """(role ARN, service) when the call passes a role."""
    parameter, service = PASSED_ROLES.get(action, (None, None))
    role = params.get(parameter) if parameter else None
    return (role_arn(role, account), service) if role else None


def role_arn(role: str | None, account: str) -> str | None:
    """A role given by name or ARN (Glue takes either), as its ARN."""
    if not role or role.startswith("arn:"):
        return role
    return f"arn:aws:iam::{account}:role/{role}"


def authorize_moto_request(response, resource: str) -> None:
    """moto's authorization hook for every API call it serves (see `install`)."""
    authorizer = AUTHORIZER
    if authorizer is None:
        return
    access_key, region, signing_name = credential_scope(response.headers, response.querystring)
    account = response.current_account
    principal = authorizer.principal_for_key(access_key, account)
    authorizer.serving(principal)
    if authorizer.mode == "off":
        return
    if signing_name == "s3":
        action = f"s3:{response.data['Action']}"
        if action == "s3:DeleteObject" and "/" not in resource.removeprefix("arn:aws:s3:::"):
            return  # DeleteObjects: each key is authorized on its own (FakeBucket.get_permission)
        # A bucket policy's Deny binds the account's administrators too.
        caller = principal or Principal.root(account)
        authorizer.check(
            caller, action, [resource], region, s3_context(response, action), "AccessDenied"
        )
        if principal is not None and action == "s3:GetObject":
            authorizer.check_missing_object(principal, resource, region)
        # "To perform a conditional write with the HTTP If-Match header, you must have the
        # s3:PutObject and s3:GetObject permissions" (S3 User Guide, conditional writes).
        if action == "s3:PutObject" and response.headers.get("If-Match"):
            authorizer.check(caller, "s3:GetObject", [resource], region, {}, "AccessDenied")
    else:
        operation = response._get_action()
        params = request_parameters(response)
        if principal is not None:
            check_operation(principal, signing_name, operation, params, region)
        if signing_name == "logs" and operation in ("CreateLogGroup", "AssociateKmsKey"):
            check_log_group_key(params, region, account)
        check_trust(f"{iam_catalog.iam_prefix(signing_name)}:{operation}", params, region, account)


def authorize_call(headers: Mapping, query: Mapping, operation: str, params: Mapping) -> None:
    """Authorize an API call the local AWS serves outside moto (MediaConvert); raises
    AccessDenied."""
    if AUTHORIZER is None or AUTHORIZER.mode == "off":
        return
    access_key, region, signing_name = credential_scope(headers, query)
    principal = AUTHORIZER.principal_for_key(access_key, ACCOUNT)
    if principal is not None:
        check_operation(principal, signing_name, operation, params, region)


# Services that refuse a role they cannot assume when it is handed to them: the role's trust
# policy must let their principal call sts:AssumeRole. Action -> (error code, message).
_LAMBDA_REFUSES = (
    "InvalidParameterValueException",
    "The role defined for the function cannot be assumed by Lambda.",
)
_STATES_REFUSES = (
    "AccessDeniedException",
    "Neither the global service principal states.amazonaws.com, nor the regional one is "
    "authorized to assume the provided role.",
)
TRUST_REFUSALS = {
    "lambda:CreateFunction": _LAMBDA_REFUSES,
    "lambda:UpdateFunctionConfiguration": _LAMBDA_REFUSES,
    "states:CreateStateMachine": _STATES_REFUSES,
    "states:UpdateStateMachine": _STATES_REFUSES,
}


def check_trust(action: str, params: Mapping, region: str, account: str) -> None:
    """Lambda and Step Functions check at creation that they can assume the role."""
    passed = passed_role(action, params, account) if action in TRUST_REFUSALS else None
    if passed is None:
        return
    role, service = passed
    # The service assumes the role for this account's resource (confused-deputy keys).
    context = {"aws:SourceAccount": account}
    machine = params.get("stateMachineArn") or (
        params.get("name") and f"arn:aws:states:{region}:{account}:stateMachine:{params['name']}"
    )
    if action.startswith("states:") and machine:
        context["aws:SourceArn"] = machine
    if not AUTHORIZER.check_service(service, "sts:AssumeRole", role, region, context):
        raise AccessDenied(TRUST_REFUSALS[action][1], TRUST_REFUSALS[action][0])


def check_log_group_key(params: Mapping, region: str, account: str) -> None:
    """CloudWatch Logs encrypts a group with its key as the regional service principal: the key
    policy must let it, for this log group's encryption context (CloudWatch Logs user guide,
    "Encrypt log data in CloudWatch Logs using AWS KMS")."""
    key = params.get("kmsKeyId")
    if not key:
        return
    if not key.startswith("arn:"):
        key = f"arn:aws:kms:{region}:{account}:key/{key}"
    group = f"arn:aws:logs:{region}:{account}:log-group:{params.get('logGroupName')}"
    context = {"kms:EncryptionContext:aws:logs:arn": group}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        if not AUTHORIZER.check_service(
            f"logs.{region}.amazonaws.com", action, key, region, context
        ):
            raise AccessDenied(
                f"The specified KMS key does not exist or is not allowed to be used with Arn "
                f"'{group}'"
            )


def check_operation(
    principal: Principal, signing_name: str, operation: str, params: Mapping, region: str
) -> None:
    """The IAM action of an operation on the resources its parameters name, and iam:PassRole
    for a role it hands to a service."""
    if (signing_name, operation) in UNAUTHORIZED_OPERATIONS:
        return
    action = iam_catalog.action_for(signing_name, operation)
    if action is None:
        log.warning("no IAM action known for %s:%s; not evaluated", signing_name, operation)
        return
    code = DENIAL_CODES.get(signing_name, "AccessDeniedException")
    account = principal.account
    passed = passed_role(action, params, account)
    if passed:
        role, service = passed
        AUTHORIZER.check(
            principal, "iam:PassRole", [role], region, {"iam:PassedToService": service}, code
        )
    resources = iam_catalog.resources_for(action, params, "aws", region, account)
    context = {
        f"kms:EncryptionContext:{k}": v for k, v in (params.get("EncryptionContext") or {}).items()
    } | iam_catalog.request_context(action, params)
    AUTHORIZER.check(principal, action, resources, region, context, code)


class DeniedResponse(HTTPException):
    """An access denial in the wire format of the service's protocol (moto answers an
    HTTPException raised by its authorization hook as the response)."""

    def __init__(self, signing_name: str, error: AccessDenied) -> None:
        super().__init__()
        code, message = escape(error.code), escape(error.message)
        if signing_name == "s3":
            self.body = (
                f"<?xml version='1.0' encoding='UTF-8'?>\n<Error><Code>{code}</Code>"
                f"<Message>{message}</Message></Error>"
            )
            self.mime = "application/xml"
        elif signing_name in XML_SERVICES:
            self.body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{message}</Message></Error></ErrorResponse>"
            )
            self.mime = "text/xml"
        else:
            self.body = json.dumps({"__type": error.code, "message": error.message})
            self.mime = "application/json"
        self.code = 403 if signing_name in XML_SERVICES or signing_name == "lambda" else 400
        self.error_code = error.code
        self.description = self.body  # moto's call_action answers with the description

    def get_body(self, *args, **kwargs) -> str:
        return self.body

    def get_headers(self, *args, **kwargs) -> list[tuple[str, str]]:
        return [("Content-Type", self.mime), ("x-amzn-ErrorType", self.error_code)]


def install(authorizer: Authorizer) -> None:
    """Route moto's own authorization hook (called by every response class before it acts) to
    the authorizer."""
    global AUTHORIZER
    AUTHORIZER = authorizer
    from .moto_internals import replace

    def authorize(self, iam_request_cls, resource: str = "*") -> None:
        try:
            authorize_moto_request(self, resource)
        except AccessDenied as denied:
            _, _, signing_name = credential_scope(self.headers, self.querystring)
            raise DeniedResponse(signing_name, denied) from None

    replace("ActionAuthenticatorMixin._authenticate_and_authorize_action", authorize)

    # moto asks the bucket for object requests and for each key of a DeleteObjects; its own
    # evaluation knows few operators and no request context. Object requests are authorized
    # above; each key of a DeleteObjects is authorized here (AWS reports a denied key as an
    # AccessDenied error in the response, as moto does with DENIED).
    from moto.iam.access_control import PermissionResult

    def get_permission(self, action: str, resource: str):
        if action == "s3:DeleteObject" and not caller_may(action, resource, "us-east-1"):
            return PermissionResult.DENIED
        return PermissionResult.NEUTRAL

    replace("FakeBucket.get_permission", get_permission)


def session_client(
    service: str, endpoint: str, region: str, role_arn: str | None, session_name: str, **kwargs
):
    """A client calling as a service that assumed the role does (the deployer's without a role,
    as when the service was given none)."""
    from . import client

    keys = None
    if AUTHORIZER is not None and role_arn:
        keys = AUTHORIZER.session_credentials(role_arn, session_name)
    return client(service, endpoint, region, credentials=keys, **kwargs)


def service_may(service: str, action: str, resource: str, region: str, **context) -> bool:
    """`Authorizer.check_service` of the running local AWS (True when it enforces nothing)."""
    context = {f"aws:{k}": v for k, v in context.items()}
    return AUTHORIZER is None or AUTHORIZER.check_service(
        service, action, resource, region, context
    )


def role_may(
    role_arn: str,
    session_name: str,
    action: str,
    resource: str,
    region: str,
    context: Mapping | None = None,
) -> bool:
    """`Authorizer.role_may` of the running local AWS (True when it enforces nothing)."""
    if AUTHORIZER is None or not role_arn:
        return True
    return AUTHORIZER.role_may(role_arn, session_name, action, resource, region, context)


def caller_may(action: str, resource: str, region: str) -> bool:
    """Whether the caller of the request being served may do this too (a service that acts with
    the caller's permissions, as Rekognition reads an S3Object); True for the deployer."""
    if AUTHORIZER is None or AUTHORIZER.current is None:
        return True
    return AUTHORIZER.may(AUTHORIZER.current, action, resource, region)

"""IAM policy evaluation for one request, as AWS documents it for a single account.

Evaluates identity-based policies (a user's or a role's inline and managed policies) together
with one resource-based policy (bucket, queue, topic or function policy, KMS key policy, role
trust policy), following the IAM User Guide's "Policy evaluation logic":

* an explicit Deny in any of them wins;
* otherwise an Allow in an identity-based policy or, within the account, in the resource-based
  policy grants (a resource policy naming the account delegates to identity policies instead:
  "AWS account principals");
* across accounts both must allow;
* KMS key policies and role trust policies must allow themselves (``resource_policy_required``);
* the account root user has full access to its account's resources unless denied;
* anything else is implicitly denied.

Statements match on Action/NotAction, Resource/NotResource, Principal/NotPrincipal and the
Condition operators of "IAM JSON policy elements: Condition operators" (with ``...IfExists``,
``ForAllValues:``/``ForAnyValue:`` and policy variables in 2012-10-17 policies).

Not evaluated: service control and resource control policies, permissions boundaries, session
policies, VPC endpoint policies, ACLs. The caller builds the request context (aws:username,
aws:SourceArn, ...); nothing is derived from the principal here.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CURRENT_VERSION = "2012-10-17"  # the only version with policy variables ("Version" element)
VERSIONS = (CURRENT_VERSION, "2008-10-17")


@dataclass(frozen=True)
class Policy:
    """A policy document (JSON text is parsed), checked when created; `source` labels it in
    reports, e.g. "inline policy 'least-privilege' of role demo-split-lambda"."""

    document: Mapping | str
    source: str
    statements: tuple[Mapping, ...] = field(init=False, repr=False, compare=False)
    version: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        doc = self.document
        if isinstance(doc, str):
            try:
                doc = json.loads(doc)
            except json.JSONDecodeError as error:
                raise ValueError(f"{self.source}: not JSON: {error}") from None
        if not isinstance(doc, Mapping) or "Statement" not in doc:
            raise ValueError(f"{self.source}: a policy is a JSON object with a Statement")
        version = doc.get("Version", "2008-10-17")
        if version not in VERSIONS:
            raise ValueError(f"{self.source}: unknown Version {version!r}")
        statements = doc["Statement"]
        statements = [statements] if isinstance(statements, Mapping) else statements
        if not isinstance(statements, list) or not statements:
            raise ValueError(f"{self.source}: Statement is an object or a non-empty list")
        for index, statement in enumerate(statements):
            _validate(statement, f"{self.source} statement {index}")
        object.__setattr__(self, "statements", tuple(statements))
        object.__setattr__(self, "version", version)


@dataclass(frozen=True)
class AuthzRequest:
    """`principal`: the caller's ARN (user, role, assumed-role session, account root) or a
    service principal; `resource`: an ARN or "*"; `context`: condition keys (names are
    case-insensitive, multivalued keys as sequences); `account_id`: the resource's account."""

    principal: str
    action: str
    resource: str
    context: Mapping[str, Any]
    account_id: str


@dataclass(frozen=True)
class StatementRef:
    """A statement of a policy: its Sid, or its index in the policy."""

    source: str
    sid: str | None
    index: int

    def __str__(self) -> str:
        return f"{self.source} statement {self.sid or self.index}"


@dataclass(frozen=True)
class Decision:
    """`reason` in AWS's words; `matched`: the Allow statements that granted the request;
    `denied_by`: the explicit Deny, if any."""

    allowed: bool
    reason: str
    matched: tuple[StatementRef, ...] = ()
    denied_by: StatementRef | None = None


def _validate(statement: Any, where: str) -> None:
    if not isinstance(statement, Mapping):
        raise ValueError(f"{where}: a statement is a JSON object")
    if statement.get("Effect") not in ("Allow", "Deny"):
        raise ValueError(f"{where}: Effect must be 'Allow' or 'Deny'")
    for one, other, required in (
        ("Action", "NotAction", True),
        ("Resource", "NotResource", False),  # trust policies have no Resource
        ("Principal", "NotPrincipal", False),
    ):
        if one in statement and other in statement:
            raise ValueError(f"{where}: {one} and {other} together")
        if required and one not in statement and other not in statement:
            raise ValueError(f"{where}: no {one} or {other}")
    condition = statement.get("Condition") or {}
    if not isinstance(condition, Mapping):
        raise ValueError(f"{where}: Condition is an object of operators")
    for name, block in condition.items():
        _operator(name, where)
        if not isinstance(block, Mapping):
            raise ValueError(f"{where}: {name} takes an object of keys")


# -- wildcards and policy variables ("IAM policy elements: Variables and tags") ----------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
# a substituted value is literal text: its *, ? and : are kept apart from wildcards and ARN parts
_LITERAL = {"*": "\x00", "?": "\x01", ":": "\x02"}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _listed(value: Any) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _substitute(text: str, context: Mapping[str, Any], version: str) -> str | None:
    """The text with its policy variables replaced from the context, or None when one has no
    value and no default (it then matches nothing). 2008-10-17 policies keep them as text."""
    if version != CURRENT_VERSION:
        return text
    missing = False

    def value(found: re.Match) -> str:
        nonlocal missing
        name, _, default = (part.strip() for part in found.group(1).partition(","))
        if name in ("*", "?", "$"):  # ${*} ${?} ${$}: the character itself
            value = name
        elif isinstance(value := context.get(name.lower()), list | tuple) or value is None:
            if not (len(default) > 1 and default[0] == default[-1] == "'"):
                missing = True  # no value (multivalued keys are no variables)
            value = default[1:-1]
        return "".join(_LITERAL.get(char, char) for char in _text(value))

    substituted = _VARIABLE.sub(value, text)
    return None if missing else substituted


def _plain(text: str) -> str:
    for char, stand_in in _LITERAL.items():
        text = text.replace(stand_in, char)
    return text


@functools.lru_cache(maxsize=1024)
def _wildcard(pattern: str, flags: int = 0) -> re.Pattern:
    wild = {"*": ".*", "?": "."}
    return re.compile("".join(wild.get(c) or re.escape(_plain(c)) for c in pattern), flags | re.S)


def _like(pattern: str | None, value: str, flags: int = 0) -> bool:
    return pattern is not None and _wildcard(pattern, flags).fullmatch(value) is not None


def _arn_like(pattern: str | None, value: str) -> bool:
    """ARN matching: each of the six colon-separated parts on its own (ArnLike, Resource)."""
    if pattern is None:
        return False
    wanted, actual = pattern.split(":", 5), value.split(":", 5)
    if len(wanted) != 6 or len(actual) != 6:
        return False
    return all(_like(w, a) for w, a in zip(wanted, actual, strict=True))


# -- condition operators ("IAM JSON policy elements: Condition operators") ----------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> float | None:
    """Epoch seconds of an ISO 8601 date or of an epoch time."""
    if (number := _number(text)) is not None:
        return number
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _ordered(parse: Callable[[str], float | None], test: Callable[[float, float], bool]):
    def compare(value: str, wanted: str) -> bool:
        left, right = parse(value), parse(wanted)
        return left is not None and right is not None and test(left, right)

    return compare


def _in_network(value: str, wanted: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False


_TESTS = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}
# the positive operators; policy variables only in String, ARN and Bool values
OPERATORS: dict[str, Callable[[str, str | None], bool]] = {
    "StringEquals": lambda value, wanted: wanted is not None and value == _plain(wanted),
    "StringEqualsIgnoreCase": lambda value, wanted: (
        wanted is not None and value.casefold() == _plain(wanted).casefold()
    ),
    "StringLike": lambda value, wanted: _like(wanted, value),
    "ArnEquals": lambda value, wanted: _arn_like(wanted, value),
    "ArnLike": lambda value, wanted: _arn_like(wanted, value),
    "Bool": lambda value, wanted: wanted is not None and value.lower() == _plain(wanted).lower(),
    "BinaryEquals": operator.eq,
    "IpAddress": _in_network,
    **{f"Numeric{name}": _ordered(_number, test) for name, test in _TESTS.items()},
    **{f"Date{name}": _ordered(_date, test) for name, test in _TESTS.items()},
}
NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnLike",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}


def _operator(name: str, where: str = "") -> tuple[str, str, bool, bool]:
    """(set qualifier, positive operator, negated, IfExists) of a Condition operator name."""
    qualifier, _, base = name.rpartition(":")
    if_exists = base.endswith("IfExists") and base != "IfExists"
    base = base.removesuffix("IfExists") if if_exists else base
    known = base in OPERATORS or base in NEGATED or (base == "Null" and not if_exists)
    if qualifier not in ("", "ForAllValues", "ForAnyValue") or not known:
        raise ValueError(f"{where}: unknown condition operator {name!r}")
    return qualifier, NEGATED.get(base, base), base in NEGATED, if_exists


def _condition_holds(name: str, key: str, wanted: Any, context: Mapping, version: str) -> bool:
    qualifier, base, negated, if_exists = _operator(name)
    present = context.get(key.lower())
    wanted = [_text(w) for w in _listed(wanted)]
    if base == "Null":  # true: the key is absent
        return any((w.lower() == "true") == (present is None) for w in wanted)
    if present is None:
        # no match, so a negated operator holds; ForAllValues holds on the empty set
        if if_exists or qualifier == "ForAllValues":
            return True
        return negated and qualifier != "ForAnyValue"
    if base.startswith(("String", "Arn", "Bool")):
        wanted = [_substitute(w, context, version) for w in wanted]
    compare = OPERATORS[base]

    def holds(value: str) -> bool:  # several policy values: OR, or NOR when negated
        return any(compare(value, w) for w in wanted) != negated

    values = [_text(v) for v in _listed(present)]
    if qualifier == "ForAllValues" or (negated and qualifier != "ForAnyValue"):
        return all(holds(v) for v in values)
    return any(holds(v) for v in values)


# -- principals ("AWS JSON policy elements: Principal") -----------------------------------------

_CALLER = re.compile(
    r"arn:[\w-]+:(?:iam|sts)::(\d{12}):(?:root|user/.+|role/.+|assumed-role/.+|federated-user/.+)"
)
_ROOT = re.compile(r"arn:[\w-]+:iam::(\d{12}):root")
_ROLE = re.compile(r"arn:[\w-]+:iam::(\d{12}):role/(?:.*/)?([^/]+)")
_SESSION = re.compile(r"arn:[\w-]+:sts::(\d{12}):assumed-role/([^/]+)/[^/]+")


def _account_of(principal: str) -> str | None:
    found = _CALLER.fullmatch(principal)
    return found.group(1) if found else None


def _principal_match(element: Any, caller: str) -> str | None:
    """'direct' when the element names the caller (or everyone; a role names its sessions),
    'account' when it names the caller's account, which delegates to the account's identity
    policies ("AWS account principals"); else None."""
    entries = [("AWS", "*")] if element == "*" else []
    if isinstance(element, Mapping):
        entries = [(kind, entry) for kind, value in element.items() for entry in _listed(value)]
    account, best = _account_of(caller), None
    role = (
        found.groups() if (found := _ROLE.fullmatch(caller) or _SESSION.fullmatch(caller)) else None
    )
    for kind, entry in entries:
        if entry == "*" or entry == caller:
            return "direct"
        if kind != "AWS" or account is None:
            continue
        if entry == account or ((root := _ROOT.fullmatch(entry)) and root.group(1) == account):
            if _ROOT.fullmatch(caller):
                return "direct"
            best = "account"
        elif role and (named := _ROLE.fullmatch(entry)) and named.groups() == role:
            return "direct"
    return best


def _principal_applies(statement: Mapping, caller: str) -> tuple[bool, str | None]:
    if "Principal" in statement:
        match = _principal_match(statement["Principal"], caller)
        return match is not None, match
    # NotPrincipal excludes the caller only when it names the caller and the caller's account
    # (the account ARN must be listed too: "NotPrincipal with Deny")
    element = statement["NotPrincipal"]
    named = _principal_match(element, caller) == "direct"
    account = _account_of(caller)
    account_named = account is None or _principal_match(element, f"arn:aws:iam::{account}:root")
    return not (named and account_named), "direct"


# -- statements and the decision -----------------------------------------------------------------


def _statement_applies(statement: Mapping, request: AuthzRequest, context: Mapping, version: str):
    def any_action(patterns: Any) -> bool:  # "The prefix and the action name are case insensitive"
        return any(_like(p, request.action, re.IGNORECASE) for p in _listed(patterns))

    def resource_is(pattern: str) -> bool:  # wildcards stay within ARN parts ("Resource")
        pattern = _substitute(pattern, context, version)
        if pattern is not None and pattern.startswith("arn:"):
            return _arn_like(pattern, request.resource)
        return _like(pattern, request.resource)

    def any_resource(patterns: Any) -> bool:
        return any(resource_is(p) for p in _listed(patterns))

    if "Action" in statement and not any_action(statement["Action"]):
        return False
    if "NotAction" in statement and any_action(statement["NotAction"]):
        return False
    if "Resource" in statement and not any_resource(statement["Resource"]):
        return False
    if "NotResource" in statement and any_resource(statement["NotResource"]):
        return False
    return all(
        _condition_holds(name, key, wanted, context, version)
        for name, block in (statement.get("Condition") or {}).items()
        for key, wanted in block.items()
    )


def _matching(policy: Policy | None, request: AuthzRequest, context: Mapping, resource_based: bool):
    """(effect, principal match, ref) of each statement of the policy that applies."""
    for index, statement in enumerate(policy.statements if policy else ()):
        if ("Principal" in statement or "NotPrincipal" in statement) != resource_based:
            needs = "needs a" if resource_based else "takes no"
            raise ValueError(f"{policy.source} statement {index}: {needs} Principal here")
        match = None
        if resource_based:
            applies, match = _principal_applies(statement, request.principal)
            if not applies:
                continue
        if _statement_applies(statement, request, context, policy.version):
            yield (
                statement["Effect"],
                match,
                StatementRef(policy.source, statement.get("Sid"), index),
            )


def evaluate(
    request: AuthzRequest,
    identity_policies: Sequence[Policy] = (),
    resource_policy: Policy | None = None,
    *,
    resource_policy_required: bool = False,
) -> Decision:
    """The decision on the request: `resource_policy_required` for KMS key policies and role
    trust policies, which must allow the request themselves."""
    context = {key.lower(): value for key, value in request.context.items() if value is not None}
    trust = request.action.lower().startswith("sts:")  # the resource policy is a trust policy
    identity_allows, direct, delegated = [], [], []
    for policy in identity_policies:
        for effect, _, ref in _matching(policy, request, context, resource_based=False):
            if effect == "Deny":
                return Decision(False, "with an explicit deny in an identity-based policy", (), ref)
            identity_allows.append(ref)
    for effect, match, ref in _matching(resource_policy, request, context, resource_based=True):
        if effect == "Deny":
            where = "the role trust policy" if trust else "a resource-based policy"
            return Decision(False, f"with an explicit deny in {where}", (), ref)
        (direct if match == "direct" else delegated).append(ref)

    def allow(reason: str, *refs: list[StatementRef]) -> Decision:
        return Decision(True, f"allowed by {reason}", tuple(ref for group in refs for ref in group))

    no_identity = f"because no identity-based policy allows the {request.action} action"
    no_resource = (
        f"because no {'role trust' if trust else 'resource-based'} policy allows the "
        f"{request.action} action"
    )
    account = _account_of(request.principal)
    if account is not None and account != request.account_id:  # both sides must allow
        if not identity_allows:
            return Decision(False, no_identity)
        if not direct and not delegated:
            return Decision(False, no_resource)
        return allow("both accounts' policies", identity_allows, direct, delegated)
    if resource_policy_required and not direct:
        if not delegated:
            return Decision(False, no_resource)
        if not identity_allows:
            return Decision(False, no_identity)
        return allow("identity-based policies it delegates to", delegated, identity_allows)
    if direct:
        return allow("a resource-based policy", direct, identity_allows)
    if identity_allows:
        return allow("an identity-based policy", identity_allows, delegated)
    if account is not None and _ROOT.fullmatch(request.principal):
        return allow("the account root user's full access")
    return Decision(False, no_identity)


def denial_message(request: AuthzRequest, decision: Decision) -> str:
    """The AccessDenied message ("Troubleshoot access denied error messages")."""
    if decision.allowed:
        raise ValueError("the request was allowed")
    on_resource = "" if request.resource == "*" else f" on resource: {request.resource}"
    return (
        f"User: {request.principal} is not authorized to perform: "
        f"{request.action}{on_resource} {decision.reason}"
    )

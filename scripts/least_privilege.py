"""Least privilege, measured: each role's grants against the calls the local AWS allowed it.

A grant is one action pattern of one policy statement of a role. It counts as used when the local
AWS allowed a call by that statement for an action the pattern covers (`GET /_localaws/iam`
records which statements allowed each call). A grant no run used is either removed from the module
or explained in `least_privilege_reasons.json` beside this file, keyed by the statement's Sid and
the action pattern (grants for failure paths, such as a dead-letter queue, are the usual ones).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

REASONS = Path(__file__).with_name("least_privilege_reasons.json")


@dataclass(frozen=True)
class Grant:
    role: str
    policy: str  # as the local AWS labels it: "inline policy 'x' of role r"
    statement: str  # Sid, or the statement's index
    action: str  # an action pattern, or "NotAction: …"
    resources: tuple[str, ...]


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def role_grants(role: str, policies: dict[str, dict]) -> list[Grant]:
    """The grants of a role's policies (label -> document); Deny statements grant nothing."""
    found = []
    for label, document in policies.items():
        for index, statement in enumerate(_listed(document.get("Statement", []))):
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid") or str(index)
            resources = tuple(_listed(statement.get("Resource", statement.get("NotResource"))))
            if "NotAction" in statement:
                actions = ["NotAction: " + ", ".join(_listed(statement["NotAction"]))]
            else:
                actions = _listed(statement.get("Action", []))
            found += [Grant(role, label, sid, action, resources) for action in actions]
    return found


def unused(grants: list[Grant], allowed: list[dict]) -> list[Grant]:
    """The grants no allowed call used: no call its statement allowed is for an action its
    pattern covers (a NotAction grant is used by any call its statement allowed)."""
    calls: dict[tuple[str, str], list[str]] = {}
    for record in allowed:
        for ref in record["statements"]:
            calls.setdefault((ref["policy"], ref["statement"]), []).append(record["action"])

    def used(grant: Grant) -> bool:
        actions = calls.get((grant.policy, grant.statement), [])
        if grant.action.startswith("NotAction: "):
            return bool(actions)
        return any(fnmatchcase(a.lower(), grant.action.lower()) for a in actions)

    return [grant for grant in grants if not used(grant)]


def reason_for(grant: Grant, reasons: dict[str, dict[str, str]]) -> str | None:
    return reasons.get(grant.statement, {}).get(grant.action)


def collect(iam, role_prefix: str) -> dict[str, dict[str, dict]]:
    """role -> {policy label -> document} for the roles whose names start with the prefix."""
    roles: dict[str, dict[str, dict]] = {}
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            name = role["RoleName"]
            if not name.startswith(role_prefix):
                continue
            policies = {}
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
                document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
                policies[f"inline policy {policy!r} of role {name}"] = _document(document)
            for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
                meta = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
                version = iam.get_policy_version(
                    PolicyArn=attached["PolicyArn"], VersionId=meta["DefaultVersionId"]
                )["PolicyVersion"]["Document"]
                label = f"managed policy {attached['PolicyArn']} of role {name}"
                policies[label] = _document(version)
            roles[name] = policies
    return roles


def _document(document) -> dict:
    if isinstance(document, str):
        from urllib.parse import unquote

        return json.loads(unquote(document))
    return document


def write_report(aws, out_dir: Path, role_prefix: str) -> tuple[Path, list[Grant]]:
    """Writes least-privilege.html; returns it and the unused grants without a reason."""
    reasons = json.loads(REASONS.read_text())
    allowed = aws.control("GET", "iam")["allowed"]
    rows, unexplained = [], []
    for role, policies in sorted(collect(aws.client("iam"), role_prefix).items()):
        grants = role_grants(role, policies)
        idle = unused(grants, allowed)
        for grant in grants:
            reason = reason_for(grant, reasons) if grant in idle else None
            if grant in idle and reason is None:
                unexplained.append(grant)
            status = "used" if grant not in idle else (reason or "UNUSED: remove or explain")
            rows.append((role, grant.statement, grant.action, ", ".join(grant.resources), status))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "least-privilege.html"
    cells = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    path.write_text(
        "<!doctype html><meta charset=utf-8><title>Least privilege</title>"
        "<style>body{font-family:sans-serif}td{padding:2px 8px;vertical-align:top}"
        "tr:nth-child(even){background:#f4f4f4}</style>"
        f"<h1>Least privilege: grants against the calls the runs made</h1>"
        f"<p>{len(rows)} grants, {len(unexplained)} unused without a reason.</p>"
        "<table><tr><th>role</th><th>statement</th><th>action</th><th>resources</th>"
        f"<th>used</th></tr>{cells}</table>\n"
    )
    return path, unexplained

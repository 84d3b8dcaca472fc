"""The least-privilege report's arithmetic: which grants no allowed call used."""

from __future__ import annotations

import json

from least_privilege import REASONS, Grant, reason_for, role_grants, unused

POLICY = "inline policy 'least-privilege' of role demo-split-lambda"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": ["arn:log"],
        },
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
    ],
}


def allowed(action: str, statement: str) -> dict:
    return {
        "principal": "r",
        "action": action,
        "resource": "x",
        "statements": [{"policy": POLICY, "statement": statement}],
    }


def test_grants_are_the_allow_statements_action_patterns():
    grants = role_grants("demo-split-lambda", {POLICY: DOCUMENT})
    assert [(g.statement, g.action) for g in grants] == [
        ("WriteOwnLogs", "logs:CreateLogStream"),
        ("WriteOwnLogs", "logs:PutLogEvents"),
        ("1", "s3:Get*"),
    ]


def test_a_grant_is_used_when_its_statement_allowed_a_call_its_pattern_covers():
    grants = role_grants("demo-split-lambda", {POLICY: DOCUMENT})
    calls = [allowed("logs:PutLogEvents", "WriteOwnLogs"), allowed("s3:GetObject", "1")]
    assert [g.action for g in unused(grants, calls)] == ["logs:CreateLogStream"]


def test_a_call_allowed_by_another_statement_does_not_use_a_grant():
    grants = role_grants("demo-split-lambda", {POLICY: DOCUMENT})
    calls = [allowed("s3:GetObject", "WriteOwnLogs")]
    assert "s3:Get*" in [g.action for g in unused(grants, calls)]


def test_every_written_reason_names_a_statement_and_an_action():
    reasons = json.loads(REASONS.read_text())
    for sid, actions in reasons.items():
        for action, reason in actions.items():
            grant = Grant("r", POLICY, sid, action, ())
            assert reason_for(grant, reasons) == reason and len(reason) > 20


def test_every_reason_is_for_a_statement_a_module_grants():
    """A reason outliving its statement would hide nothing but mislead: each Sid exists."""
    from pathlib import Path

    modules = Path(__file__).resolve().parents[2] / "terraform" / "modules"
    sources = "\n".join(p.read_text() for p in modules.rglob("*.tf"))
    for sid in json.loads(REASONS.read_text()):
        assert f'"{sid}"' in sources, sid

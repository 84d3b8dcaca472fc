"""scripts/policy_lint.py catches what it is for: an unknown action, a resource ARN the action
cannot take, a condition key the action does not support, a malformed statement; in policy
files, in the resource policy statement of an aws_lambda_permission and in a trust policy
taken from a plan. Exceptions silence only what they match.

The script runs with parliament's venv (`make bootstrap`), so these tests run it as a process.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "tools" / "parliament" / "bin" / "python"
SCRIPT = ROOT / "scripts" / "policy_lint.py"

GOOD = {"Sid": "ReadUploads", "Effect": "Allow", "Action": "s3:GetObject"}
OBJECTS = "arn:aws:s3:::uploads/incoming/*"
TOPIC = "arn:aws:sns:eu-west-1:111122223333:uploads"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def lint(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run 'make bootstrap'")
    # No exceptions unless a test gives some: the repository's must not hide these findings.
    if "--exceptions" not in args:
        args = (*args, "--exceptions", str(tmp_path / "none.yaml"))
    return subprocess.run(
        [str(PYTHON), str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True
    )


def lint_documents(tmp_path: Path, **documents: dict) -> subprocess.CompletedProcess:
    paths = []
    for name, document in documents.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        paths.append(str(path))
    return lint(tmp_path, "--document", *paths)


def test_a_valid_policy_passes(tmp_path):
    result = lint_documents(tmp_path, good=policy({**GOOD, "Resource": OBJECTS}))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 documents, 0 findings" in result.stdout


@pytest.mark.parametrize(
    ("statement", "issue", "detail"),
    [
        # s3:GetObjects does not exist.
        (
            {**GOOD, "Action": "s3:GetObjects", "Resource": OBJECTS},
            "UNKNOWN_ACTION",
            "Unknown action s3:GetObjects",
        ),
        # GetObject acts on objects (arn:aws:s3:::bucket/key), not on the bucket.
        (
            {**GOOD, "Resource": "arn:aws:s3:::uploads"},
            "RESOURCE_MISMATCH",
            '"required_format": "arn:*:s3:::*/*"',
        ),
        # A queue action on a topic ARN.
        (
            {**GOOD, "Action": "sqs:SendMessage", "Resource": TOPIC},
            "RESOURCE_MISMATCH",
            '"action": "sqs:SendMessage"',
        ),
        # s3:prefix is a condition key of ListBucket, not of GetObject.
        (
            {**GOOD, "Resource": OBJECTS, "Condition": {"StringLike": {"s3:prefix": ["in/*"]}}},
            "UNKNOWN_CONDITION_FOR_ACTION",
            "Unknown condition s3:prefix for action s3:GetObject",
        ),
        # No Effect.
        (
            {"Sid": "NoEffect", "Action": "s3:GetObject", "Resource": OBJECTS},
            "MALFORMED",
            "Statement does not contain an Effect element",
        ),
        # Not an ARN.
        ({**GOOD, "Resource": "uploads/incoming/*"}, "INVALID_ARN", "Does not have 6 parts"),
    ],
    ids=[
        "unknown-action",
        "object-action-on-bucket",
        "queue-action-on-topic",
        "condition-key",
        "no-effect",
        "not-an-arn",
    ],
)
def test_a_bad_statement_is_a_finding(tmp_path, statement, issue, detail):
    result = lint_documents(
        tmp_path, good=policy(GOOD | {"Resource": OBJECTS}), bad=policy(statement)
    )
    assert result.returncode == 1
    assert f"{tmp_path / 'bad.json'}\n" in result.stdout
    assert f" {issue} " in result.stdout and detail in result.stdout, result.stdout
    assert f"{tmp_path / 'good.json'}\n" not in result.stdout
    assert "2 documents, 1 findings" in result.stdout


def plan(*resources: tuple[str, str, dict]) -> dict:
    """The part of a `terraform show -json` plan the lint reads."""
    return {
        "resource_changes": [
            {
                "address": f"{type_}.{name}",
                "mode": "managed",
                "type": type_,
                "name": name,
                "change": {"actions": ["create"], "after": after, "after_unknown": {}},
            }
            for type_, name, after in resources
        ]
    }


def test_a_plan_s_lambda_permission_and_trust_policy_are_linted(tmp_path):
    path = tmp_path / "plan.json"
    trust = policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRoles",  # sts:AssumeRole
        }
    )
    permission = {
        "statement_id": "AllowUploads",
        "action": "lambda:Invoke",  # lambda:InvokeFunction
        "function_name": "resize",
        "principal": "s3.amazonaws.com",
        "source_arn": "arn:aws:s3:::uploads",
        "source_account": "111122223333",
    }
    role = {"arn": "arn:aws:iam::111122223333:role/resize", "assume_role_policy": json.dumps(trust)}
    resources = [("aws_iam_role", "resize", role), ("aws_lambda_permission", "uploads", permission)]
    path.write_text(json.dumps(plan(*resources)))
    result = lint(tmp_path, "--plan", str(path), "--show")
    assert result.returncode == 1
    assert f"{path}: aws_iam_role.resize assume_role_policy\n  LOW UNKNOWN_ACTION" in result.stdout
    assert "Unknown action sts:AssumeRoles" in result.stdout
    assert "aws_lambda_permission.uploads (resource policy statement)\n  LOW UNKNOWN_ACTION" in (
        result.stdout
    )
    # The statement Lambda would add: the function's ARN, the source account and bucket.
    assert '"Resource": "arn:aws:lambda:eu-west-1:111122223333:function:resize"' in result.stdout
    assert '"AWS:SourceAccount": "111122223333"' in result.stdout
    assert '"AWS:SourceArn": "arn:aws:s3:::uploads"' in result.stdout
    # The trust policy is linted against the role it belongs to.
    assert '"Resource": "arn:aws:iam::111122223333:role/resize"' in result.stdout


def test_an_unknown_policy_in_a_plan_is_an_error(tmp_path):
    path = tmp_path / "plan.json"
    document = plan(("aws_iam_role_policy", "this", {"name": "p"}))
    document["resource_changes"][0]["change"]["after_unknown"] = {"policy": True}
    path.write_text(json.dumps(document))
    result = lint(tmp_path, "--plan", str(path))
    assert result.returncode == 1
    assert "aws_iam_role_policy.this policy is unknown in the plan" in result.stderr


def test_an_exception_silences_only_what_it_matches(tmp_path):
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text(
        "exceptions:\n"
        "  - issue: RESOURCE_MISMATCH\n"
        "    label: '.*/excepted.json'\n"
        "    reason: the test says so\n"
    )
    statement = {**GOOD, "Resource": "arn:aws:s3:::uploads"}
    for name in ("excepted", "other"):
        (tmp_path / f"{name}.json").write_text(json.dumps(policy(statement)))
    result = lint(
        tmp_path,
        "--document",
        str(tmp_path / "excepted.json"),
        str(tmp_path / "other.json"),
        "--exceptions",
        str(exceptions),
    )
    assert result.returncode == 1
    assert "other.json\n  MEDIUM RESOURCE_MISMATCH" in result.stdout
    assert "excepted.json\n" not in result.stdout
    assert "2 documents, 1 findings, 1 excepted" in result.stdout


def test_an_exception_needs_a_reason(tmp_path):
    exceptions = tmp_path / "exceptions.yaml"
    exceptions.write_text("exceptions:\n  - issue: RESOURCE_MISMATCH\n")
    (tmp_path / "p.json").write_text(json.dumps(policy({**GOOD, "Resource": OBJECTS})))
    result = lint(tmp_path, "--document", str(tmp_path / "p.json"), "--exceptions", str(exceptions))
    assert result.returncode != 0
    assert "every exception needs issue and reason" in result.stderr

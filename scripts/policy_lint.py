"""Lint every IAM policy document the Terraform roots render, with parliament.

The roots are the ones we deploy: terraform/examples/complete (the four workflows as a real
account wires them), terraform/examples/local (the demo) and every test root under
tests/terraform/. One `terraform test` run in examples/complete plans each of them (a run
block per root) with a mocked AWS provider whose computed ARNs are real-shaped
(MOCK_RESOURCES), so that policies built with jsonencode() from resource ARNs are known at
plan time; `-json -verbose` prints each plan, and every policy in it is linted:

* any string attribute holding a policy document (identity policies of roles, trust policies,
  S3 bucket, SQS queue, SNS topic and KMS key policies);
* a trust policy is linted with the role's own ARN as its Resource (a trust policy has none,
  and parliament requires one; the role is the resource `sts:AssumeRole` acts on);
* aws_lambda_permission as the statement Lambda adds to the function's resource policy
  (Lambda docs, "Viewing resource-based IAM policies in Lambda": Principal, Action, the
  function ARN, StringEquals AWS:SourceAccount, ArnLike AWS:SourceArn).

Findings are parliament's (unknown action or service prefix, a resource ARN the action cannot
take, a condition key the action does not support, a condition operator of the wrong type,
malformed documents, invalid ARNs, Resource "*" where the action takes resources, ...), less
the exceptions in .policy-lint.yaml, each with its reason. An exception that no longer matches
anything is a finding too.

    python scripts/policy_lint.py                   # every root; exit 1 on findings
    python scripts/policy_lint.py --root tests/terraform/sns_fanout
    python scripts/policy_lint.py --document policy.json ...   # lint policy files instead
    python scripts/policy_lint.py --plan plan.json ...  # or the plans `terraform show -json` prints

Runs with the interpreter of parliament's venv, .venv/tools/parliament (`make bootstrap`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from tfroot import CLI_CONFIG, terraform_env, unmanaged_provider

# parliament imports pkg_resources, which warns of its own deprecation on every run.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
from parliament import analyze_policy_string, enhance_finding  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "policy-lint"
EXCEPTIONS_FILE = ROOT / ".policy-lint.yaml"
# Function sources whose zips the roots hash; empty stand-ins are enough for a plan.
FUNCTION_SOURCES = (ROOT / "lambda_src", ROOT / "tests" / "fixtures" / "lambda_src")

PARTITION = "aws"
REGION = "eu-west-1"
ACCOUNT = "111122223333"

# Every root gets these variables (a test file may set variables its root does not declare).
VARIABLES = {
    "name_prefix": "lint",
    "name": "lint",
    "prefix": "lint",
    "endpoint": "http://127.0.0.1:9",  # never called: the provider is mocked
    "artifacts_dir": str(BUILD / "artifacts"),
    "build_dir": str(BUILD / "artifacts"),
    "layer_zip": str(BUILD / "artifacts" / "layers" / "ffmpeg.zip"),
    # examples/complete leaves tracing off by default and the other roots never set it: on here,
    # so that the X-Ray statements of the functions and state machines are linted too.
    "tracing_enabled": True,
}


def _arn(service: str, resource: str, region: str = REGION, account: str = ACCOUNT) -> str:
    return f"arn:{PARTITION}:{service}:{region}:{account}:{resource}"


# Computed attributes that end up in policies (or that the provider validates as ARNs), shaped
# as AWS shapes them: a policy naming the wrong kind of resource then fails the lint.
MOCK_RESOURCES = {
    "aws_s3_bucket": {"arn": f"arn:{PARTITION}:s3:::lint-bucket", "id": "lint-bucket"},
    "aws_kms_key": {
        "arn": _arn("kms", "key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"),
        "key_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    },
    "aws_iam_role": {"arn": _arn("iam", "role/lint-role", region="")},
    "aws_cloudwatch_log_group": {"arn": _arn("logs", "log-group:lint-log-group")},
    "aws_lambda_function": {
        "arn": _arn("lambda", "function:lint-function"),
        "qualified_arn": _arn("lambda", "function:lint-function:1"),
        "invoke_arn": f"arn:{PARTITION}:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"{_arn('lambda', 'function:lint-function')}/invocations",
    },
    "aws_lambda_layer_version": {
        "arn": _arn("lambda", "layer:lint-layer:1"),
        "layer_arn": _arn("lambda", "layer:lint-layer"),
    },
    "aws_sqs_queue": {
        "arn": _arn("sqs", "lint-queue"),
        "id": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/lint-queue",
        "url": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/lint-queue",
    },
    "aws_sns_topic": {"arn": _arn("sns", "lint-topic"), "id": _arn("sns", "lint-topic")},
    "aws_sfn_state_machine": {"arn": _arn("states", "stateMachine:lint-state-machine")},
    "aws_dynamodb_table": {"arn": _arn("dynamodb", "table/lint-table")},
    "aws_rekognition_collection": {"arn": _arn("rekognition", "collection/lint-collection")},
    "aws_glue_job": {"arn": _arn("glue", "job/lint-job")},
    "aws_glue_crawler": {"arn": _arn("glue", "crawler/lint-crawler")},
    "aws_glue_catalog_database": {"arn": _arn("glue", "database/lint-database")},
    "aws_ses_email_identity": {"arn": _arn("ses", "identity/lint@example.com")},
    "aws_cloudwatch_event_rule": {"arn": _arn("events", "rule/lint-rule")},
    "aws_appsync_graphql_api": {
        "arn": _arn("appsync", "apis/lintapi"),
        "id": "lintapi",
        "uris": {
            "GRAPHQL": "https://lintapi.appsync-api.example/graphql",
            "REALTIME": "wss://lintapi.appsync-realtime-api.example/graphql",
        },
    },
    "aws_apigatewayv2_api": {
        "arn": f"arn:{PARTITION}:apigateway:{REGION}::/apis/lintapi",
        "execution_arn": _arn("execute-api", "lintapi"),
    },
}
MOCK_DATA = {
    "aws_partition": {"partition": PARTITION, "dns_suffix": "amazonaws.com"},
    "aws_region": {"name": REGION},
    "aws_caller_identity": {"account_id": ACCOUNT, "arn": _arn("iam", "user/lint", region="")},
    # an existing bucket a module looks up (create_<x>_bucket = false)
    "aws_s3_bucket": {"arn": f"arn:{PARTITION}:s3:::lint-existing", "id": "lint-existing"},
}


HOST = ROOT / "terraform" / "examples" / "complete"  # the root the test file is run from


def run_name(root: Path) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(root.relative_to(ROOT)))


def tftest_file(selected: list[Path]) -> str:
    """The terraform test file planning each root with the mocked provider: one run per root,
    all from HOST (one terraform process for all roots)."""

    def block(kind: str, name: str, defaults: dict) -> str:
        return f'  {kind} "{name}" {{\n    defaults = {json.dumps(defaults)}\n  }}\n'

    mocks = "".join(block("mock_data", n, d) for n, d in MOCK_DATA.items()) + "".join(
        block("mock_resource", n, d) for n, d in MOCK_RESOURCES.items()
    )
    variables = "".join(f"  {name} = {json.dumps(value)}\n" for name, value in VARIABLES.items())
    runs = ""
    for root in selected:
        module = (
            ""
            if root == HOST
            else f'  module {{\n    source = "{os.path.relpath(root, HOST)}"\n  }}\n'
        )
        runs += f'\nrun "{run_name(root)}" {{\n  command = plan\n{module}}}\n'
    return (
        'mock_provider "aws" {\n  override_during = plan\n'
        f"{mocks}}}\n\nvariables {{\n{variables}}}\n{runs}"
    )


def roots() -> list[Path]:
    tests = ROOT / "tests" / "terraform"
    found = [HOST, ROOT / "terraform" / "examples" / "local"]
    found += sorted(p for p in tests.iterdir() if p.is_dir() and any(p.glob("*.tf")))
    return found


def stub_artifacts() -> None:
    """Empty zips and manifest where the roots expect `make package` output: the plan hashes
    them, the policies do not depend on them."""
    out = BUILD / "artifacts"
    (out / "lambda").mkdir(parents=True, exist_ok=True)
    (out / "layers").mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text("{}\n")
    (out / "layers" / "ffmpeg.zip").write_bytes(b"")
    for src in FUNCTION_SOURCES:
        for package in src.iterdir():
            if package.is_dir() and (package / "handler.py").exists():
                (out / "lambda" / f"{package.name}.zip").write_bytes(b"")


# --- rendering ----------------------------------------------------------------------------


class RenderError(Exception):
    pass


@dataclass
class Document:
    label: str  # where it comes from: root, resource address, attribute
    policy: dict
    note: str = ""  # what the lint added to the rendered document


def render(selected: list[Path]) -> list[Document]:
    """The policy documents of the roots' plans (mocked provider)."""
    # Both removed after the run, and per process: a lint may run beside another.
    data_dir = BUILD / f"data-{os.getpid()}"
    test_dir = HOST / f".policy-lint-{os.getpid()}"  # terraform wants it inside the root
    test_dir.mkdir(exist_ok=True)
    try:
        (test_dir / "policy_lint.tftest.hcl").write_text(tftest_file(selected))
        # One provider process for the run blocks' graph walks, instead of two each: it is mocked.
        with unmanaged_provider() as provider:
            env = terraform_env(data_dir) | provider
            for command in (
                ["init", "-backend=false", "-input=false"],
                ["test", "-json", "-verbose", f"-filter={test_dir.name}/policy_lint.tftest.hcl"],
            ):
                result = subprocess.run(
                    ["terraform", *command, "-no-color", f"-test-directory={test_dir.name}"],
                    cwd=HOST,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if command[0] == "init" and result.returncode != 0:
                    raise RenderError(f"terraform init failed:\n{result.stdout}{result.stderr}")
    finally:
        shutil.rmtree(test_dir, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    plans, messages = read_test_output(result.stdout)
    errors = [
        f"{m.get('@testrun', '')}: {m['@message']}: {m.get('diagnostic', {}).get('detail', '')}"
        for m in messages
        if m["@level"] == "error"
    ]
    missing = [root for root in selected if run_name(root) not in plans]
    if result.returncode != 0 or missing or errors:
        raise RenderError(
            "terraform test did not plan "
            + ", ".join(str(root.relative_to(ROOT)) for root in missing)
            + ":\n"
            + "\n".join(errors or [result.stderr])
        )
    found, unknowns = [], []
    for root in selected:
        docs, unknown = documents(str(root.relative_to(ROOT)), plans[run_name(root)])
        found += docs
        unknowns += unknown
    if unknowns:
        raise RenderError("mock what these use (MOCK_RESOURCES):\n" + "\n".join(unknowns))
    return found


def read_test_output(stdout: str) -> tuple[dict[str, dict], list[dict]]:
    """The plans of `terraform test -json -verbose` by run, and its other messages. A plan's
    line also carries the provider's schemas (14 MB): only its resource_changes are decoded."""
    plans, messages = {}, []
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        head = line[:2000]
        if '"test_plan":{' not in head:
            messages.append(json.loads(line))
            continue
        run = re.search(r'"@testrun":"(\w+)"', head)[1]
        key = '"resource_changes":'
        start = line.find(key)
        changes = [] if start < 0 else json.JSONDecoder().raw_decode(line, start + len(key))[0]
        plans[run] = {"resource_changes": changes}
    return plans, messages


# Resource types whose policy argument is required: unknown in a plan means it went unlinted.
REQUIRED_POLICIES = {
    "aws_iam_role": "assume_role_policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sns_topic_policy": "policy",
}


def documents(root: str, plan: dict) -> tuple[list[Document], list[str]]:
    """The policy documents of a plan (`resource_changes` of `terraform show -json`), and the
    policies it leaves unknown."""
    found, unknowns = [], []
    for change in plan["resource_changes"]:
        after = change["change"]["after"]
        if change["mode"] != "managed" or after is None:
            continue
        unknown = change["change"].get("after_unknown") or {}
        label = f"{root}: {change['address']}"
        if change["type"] == "aws_lambda_permission":
            names = ("action", "function_name", "principal", "source_arn", "source_account")
            if any(unknown.get(name) is True for name in names):
                unknowns.append(f"{label} is not fully known in the plan")
            else:
                found.append(lambda_permission(label, after))
            continue
        if unknown.get(REQUIRED_POLICIES.get(change["type"], "")) is True:
            unknowns.append(f"{label} {REQUIRED_POLICIES[change['type']]} is unknown in the plan")
        for attribute, value in sorted(after.items()):
            policy = parse_policy(value)
            if policy is None:
                continue
            if change["type"] == "aws_iam_role" and attribute == "assume_role_policy":
                found.append(trust_policy(f"{label} {attribute}", policy, after.get("arn")))
            else:
                found.append(Document(f"{label} {attribute}", policy))
    return found, unknowns


def parse_policy(value) -> dict | None:
    if not isinstance(value, str) or "Statement" not in value:
        return None
    try:
        policy = json.loads(value)
    except json.JSONDecodeError:
        return None
    return policy if isinstance(policy, dict) and "Statement" in policy else None


def trust_policy(label: str, policy: dict, role_arn: str | None) -> Document:
    role_arn = role_arn or _arn("iam", "role/lint-role", region="")
    statements = policy["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    policy = {
        **policy,
        "Statement": [
            s if "Resource" in s or "NotResource" in s else {**s, "Resource": role_arn}
            for s in statements
        ],
    }
    return Document(label, policy, note="trust policy, linted with the role as its Resource")


def lambda_permission(label: str, values: dict) -> Document:
    """The statement AddPermission puts in the function's resource-based policy."""
    function = values["function_name"]
    if not function.startswith("arn:"):
        function = _arn("lambda", f"function:{function.split(':')[-1]}")
    if values.get("qualifier"):
        function = f"{function}:{values['qualifier']}"
    principal = values["principal"]
    if principal == "*":
        principal_element = "*"
    elif re.fullmatch(r"\d{12}", principal) or principal.startswith("arn:"):
        principal_element = {"AWS": principal}
    else:
        principal_element = {"Service": principal}
    statement = {
        "Sid": values["statement_id"],
        "Effect": "Allow",
        "Principal": principal_element,
        "Action": values["action"],
        "Resource": function,
    }
    equals = {
        key: values[name]
        for key, name in (
            ("AWS:SourceAccount", "source_account"),
            ("aws:PrincipalOrgID", "principal_org_id"),
            ("lambda:EventSourceToken", "event_source_token"),
            ("lambda:FunctionUrlAuthType", "function_url_auth_type"),
        )
        if values.get(name)
    }
    condition = {"StringEquals": equals} if equals else {}
    if values.get("source_arn"):
        condition["ArnLike"] = {"AWS:SourceArn": values["source_arn"]}
    if condition:
        statement["Condition"] = condition
    return Document(
        f"{label} (resource policy statement)",
        {"Version": "2012-10-17", "Statement": [statement]},
        note="the statement aws_lambda_permission adds to the function's policy",
    )


# --- linting ------------------------------------------------------------------------------


@dataclass
class Finding:
    label: str
    issue: str
    severity: str
    title: str
    detail: str
    statement: dict | None = None  # None when the finding is about the policy as a whole
    index: int = 0  # of the statement, from 1
    sid: str = ""  # of the statement

    def __str__(self) -> str:
        where = "policy"
        if self.statement is not None:
            where = f"statement {self.index}" + (f" ({self.sid})" if self.sid else "")
        text = f"{self.label}\n  {self.severity} {self.issue} ({self.title}) in {where}"
        if self.detail:
            text += f"\n  {self.detail}"
        if self.statement is not None:
            text += f"\n  {json.dumps(self.statement)}"
        return text


def lint(document: Document) -> list[Finding]:
    policy = analyze_policy_string(json.dumps(document.policy, indent=2), filepath=document.label)
    parsed = policy.statements or []
    findings = []
    for finding in policy.findings:
        finding = enhance_finding(finding)
        where = {}
        owner = next((s for s in parsed if finding in s.findings), None)
        if owner is not None:
            index = parsed.index(owner)
            where = {
                "statement": _statements(document.policy)[index],
                "index": index + 1,
                "sid": owner.sid or "",
            }
        findings.append(
            Finding(
                label=document.label,
                issue=finding.issue,
                severity=finding.severity,
                title=finding.title,
                detail=_detail(finding.detail),
                **where,
            )
        )
    return findings


def _statements(policy: dict) -> list:
    statements = policy.get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _detail(detail) -> str:
    if not detail:
        return ""
    return detail if isinstance(detail, str) else json.dumps(detail)


@dataclass
class PolicyException:
    reason: str
    match: dict[str, str]  # field of Finding -> regular expression (full match)
    used: int = field(default=0)

    def matches(self, finding: Finding) -> bool:
        return all(
            re.fullmatch(pattern, str(getattr(finding, name)), flags=re.DOTALL)
            for name, pattern in self.match.items()
        )


def load_exceptions(path: Path = EXCEPTIONS_FILE) -> list[PolicyException]:
    if not path.exists():
        return []
    entries = yaml.safe_load(path.read_text()) or {}
    exceptions = []
    for entry in entries.get("exceptions") or []:
        entry = dict(entry)
        reason = entry.pop("reason", "")
        unknown = set(entry) - {"label", "issue", "sid", "detail"}
        if not reason.strip() or unknown or "issue" not in entry:
            raise ValueError(
                f"{path}: every exception needs issue and reason, and only label, sid or "
                f"detail besides: {entry}"
            )
        exceptions.append(PolicyException(reason=reason, match=entry))
    return exceptions


def unexcepted(findings: list[Finding], exceptions: list[PolicyException]) -> list[Finding]:
    left = []
    for finding in findings:
        matching = [e for e in exceptions if e.matches(finding)]
        for exception in matching:
            exception.used += 1
        if not matching:
            left.append(finding)
    return left


# --- command line -------------------------------------------------------------------------


def lint_roots(selected: list[Path]) -> tuple[list[Document], list[str]]:
    if not CLI_CONFIG.exists():
        return [], [f"{CLI_CONFIG} is missing: run 'make bootstrap'"]
    stub_artifacts()
    try:
        return render(selected), []
    except RenderError as exc:
        return [], [str(exc)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--root", action="append", type=Path, help="only this Terraform root")
    source.add_argument("--document", nargs="+", type=Path, help="lint these policy files")
    source.add_argument(
        "--plan",
        nargs="+",
        type=Path,
        help="lint the policies of these `terraform show -json` plans",
    )
    parser.add_argument("--exceptions", type=Path, default=EXCEPTIONS_FILE)
    parser.add_argument("--list", action="store_true", help="print the label of every document")
    parser.add_argument("--show", action="store_true", help="print every document")
    args = parser.parse_args(argv)

    errors = []
    if args.document:
        docs = [Document(str(path), json.loads(path.read_text())) for path in args.document]
    elif args.plan:
        docs = []
        for path in args.plan:
            found, unknown = documents(str(path), json.loads(path.read_text()))
            docs += found
            errors += unknown
    else:
        selected = [p.resolve() for p in args.root] if args.root else roots()
        docs, errors = lint_roots(selected)
    exceptions = load_exceptions(args.exceptions)
    findings = unexcepted([f for doc in docs for f in lint(doc)], exceptions)
    if args.list or args.show:
        for doc in docs:
            print(doc.label + (f"  [{doc.note}]" if doc.note else ""))
            if args.show:
                print(json.dumps(doc.policy, indent=2))
    for finding in findings:
        print(finding, end="\n\n")
    # An exception matching nothing is stale; only a run over every root can tell.
    full_run = not (args.root or args.document or args.plan)
    stale = [e for e in exceptions if not e.used] if full_run else []
    for exception in stale:
        print(f"{args.exceptions.name}: exception matches no finding, remove it: {exception.match}")
    for error in errors:
        print(error, end="\n\n", file=sys.stderr)
    print(
        f"policy lint: {len(docs)} documents, {len(findings)} findings, "
        f"{sum(e.used for e in exceptions)} excepted"
        + (f", {len(stale)} stale exceptions" if stale else "")
        + (f", {len(errors)} errors" if errors else "")
    )
    return 1 if findings or stale or errors or not docs else 0


if __name__ == "__main__":
    sys.exit(main())

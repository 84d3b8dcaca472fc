"""Every IAM policy the Terraform roots render passes parliament's lint (scripts/policy_lint.py,
also run by `make lint`): 0 findings, every exception in .policy-lint.yaml with its reason and
still matching something. A finding is fixed in the module or excepted there, never here.

The lint plans examples/complete, examples/local and every test root under tests/terraform with
a mocked provider; this test also checks that each root and each kind of policy was linted, so
that a root failing to render or a policy left unknown cannot pass as "0 findings".
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "tools" / "parliament" / "bin" / "python"

TEST_ROOTS = {p.parent for p in (ROOT / "tests" / "terraform").glob("*/*.tf")}
ROOTS = {"terraform/examples/complete", "terraform/examples/local"} | {
    str(p.relative_to(ROOT)) for p in TEST_ROOTS
}
KINDS = {
    "identity policy of a role": r"\.aws_iam_role_policy\.\S+ policy$",
    "trust policy": r"\.aws_iam_role\.\S+ assume_role_policy  \[trust policy",
    "S3 bucket policy": r"\.aws_s3_bucket_policy\.\S+ policy$",
    "SQS queue policy": r"\.aws_sqs_queue_policy\.\S+ policy$",
    "KMS key policy": r"aws_kms_key\.\S+ policy$",
    "Lambda permission": r"aws_lambda_permission\.\S+ \(resource policy statement\)",
}


def test_rendered_policies_have_no_findings():
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run 'make bootstrap'")
    result = subprocess.run(
        [str(PYTHON), "scripts/policy_lint.py", "--show"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    labels = [line for line in result.stdout.splitlines() if re.match(r"^(terraform|tests)/", line)]
    linted_roots = {label.split(":")[0] for label in labels}
    assert linted_roots == ROOTS
    for kind, pattern in KINDS.items():
        assert any(re.search(pattern, label) for label in labels), f"no {kind} was linted"
    # examples/complete is linted with tracing on: the X-Ray statements are there too.
    assert '"xray:PutTraceSegments"' in result.stdout

"""ruff and terraform fmt are part of the suite, so CI keeps them clean. terraform validate (which
`make lint` also runs) is not repeated here: every Terraform directory is planned by the suite,
and a plan validates first."""

from __future__ import annotations

import lint

from tests.test_policy_lint import ROOT, ROOTS


def test_sources_pass_the_static_checks():
    found = lint.problems(validate_all=False)
    assert not found, "\n\n".join(found)


def test_every_terraform_directory_is_planned_by_the_suite():
    """By terraform test (tests/terraform/test_module_tests.py: a module or example with
    tests/*.tftest.hcl) or by the policy lint (tests/test_policy_lint.py: the roots it plans)."""
    tested = {path.parent.parent for path in (ROOT / "terraform").rglob("tests/*.tftest.hcl")}
    planned = tested | {ROOT / root for root in ROOTS}
    unplanned = [str(d.relative_to(ROOT)) for d in lint.terraform_dirs() if d not in planned]
    assert not unplanned, f"never planned by the suite, so never validated: {unplanned}"

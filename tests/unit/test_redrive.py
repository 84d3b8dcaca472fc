"""The redrive CLI's decisions (scripts/redrive.py), without AWS."""

from __future__ import annotations

from redrive import caught_failure, plan_execution, rerun_name

FAILED = {"executionArn": "arn:x", "name": "job-1", "status": "FAILED", "error": "Boom"}


def entered(kind: str, name: str) -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name}}


def test_an_execution_that_failed_in_a_task_is_redriven():
    newest_first = [{"type": "ExecutionFailed"}, {"type": "TaskFailed"}, entered("Task", "Work")]
    assert caught_failure(newest_first) is None
    assert plan_execution(FAILED, newest_first, restart=False).action == "redrive"


def test_one_that_ended_in_a_fail_state_is_left_or_restarted():
    newest_first = [{"type": "ExecutionFailed"}, entered("Fail", "Refused"), entered("Task", "A")]
    assert caught_failure(newest_first) == "Refused"
    left = plan_execution(FAILED, newest_first, restart=False)
    assert left.action == "skip" and "--restart" in left.reason
    assert plan_execution(FAILED, newest_first, restart=True).action == "restart"


def test_what_step_functions_calls_not_redrivable_is_left():
    described = {**FAILED, "redriveStatus": "NOT_REDRIVABLE", "redriveStatusReason": "too old"}
    assert plan_execution(described, [], restart=True).reason == "too old"


def test_rerun_names_are_new_and_fit_80_characters():
    assert rerun_name("job-1", ["job-1", "job-1-rerun-1"]) == "job-1-rerun-2"
    long = "x" * 80
    assert len(rerun_name(long, [])) == 80 and rerun_name(long, []).endswith("-rerun-1")

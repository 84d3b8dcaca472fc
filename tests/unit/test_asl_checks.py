"""The deployed-definition check finds a Task without a retrier for transient errors, however
deep it sits."""

from __future__ import annotations

from tests.support.asl_checks import tasks_without_transient_retry

LAMBDA = "arn:aws:states:::lambda:invoke"
RETRY = [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3}]


def test_lambda_task_needs_a_lambda_transient_retrier():
    definition = {
        "States": {
            "Ok": {"Type": "Task", "Resource": LAMBDA, "Retry": RETRY, "Next": "Custom"},
            "Custom": {
                "Type": "Task",
                "Resource": LAMBDA,
                "Retry": [{"ErrorEquals": ["MyError"]}],
                "End": True,
            },
        }
    }
    assert tasks_without_transient_retry(definition) == ["Custom"]


def test_tasks_in_branches_and_map_processors_are_checked():
    bare = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}
    definition = {
        "States": {
            "P": {"Type": "Parallel", "Branches": [bare], "Next": "M"},
            "M": {"Type": "Map", "ItemProcessor": bare, "End": True},
        }
    }
    assert tasks_without_transient_retry(definition) == ["P[0]/T", "M/T"]

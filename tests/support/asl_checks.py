"""Checks every deployed state machine must pass: the definition Terraform rendered is valid ASL
(statelint and the local Step Functions' parser, as ValidateStateMachineDefinition answers) and
every Task retries transient errors."""

from __future__ import annotations

import json

from localaws.asl_validation import validate

# What a retrier must name for a Lambda task: the service's own transient errors (or all).
LAMBDA_TRANSIENT = {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "States.ALL"}


def tasks(states: dict, path: str = ""):
    """(path, state) of every Task, inside Parallel branches and Map processors too."""
    for name, state in states.items():
        where = f"{path}{name}"
        if state["Type"] == "Task":
            yield where, state
        for index, branch in enumerate(state.get("Branches", [])):
            yield from tasks(branch["States"], f"{where}[{index}]/")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from tasks(processor["States"], f"{where}/")


def tasks_without_transient_retry(definition: dict) -> list[str]:
    missing = []
    for where, state in tasks(definition["States"]):
        named = {error for retrier in state.get("Retry", []) for error in retrier["ErrorEquals"]}
        is_lambda = ":lambda:" in state["Resource"] or ":function:" in state["Resource"]
        if not named or (is_lambda and not named & LAMBDA_TRANSIENT):
            missing.append(where)
    return missing


def assert_deployed_definition_is_sound(local_aws, state_machine_arn: str) -> None:
    definition = local_aws.client("stepfunctions").describe_state_machine(
        stateMachineArn=state_machine_arn
    )["definition"]
    assert validate(definition)["result"] == "OK", validate(definition)["diagnostics"]
    assert tasks_without_transient_retry(json.loads(definition)) == []

"""Run state machines on the local AWS and read back what DescribeExecution reports."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.support.iam import service_role

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class Outcome:
    status: str
    output: Any  # the parsed output JSON, None unless SUCCEEDED
    error: str | None
    cause: str | None
    execution_arn: str


class StepFunctions:
    """Creates state machines, starts executions and waits for them to end."""

    def __init__(self, local_aws) -> None:
        self.local_aws = local_aws
        self.client = local_aws.client("stepfunctions")
        self._role_arn: str | None = None

    @property
    def role_arn(self) -> str:
        if self._role_arn is None:
            self._role_arn = service_role(self.local_aws, "states.amazonaws.com")
        return self._role_arn

    def create(self, definition: dict) -> str:
        return self.client.create_state_machine(
            name=f"sm-{uuid.uuid4().hex[:12]}",
            definition=json.dumps(definition),
            roleArn=self.role_arn,
        )["stateMachineArn"]

    def start(self, state_machine_arn: str, execution_input: Any = None, **kwargs) -> str:
        return self.client.start_execution(
            stateMachineArn=state_machine_arn,
            input=json.dumps({} if execution_input is None else execution_input),
            **kwargs,
        )["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 60.0) -> Outcome:
        deadline = time.monotonic() + timeout
        while True:
            described = self.client.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{execution_arn} still {described['status']} after {timeout}s")
            time.sleep(0.05)
        output = described.get("output")
        return Outcome(
            status=described["status"],
            output=None if output is None else json.loads(output),
            error=described.get("error"),
            cause=described.get("cause"),
            execution_arn=execution_arn,
        )

    def run(self, definition: dict, execution_input: Any = None, timeout: float = 60.0) -> Outcome:
        return self.wait(self.start(self.create(definition), execution_input), timeout)


def machine(*states: tuple[str, dict], **top) -> dict:
    """A definition from (name, state) pairs, starting at the first; the last one gets End."""
    names = [name for name, _ in states]
    built = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        terminal = state["Type"] in ("Choice", "Succeed", "Fail") or {"Next", "End"} & set(state)
        if not terminal and index + 1 < len(states):
            state["Next"] = names[index + 1]
        elif not terminal:
            state["End"] = True
        built[name] = state
    return {"StartAt": names[0], "States": built, **top}


def single(state: dict) -> dict:
    """A one-state machine."""
    return machine(("S", state))

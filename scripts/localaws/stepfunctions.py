"""Step Functions on moto: execution switched on, plus fixes to moto's executor."""

from __future__ import annotations

import copy
import datetime
import uuid


def install() -> None:
    from moto.core.config import default_user_config

    # moto only records executions unless told to run them.
    default_user_config["stepfunctions"]["execute_state_machine"] = True
    _fix_start_execution()


def _fix_start_execution() -> None:
    from moto.stepfunctions.parser.backend.execution import Execution
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    def start_execution(self, state_machine_arn, name=None, execution_input=None,
                        trace_header=None):
        # AWS names an unnamed execution with a UUID; moto used None, so every later unnamed
        # start hit the first one's idempotency check.
        name = name or str(uuid.uuid4())
        self._validate_name(name)
        execution_input = "{}" if execution_input is None else execution_input
        state_machine = self.describe_state_machine(state_machine_arn)
        state_machine._validate_execution_input(execution_input)
        # Same name: the running execution if the input is the same, else ExecutionAlreadyExists.
        existing = type(state_machine)._handle_name_input_idempotency(
            state_machine, name, execution_input
        )
        if existing is not None:
            return existing
        # moto deep-copied the state machine, its backend and every execution's worker threads
        # (which fails once one exists); a shallow snapshot keeps the definition the run uses.
        snapshot = copy.copy(state_machine)
        snapshot.executions = []
        execution = Execution(
            name=name,
            sm_type=snapshot.sm_type,
            role_arn=snapshot.roleArn,
            exec_arn=f"arn:{self.partition}:states:{self.region_name}:{self.account_id}"
            f":execution:{state_machine.name}:{name}",
            account_id=self.account_id,
            region_name=self.region_name,
            state_machine=snapshot,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            cloud_watch_logging_session=None,
            input_data=execution_input,
            trace_header=trace_header,
            activity_store={},
        )
        state_machine.executions.append(execution)
        execution.start()
        return execution

    StepFunctionsParserBackend.start_execution = start_execution

"""Step Functions on moto: execution switched on, plus fixes to moto's executor."""

from __future__ import annotations


def install() -> None:
    from moto.core.config import default_user_config

    # moto only records executions unless told to run them.
    default_user_config["stepfunctions"]["execute_state_machine"] = True

"""lambda_common/env.py: settings read from environment variables, errors naming the variable."""

from __future__ import annotations

import pytest
from lambda_common.env import (
    env_bool,
    env_choice,
    env_int,
    env_number,
    env_optional,
    env_optional_int,
    env_prefix,
    env_text,
)
from lambda_common.errors import ConfigurationError


def test_text_and_optional():
    assert env_text("A", env={"A": " x "}) == "x"
    assert env_text("A", "d", env={}) == "d"
    with pytest.raises(ConfigurationError, match="A is not set"):
        env_text("A", env={})
    assert env_optional("A", env={"A": "  "}) is None


def test_numbers():
    assert env_number("N", 5, 0, 10, env={"N": "7.5"}) == 7.5
    with pytest.raises(ConfigurationError, match="between 0 and 10"):
        env_number("N", 5, 0, 10, env={"N": "11"})
    with pytest.raises(ConfigurationError, match="not a number"):
        env_number("N", 5, 0, 10, env={"N": "many"})
    assert env_int("I", 3, env={}) == 3
    with pytest.raises(ConfigurationError, match="I=0 must be >= 1"):
        env_int("I", env={"I": "0"})
    with pytest.raises(ConfigurationError, match="I=52 must be between 0 and 51"):
        env_int("I", minimum=0, maximum=51, env={"I": "52"})
    with pytest.raises(ConfigurationError, match="not an integer"):
        env_int("I", env={"I": "2.5"})
    assert env_optional_int("I", env={}) is None
    assert env_optional_int("I", env={"I": "9"}) == 9


def test_bool_choice_and_prefix():
    assert env_bool("B", True, env={}) is True
    assert env_bool("B", True, env={"B": "FALSE"}) is False
    with pytest.raises(ConfigurationError, match="true or false"):
        env_bool("B", True, env={"B": "maybe"})
    assert env_choice("C", "a", ("a", "b"), env={"C": "b"}) == "b"
    with pytest.raises(ConfigurationError, match=r"C='z' must be one of \('a', 'b'\)"):
        env_choice("C", "a", ("a", "b"), env={"C": "z"})
    assert env_prefix("P", env={"P": "/in/"}) == "in/"
    assert env_prefix("P", env={}) == ""

"""Validation of Amazon States Language definitions, as ValidateStateMachineDefinition does it.

Two checkers, precision first (a false alarm would block deploying a workflow AWS accepts):

* statelint for the structure: StartAt and every Next/Default/Choice/Catch target exist, every
  state is reachable, a terminal state exists, required and forbidden fields per state type,
  field types and enums, Retry/Catch shapes, Map and Parallel recursively, duplicate state names.
  Three kinds of its findings are dropped because statelint 3.1 lags AWS there: integer
  BackoffRate (AWS accepts it), unknown-field reports (it misses Assign under JSONPath, Label,
  ReaderConfig fields) and path syntax (it predates ``$variable`` references).
* moto's ASL grammar, the executor's own parser, for the field set and value syntax: a
  definition it cannot parse cannot run locally, whatever AWS would say.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_RESULTS = 100
ROOT = "State Machine"  # statelint's name for the top level in its messages


class _Object(dict):
    """A JSON object that remembers the keys it saw twice (json keeps only the last one)."""

    duplicates: list[str]


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    obj, seen = _Object(pairs), set()
    obj.duplicates = []
    for key, _ in pairs:
        if key in seen:
            obj.duplicates.append(key)
        seen.add(key)
    return obj


def diagnostic(code: str, message: str, location: str | None = None) -> dict[str, str]:
    found = {"severity": "ERROR", "code": code, "message": message}
    if location:
        found["location"] = location
    return found


def validate(definition: str | None, max_results: int | None = None) -> dict[str, Any]:
    """The ValidateStateMachineDefinition response for a definition."""
    found = diagnostics(definition)
    limit = max_results or MAX_RESULTS
    return {
        "result": "FAIL" if found else "OK",
        "diagnostics": found[:limit],
        "truncated": len(found) > limit,
    }


def diagnostics(definition: str | None) -> list[dict[str, str]]:
    if definition is None or not definition.strip():
        return [diagnostic("MISSING_DESCRIPTION", "The definition is empty")]
    try:
        parsed = json.loads(definition, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        return [diagnostic("INVALID_JSON_DESCRIPTION", str(exc))]
    if not isinstance(parsed, dict):
        return [diagnostic("SCHEMA_VALIDATION_FAILED", "The definition must be a JSON object", "/")]
    found = _duplicate_state_names(parsed, "") + _statelint(parsed)
    return found or _grammar(definition)


def _duplicate_state_names(node: Any, location: str) -> list[dict[str, str]]:
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("States"), _Object):
            found += [
                diagnostic(
                    "DUPLICATE_STATE_NAME",
                    f"Duplicate state name: {name}",
                    f"{location}/States/{name}",
                )
                for name in node["States"].duplicates
            ]
        for key, value in node.items():
            found += _duplicate_state_names(value, f"{location}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _duplicate_state_names(value, f"{location}/{index}")
    return found


def _statelint(parsed: dict) -> list[dict[str, str]]:
    from statelint.config import Config
    from statelint.nodes.factory.factory import StateFactory
    from statelint.nodes.state_machine import StateMachine
    from statelint.problem import ProblemType

    lagging = {
        ProblemType.FLOAT,
        ProblemType.JSON_PATH,
        ProblemType.REFERENCE_PATH,
        ProblemType.REFERENCE_PATH_OR_FUNC,
    }
    found = []
    for problem in StateMachine(StateFactory(), parsed, Config()).validate():
        text = str(problem)
        if problem.type in lagging or " not allowed in " in text or "is not a JSONPath" in text:
            continue
        location = _location(text, parsed)
        if text.startswith("StartAt value"):
            location = location.rstrip("/") + "/StartAt"
        found.append(diagnostic(_code(problem.type, text), text, location))
    return found


def _code(problem_type, text: str) -> str:
    if text.startswith("No state found named") or " not found in States field" in text:
        return "MISSING_TRANSITION_TARGET"
    if text.startswith("No terminal state found"):
        return "MISSING_END_STATE"
    if " is also defined at " in text:
        return "DUPLICATE_STATE_NAME"
    if problem_type.name == "URI":
        return "INVALID_RESOURCE"
    return "SCHEMA_VALIDATION_FAILED"


def _location(text: str, definition: dict) -> str:
    """The JSON pointer of the statelint path in a message ("State Machine.States.A.Next").

    Keys are matched against the definition itself, so state names holding dots or spaces
    resolve correctly; statelint's "State Machine.A" for an unreachable state means States/A.
    """
    start = text.find(ROOT)
    if start < 0:
        return "/"
    rest, node, parts = text[start + len(ROOT) :], definition, []
    while rest:
        index = re.match(r"\[(\d+)\]", rest)
        if index and isinstance(node, list) and int(index[1]) < len(node):
            parts.append(index[1])
            node, rest = node[int(index[1])], rest[index.end() :]
            continue
        if not rest.startswith(".") or not isinstance(node, dict):
            break
        key = _key_at(node, rest[1:])
        if key is None and isinstance(node.get("States"), dict):
            key = _key_at(node["States"], rest[1:])
            if key is not None:
                parts.append("States")
                node = node["States"]
        if key is None:
            break
        parts.append(key)
        node, rest = node[key], rest[1 + len(key) :]
    return "/" + "/".join(parts)


def _key_at(node: dict, text: str) -> str | None:
    """The longest key of node that text starts with, followed by a path or word boundary."""
    for key in sorted(node, key=len, reverse=True):
        if text.startswith(key) and text[len(key) : len(key) + 1] in ("", ".", "[", " ", '"', ":"):
            return key
    return None


def _grammar(definition: str) -> list[dict[str, str]]:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    try:
        AmazonStateLanguageParser.parse(definition)
    except Exception as exc:  # any parser failure means the definition is invalid
        message = re.sub(r"^ASLParserException\s*", "", str(exc)).split("\n")[0]
        message = message.split(" expecting {")[0][:500]  # drop the grammar's token list
        return [diagnostic("SCHEMA_VALIDATION_FAILED", message or type(exc).__name__, "/")]
    return []


def invalid_definition_message(found: list[dict[str, str]]) -> str:
    """CreateStateMachine's InvalidDefinition message for the diagnostics, worded as AWS does."""
    problems = ", ".join(
        f"{d['code']}: {d['message']}" + (f" at {d['location']}" if "location" in d else "")
        for d in found
    )
    return f"Invalid State Machine Definition: '{problems}'"

"""Validation of Amazon States Language definitions, as ValidateStateMachineDefinition does it.

Precision first: a false alarm would block deploying a workflow AWS accepts. Three layers:

* statelint for the structure: StartAt and every Next/Default/Choice/Catch target exist, every
  state is reachable, a terminal state exists, required and forbidden fields per state type and
  query language, field types and enums, Retry/Catch shapes, Map and Parallel recursively.
  Its findings are dropped where statelint 3.1 lags AWS: integer BackoffRate, path syntax (it
  predates `$variable` references), Assign under JSONPath, Map's Label, ReaderConfig's and
  ResultWriter's newer fields, and the fields the rules below own.
* the rules below, written from the ASL specification and the Step Functions developer guide
  ("Map state", "Distributed Map", "Wait", "Choice", "Transforming data with JSONata", "Passing
  data between states with variables"): a JSONata expression (`{% ... %}`) in any field that
  takes a value in a JSONata state, a boolean constant as a JSONata Condition, the Map tolerance
  fields (a percentage is a number, fractions included: UpdateMapRun's
  toleratedFailurePercentage is a Float from 0 to 100), ProcessorConfig, ReaderConfig, the
  query-language downgrade AWS refuses.
* duplicate state names, which JSON parsing alone would hide.

Whether the local engine (moto's parser) can run a definition is a separate question, asked by
Create/UpdateStateMachine only (`engine_refusal`): ValidateStateMachineDefinition answers as AWS.
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
    rules = _Rules()
    rules.machine(parsed, "", None)
    return _duplicate_state_names(parsed, "") + _statelint(parsed, rules.owned) + rules.found


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


# Fields statelint 3.1 reports as "not allowed" although AWS takes them: Assign in JSONPath
# states (the rules check where it is refused), Map's Label, ReaderConfig's reader settings and
# ResultWriter's WriterConfig (the rules check both).
_STATELINT_UNKNOWN = {"Assign", "Label", "WriterConfig"}
_NOT_ALLOWED = re.compile(r'^Field "(?P<field>[^"]+)" not allowed in (?P<at>.*)$')


def _statelint(parsed: dict, owned: set[str]) -> list[dict[str, str]]:
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
        if problem.type in lagging or "is not a JSONPath" in text:
            continue
        location = _location(text, parsed)
        unknown = _NOT_ALLOWED.match(text)
        if unknown:
            if unknown["field"] in _STATELINT_UNKNOWN or location.endswith("/ReaderConfig"):
                continue
            location = f"{location.rstrip('/')}/{unknown['field']}"
        if location in owned:
            continue  # the rules checked this field
        if text.startswith("StartAt value"):
            location = location.rstrip("/") + "/StartAt"
        found.append(diagnostic(_code(problem.type, text), text, location))
    return found


_JSONATA = re.compile(r"^\{%.*%\}$", re.DOTALL)


def is_jsonata(value: Any) -> bool:
    """A JSONata expression as Step Functions writes one: a string in `{% %}`."""
    return isinstance(value, str) and bool(_JSONATA.match(value))


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Numeric fields: (state types or containers, integer?, floor, ceiling). Each also takes a
# JSONata expression in a JSONata state (developer guide, "Transforming data with JSONata":
# MaxConcurrency, ToleratedFailure*, Seconds, TimeoutSeconds, HeartbeatSeconds, MaxItems, ...).
_NUMERIC = {
    "MaxConcurrency": ("Map", True, 0, None),
    "ToleratedFailureCount": ("Map", True, 0, None),
    "ToleratedFailurePercentage": ("Map", False, 0, 100),
    "Seconds": ("Wait", True, 0, 99_999_999),
    "TimeoutSeconds": ("Task", True, 1, 99_999_999),
    "HeartbeatSeconds": ("Task", True, 1, 99_999_999),
    "MaxItems": ("ReaderConfig", True, 0, None),
    "MaxItemsPerBatch": ("ItemBatcher", True, 0, None),
    "MaxInputBytesPerBatch": ("ItemBatcher", True, 0, None),
}
_PROCESSOR_CONFIG = {"Mode": {"INLINE", "DISTRIBUTED"}, "ExecutionType": {"STANDARD", "EXPRESS"}}
_READER_CONFIG = {
    "InputType": {"CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"},
    "CSVHeaderLocation": {"FIRST_ROW", "GIVEN"},
    "CSVDelimiter": {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"},
    "ManifestType": {"ATHENA_DATA", "S3_INVENTORY"},
    "CSVHeaders": None,  # an array of strings, or JSONata
    "MaxItems": None,  # numeric, above
    "MaxItemsPath": None,
}


class _Rules:
    """The checks statelint lacks or gets wrong. `owned` holds the locations they checked, whose
    statelint findings are dropped."""

    def __init__(self) -> None:
        self.found: list[dict[str, str]] = []
        self.owned: set[str] = set()

    def fail(self, location: str, message: str) -> None:
        self.found.append(diagnostic("SCHEMA_VALIDATION_FAILED", message, location))

    def query_language(self, node: dict, at: str, inherited: str | None) -> str:
        language = node.get("QueryLanguage", inherited or "JSONPath")
        if inherited == "JSONata" and language == "JSONPath":
            # Developer guide, "Setting the query language": JSONPath states are allowed in a
            # JSONPath state machine only.
            self.fail(
                f"{at}/QueryLanguage",
                "A state can't use JSONPath when the state machine's QueryLanguage is JSONata",
            )
        return language

    def machine(self, node: dict, at: str, inherited: str | None) -> None:
        language = self.query_language(node, at, inherited) if inherited is None else inherited
        states = node.get("States")
        if not isinstance(states, dict):
            return
        for name, state in states.items():
            if isinstance(state, dict):
                self.state(state, f"{at}/States/{name}", language)

    def state(self, state: dict, at: str, inherited: str) -> None:
        language = self.query_language(state, at, inherited)
        kind = state.get("Type")
        self.numbers(state, at, kind, language)
        if kind == "Task" and "Resource" not in state:
            self.fail(at, "A Task state must have a Resource field")
        if kind in ("Fail", "Succeed") and "Assign" in state:
            self.fail(f"{at}/Assign", f"A {kind} state can't assign variables")
            self.owned.add(f"{at}/Assign")
        if kind == "Wait" and "Timestamp" in state and language == "JSONata":
            self.jsonata_or_defer(state["Timestamp"], f"{at}/Timestamp")
        if kind == "Choice":
            for index, rule in enumerate(state.get("Choices") or []):
                if isinstance(rule, dict):
                    self.condition(rule, f"{at}/Choices/{index}", language)
        if kind == "Map":
            self.map(state, at, language)
        for index, branch in enumerate(state.get("Branches") or [] if kind == "Parallel" else []):
            if isinstance(branch, dict):
                self.machine(branch, f"{at}/Branches/{index}", language)

    def numbers(self, node: dict, at: str, container: str | None, language: str) -> None:
        for field, (where, integer, floor, ceiling) in _NUMERIC.items():
            if field not in node or where != container:
                continue
            location, value = f"{at}/{field}", node[field]
            self.owned.add(location)
            if language == "JSONata" and is_jsonata(value):
                continue
            kind = "an integer" if integer else "a number"
            valid = _integer(value) if integer else _number(value)
            if valid and value >= floor and (ceiling is None or value <= ceiling):
                continue
            bounds = f"at least {floor}" if ceiling is None else f"from {floor} to {ceiling}"
            also = " or a JSONata expression" if language == "JSONata" else ""
            self.fail(location, f"The value for the field '{field}' must be {kind} {bounds}{also}")

    def jsonata_or_defer(self, value: Any, location: str) -> None:
        if is_jsonata(value):
            self.owned.add(location)

    def condition(self, rule: dict, at: str, language: str) -> None:
        if language != "JSONata" or "Condition" not in rule:
            return
        location, value = f"{at}/Condition", rule["Condition"]
        self.owned.add(location)
        # A JSONata Condition is an expression or a constant boolean ("Condition": true).
        if not (isinstance(value, bool) or is_jsonata(value)):
            self.fail(
                location,
                "The value for the field 'Condition' must be a boolean or a JSONata expression",
            )

    def map(self, state: dict, at: str, language: str) -> None:
        if "Label" in state and not isinstance(state["Label"], str):
            self.fail(f"{at}/Label", "The value for the field 'Label' must be a string")
        if language == "JSONata" and "Items" in state:
            location, items = f"{at}/Items", state["Items"]
            self.owned.add(location)
            if not (isinstance(items, list) or is_jsonata(items)):
                self.fail(
                    location,
                    "The value for the field 'Items' must be an array or a JSONata expression",
                )
        for field in ("ItemBatcher",):
            if isinstance(state.get(field), dict):
                self.numbers(state[field], f"{at}/{field}", field, language)
        reader = state.get("ItemReader")
        if isinstance(reader, dict) and isinstance(reader.get("ReaderConfig"), dict):
            self.reader_config(reader["ReaderConfig"], f"{at}/ItemReader/ReaderConfig", language)
        processor = state.get("ItemProcessor", state.get("Iterator"))
        if not isinstance(processor, dict):
            return
        where = "ItemProcessor" if "ItemProcessor" in state else "Iterator"
        if "ProcessorConfig" in processor:
            self.processor_config(processor["ProcessorConfig"], f"{at}/{where}/ProcessorConfig")
        self.machine(processor, f"{at}/{where}", language)

    def processor_config(self, config: Any, at: str) -> None:
        if not isinstance(config, dict):
            self.fail(at, "The value for the field 'ProcessorConfig' must be an object")
            return
        for field, value in config.items():
            allowed = _PROCESSOR_CONFIG.get(field)
            if allowed is None:
                self.fail(f"{at}/{field}", f"Field '{field}' is not supported in ProcessorConfig")
            elif value not in allowed:
                self.fail(
                    f"{at}/{field}",
                    f"The value for the field '{field}' must be one of {sorted(allowed)}",
                )
        distributed = config.get("Mode") == "DISTRIBUTED"
        if distributed and "ExecutionType" not in config:
            self.fail(at, "A Map state in DISTRIBUTED mode must have an ExecutionType")
        if not distributed and "ExecutionType" in config:
            self.fail(f"{at}/ExecutionType", "ExecutionType applies to the DISTRIBUTED mode only")

    def reader_config(self, config: dict, at: str, language: str) -> None:
        self.numbers(config, at, "ReaderConfig", language)
        for field, value in config.items():
            if field not in _READER_CONFIG:
                self.fail(f"{at}/{field}", f"Field '{field}' is not supported in ReaderConfig")
            elif _READER_CONFIG[field] and value not in _READER_CONFIG[field]:
                allowed = sorted(_READER_CONFIG[field])
                self.fail(
                    f"{at}/{field}", f"The value for the field '{field}' must be one of {allowed}"
                )


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


def engine_refusal(definition: str) -> str | None:
    """Why the local engine (moto's ASL parser) cannot run a definition AWS accepts, if it can't:
    Create/UpdateStateMachine refuse it rather than fail at run time."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    try:
        AmazonStateLanguageParser.parse(definition)
    except Exception as exc:  # any parser failure means the engine cannot run it
        message = re.sub(r"^ASLParserException\s*", "", str(exc)).split("\n")[0]
        return message.split(" expecting {")[0][:500] or type(exc).__name__  # drop token lists
    return None


def invalid_definition_message(found: list[dict[str, str]]) -> str:
    """CreateStateMachine's InvalidDefinition message for the diagnostics, worded as AWS does."""
    problems = ", ".join(
        f"{d['code']}: {d['message']}" + (f" at {d['location']}" if "location" in d else "")
        for d in found
    )
    return f"Invalid State Machine Definition: '{problems}'"

"""Two instances of every workflow module in one root (tests/terraform/side_by_side), planned on
the local AWS, never applied: what a platform team's first plan shows.

- no two resources of a type share a name, and every name comes from its instance's `name`
  (buckets, tables, collections, queues, topics, rules, roles, functions, log groups...);
- every state machine's definition is a known value of the first plan, not "(known after apply)",
  so that the reviewer of a pull request adding a workflow sees the workflow;
- an existing bucket is read at plan: a name that exists plans, a wrong one fails the plan;
- misused options fail the plan with a sentence saying what to set.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from tfroot import TerraformRoot, warm_plugin_cache

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"

# The attribute naming each resource type in its account (and Region).
NAME_ATTRIBUTES = {
    "aws_apigatewayv2_api": "name",
    "aws_cloudwatch_dashboard": "dashboard_name",
    "aws_cloudwatch_event_rule": "name",
    "aws_cloudwatch_log_group": "name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_dynamodb_table": "name",
    "aws_glue_catalog_database": "name",
    "aws_glue_crawler": "name",
    "aws_glue_job": "name",
    "aws_glue_security_configuration": "name",
    "aws_iam_role": "name",
    "aws_lambda_function": "function_name",
    "aws_lambda_layer_version": "layer_name",
    "aws_rekognition_collection": "collection_id",
    "aws_s3_bucket": "bucket",
    "aws_sfn_state_machine": "name",
    "aws_sns_topic": "name",
    "aws_sqs_queue": "name",
}
WORKFLOWS = {
    "media_convert": "media",
    "sns_fanout": "fanout",
    "rider_photo": "riders",
    "glue_medallion": "retail",
}


@pytest.fixture(scope="module")
def side_by_side(local_aws, tmp_path_factory):
    """The root, initialised, with an existing bucket for media-convert b's uploads."""
    if not (BUILD / "manifest.json").exists():
        pytest.fail(f"{BUILD} has no manifest.json: run 'make package' (make test does it)")
    warm_plugin_cache()
    name = f"sbs-{uuid.uuid4().hex[:6]}"
    existing = f"{name}-uploads"
    local_aws.client("s3").create_bucket(Bucket=existing)
    root = TerraformRoot(
        ROOT / "tests" / "terraform" / "side_by_side",
        tmp_path_factory.mktemp("tf-side-by-side"),
        local_aws.environ(),
        {"endpoint": local_aws.endpoint, "artifacts_dir": str(BUILD), "name": name},
    )
    root.init()
    return root, name, existing


# The failing plan needs only the bucket lookups and a function (its zip): planning the whole
# root again would take as long as the first plan.
FAILING_PARTS = (
    '-target=module.rider_photo["a"].data.aws_s3_bucket.photo',
    '-target=module.media_convert["b"].data.aws_s3_bucket.source',
    '-target=module.media_convert["b"].module.start.aws_lambda_function.this',
)


def plan(root: TerraformRoot, *variables: str, targets=(), ok_codes=(0,)):
    options = [item for assignment in variables for item in ("-var", assignment)]
    return root.run(
        "plan",
        "-no-color",
        f"-out={root.work_dir / 'plan.tfplan'}",  # out of the tree
        f"-var-file={root.var_file}",
        *options,
        *targets,
        ok_codes=ok_codes,
    )


@pytest.fixture(scope="module")
def first_plan(side_by_side) -> dict:
    root, _, existing = side_by_side
    plan(root, "b_create_source_bucket=false", f"b_source_bucket_name={existing}")
    return json.loads(root.run("show", "-json", str(root.work_dir / "plan.tfplan")).stdout)


def instance_of(address: str) -> tuple[str, str] | None:
    """('media_convert', 'a') for module.media_convert["a"].…, None outside the workflows."""
    for workflow in WORKFLOWS:
        for key in ("a", "b"):
            if address.startswith(f'module.{workflow}["{key}"].'):
                return workflow, key
    return None


def test_no_two_resources_share_a_name_and_every_name_comes_from_its_instance(
    side_by_side, first_plan
):
    _, prefix, _ = side_by_side
    created = [c for c in first_plan["resource_changes"] if c["change"]["actions"] == ["create"]]
    seen: dict[tuple[str, str], str] = {}
    clashes, unknown, foreign = [], [], []
    for change in created:
        attribute = NAME_ATTRIBUTES.get(change["type"])
        if attribute is None:
            continue
        name = change["change"]["after"].get(attribute)
        if name is None:
            unknown.append(change["address"])
            continue
        if (change["type"], name) in seen:
            clashes.append(f"{name}: {seen[change['type'], name]} and {change['address']}")
        seen[change["type"], name] = change["address"]
        instance = instance_of(change["address"])
        if instance:
            workflow, key = instance
            own = f"{prefix}-{key}-{WORKFLOWS[workflow]}"
            if own not in name and own.replace("-", "_") not in name:
                foreign.append(f"{change['address']}: {name}")
    assert not clashes, "names used twice:\n" + "\n".join(clashes)
    assert not unknown, "names unknown at plan:\n" + "\n".join(unknown)
    assert not foreign, "names not derived from the instance's name:\n" + "\n".join(foreign)
    # Every workflow is there twice, with its state machines and buckets.
    for workflow in WORKFLOWS:
        for key in ("a", "b"):
            assert any(instance_of(a) == (workflow, key) for a in seen.values()), (workflow, key)
    tables = {name for (kind, name) in seen if kind == "aws_dynamodb_table"}
    assert tables == {f"{prefix}-a-riders", f"{prefix}-b-riders"}


def test_every_state_machine_definition_is_known_in_the_first_plan(first_plan):
    machines = [c for c in first_plan["resource_changes"] if c["type"] == "aws_sfn_state_machine"]
    # media-convert, rider-photo and glue-medallion, and sns-fanout's long-source parts per
    # rendition (two by default), twice each
    assert len(machines) == 10
    for machine in machines:
        change = machine["change"]
        assert not change["after_unknown"].get("definition"), (
            f"{machine['address']}: (known after apply)"
        )
        definition = json.loads(change["after"]["definition"])
        tasks = [state for state in states(definition) if state.get("Type") == "Task"]
        assert tasks, machine["address"]
        for task in tasks:
            function = task.get("Parameters", {}).get("FunctionName", task["Resource"])
            assert function.startswith("arn:aws:"), f"{machine['address']}: {function}"


def states(definition: dict):
    """Every state, those of Map and Parallel states included."""
    for state in definition["States"].values():
        yield state
        for inner in [
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ]:
            if inner:
                yield from states(inner)


@pytest.fixture(scope="module")
def failing_plan(side_by_side, tmp_path_factory) -> tuple[str, Path]:
    """One plan with every misuse at once: rider-photo a's existing photo bucket does not exist;
    media-convert b uses an existing bucket without naming it, and its artefacts directory has
    manifest.json only."""
    root, prefix, _ = side_by_side
    artifacts = tmp_path_factory.mktemp("build-without-zips")
    (artifacts / "manifest.json").write_text("{}")
    result = plan(
        root,
        f"a_photo_bucket_name={prefix}-no-such-bucket",
        "b_create_source_bucket=false",
        f"b_artifacts_dir={artifacts}",
        targets=FAILING_PARTS,
        ok_codes=(1,),
    )
    return " ".join(result.stderr.split()), artifacts  # terraform wraps the messages


def test_an_existing_bucket_that_does_not_exist_fails_the_plan(side_by_side, failing_plan):
    _, prefix, _ = side_by_side
    errors, _ = failing_plan
    assert f"reading S3 Bucket ({prefix}-no-such-bucket)" in errors, errors
    assert 'module.rider_photo["a"].data.aws_s3_bucket.photo' in errors, errors


def test_misused_options_fail_the_plan_with_what_to_set(failing_plan):
    errors, artifacts = failing_plan
    assert (
        "create_source_bucket = false uses an existing bucket: set source_bucket_name to its name."
        in errors
    ), errors
    missing = ", ".join(
        f"lambda/media_{fn}.zip" for fn in ("start", "split", "merge", "cleanup", "job")
    )
    assert f"artifacts_dir ({artifacts}) lacks {missing}: run `make package`" in errors, errors

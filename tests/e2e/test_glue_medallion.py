"""glue-medallion end to end on the local AWS: terraform applies the module, the state machine
runs the real job scripts (local Spark on the local S3) and crawlers for two dates, and the test
checks the catalog, the gold marts against DuckDB SQL written here over the same raw CSV, that
the second date left the first untouched, and that bad input fails the execution with its cause."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import duckdb
import load_suite
import pytest
import retail_data
from workflow_runs import run_execution

from tests.support.alarms import AlarmInbox
from tests.support.asl_checks import assert_deployed_definition_is_sound

pytestmark = pytest.mark.e2e

DATES = ["2024-05-01", "2024-05-02"]
BAD_DATE = "2024-05-03"
SIZES = {"sales_count": 3000, "customer_count": 200, "product_count": 30}
RUN_TIMEOUT = 240

# Catalog columns (name: Glue type) each crawler must find; every table is partitioned by dt.
COUNTS = {"orders": "bigint", "quantity": "bigint", "revenue": "decimal(18,2)"}
TABLES = {
    "bronze": {
        "customers": {
            "customer_id": "int",
            "customer_name": "string",
            "gender": "string",
            "age": "int",
            "residence": "string",
        },
        "products": {
            "product_id": "int",
            "product_name": "string",
            "category": "string",
            "unit_price": "decimal(10,2)",
        },
        "sales": {
            "sale_id": "string",
            "sold_at": "timestamp",
            "customer_id": "int",
            "product_id": "int",
            "quantity": "int",
        },
    },
    "silver": {
        "purchase_all": {
            "sale_id": "string",
            "sold_at": "timestamp",
            "customer_id": "int",
            "customer_name": "string",
            "gender": "string",
            "age": "int",
            "residence": "string",
            "product_id": "int",
            "product_name": "string",
            "category": "string",
            "unit_price": "decimal(10,2)",
            "quantity": "int",
            "amount": "decimal(12,2)",
        },
    },
    "gold": {
        "salesbyageproducts": {
            "age_band": "int",
            "product_id": "int",
            "product_name": "string",
            "category": "string",
            **COUNTS,
            "customers": "bigint",
        },
        "salesbycustomer": {
            "customer_id": "int",
            "customer_name": "string",
            "gender": "string",
            "age": "int",
            "residence": "string",
            **COUNTS,
            "first_purchase_at": "timestamp",
            "last_purchase_at": "timestamp",
        },
        "salesbydatetime": {"sale_hour": "int", **COUNTS, "customers": "bigint"},
        "salesbyresidence": {"residence": "string", **COUNTS, "customers": "bigint"},
    },
}

# The marts as SQL over the raw CSV of one date, written independently of the jobs.
TOTALS = "count(*), sum(quantity), sum(quantity * unit_price)"
MARTS_SQL = {
    "salesbyageproducts": f"""
        SELECT age // 10 * 10, product_id, product_name, category, {TOTALS},
               count(DISTINCT customer_id)
        FROM purchases GROUP BY ALL""",
    "salesbycustomer": f"""
        SELECT customer_id, customer_name, gender, age, residence, {TOTALS},
               min(sold_at), max(sold_at)
        FROM purchases GROUP BY ALL""",
    "salesbydatetime": f"""
        SELECT hour(sold_at), {TOTALS}, count(DISTINCT customer_id)
        FROM purchases GROUP BY ALL""",
    "salesbyresidence": f"""
        SELECT residence, {TOTALS}, count(DISTINCT customer_id)
        FROM purchases GROUP BY ALL""",
}


@pytest.fixture(scope="module")
def workflow(deployments):
    """The root applied (tests/support/deployments.py applies every root at once)."""
    yield deployments.wait("glue_medallion")
    deployments.release("glue_medallion")


def lake_objects(local_aws, bucket: str, date: str) -> dict[str, tuple[str, datetime.datetime]]:
    """Every lake object of one date's partitions: key -> (ETag, LastModified)."""
    pages = local_aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {
        item["Key"]: (item["ETag"], item["LastModified"])
        for page in pages
        for item in page.get("Contents", [])
        if f"/dt={date}/" in item["Key"]
    }


@pytest.fixture(scope="module")
def runs(local_aws, workflow):
    """Date 1 then date 2, as a daily schedule would run them."""
    _, outputs = workflow
    module = outputs["glue_medallion"]
    s3 = local_aws.client("s3")
    source = f"s3://{module['source_bucket']}/{module['source_prefix']}"
    for date in DATES:
        retail_data.write_dataset(source, datetime.date.fromisoformat(date), s3, **SIZES)
    first = run_execution(
        local_aws, module["state_machine_arn"], {"run_date": DATES[0]}, RUN_TIMEOUT
    )
    before = lake_objects(local_aws, module["lake_bucket"], DATES[0])
    second = run_execution(
        local_aws, module["state_machine_arn"], {"run_date": DATES[1]}, RUN_TIMEOUT
    )
    after = lake_objects(local_aws, module["lake_bucket"], DATES[0])
    return {"executions": [first, second], "date1_before": before, "date1_after": after}


def test_both_dates_succeed(workflow, runs):
    _, outputs = workflow
    for date, execution in zip(DATES, runs["executions"], strict=True):
        assert execution["status"] == "SUCCEEDED", execution.get("cause")
        assert json.loads(execution["output"]) == {
            "run_date": date,
            "databases": outputs["glue_medallion"]["database_names"],
        }


def test_each_run_is_accounted_for_as_make_load_does(local_aws, workflow, runs):
    _, outputs = workflow
    for date, execution in zip(DATES, runs["executions"], strict=True):
        tally = load_suite.account_glue_run(
            local_aws, outputs["glue_medallion"], execution, date, 1
        )
        assert tally.ok and tally.outputs == 1, load_suite.table([tally])


def test_every_tier_is_cataloged_with_its_columns_and_both_partitions(local_aws, workflow, runs):
    _, outputs = workflow
    module = outputs["glue_medallion"]
    glue = local_aws.client("glue")
    assert module["tables"] == {tier: sorted(tables) for tier, tables in TABLES.items()}
    for tier, tables in TABLES.items():
        database = module["database_names"][tier]
        for name, columns in tables.items():
            table = glue.get_table(DatabaseName=database, Name=name)["Table"]
            storage = table["StorageDescriptor"]
            assert {c["Name"]: c["Type"] for c in storage["Columns"]} == columns, name
            assert [c["Name"] for c in storage["Columns"]] == list(columns), name
            assert [k["Name"] for k in table["PartitionKeys"]] == ["dt"], name
            assert storage["Location"].endswith(f"/{tier}/{name}/"), name
            assert table["Parameters"]["classification"] == "parquet"
            partitions = glue.get_partitions(DatabaseName=database, TableName=name)["Partitions"]
            assert sorted(p["Values"][0] for p in partitions) == DATES, name


def test_gold_marts_equal_sql_over_the_raw_data(local_aws, workflow, runs, tmp_path):
    _, outputs = workflow
    module = outputs["glue_medallion"]
    for date in DATES:
        raw = download(local_aws, module["source_bucket"], module["source_prefix"], date, tmp_path)
        db = duckdb.connect()
        db.execute("SET TimeZone = 'UTC'")
        db.execute(f"""
            CREATE VIEW purchases AS
            SELECT * FROM read_csv('{raw}/sales/dt={date}/*.csv', header = true,
                                   types = {{'sold_at': 'TIMESTAMP'}}) AS sales
            JOIN read_csv('{raw}/customers/dt={date}/*.csv', header = true) AS customers
                USING (customer_id)
            JOIN read_csv('{raw}/products/dt={date}/*.csv', header = true,
                          types = {{'unit_price': 'DECIMAL(10,2)'}}) AS products
                USING (product_id)""")
        for mart, sql in MARTS_SQL.items():
            expected = sorted(db.execute(sql).fetchall())
            gold = download(local_aws, module["lake_bucket"], "gold/", date, tmp_path, mart)
            # Spark's timestamps are UTC instants; as naive UTC they compare with the CSV's.
            columns = ", ".join(
                f"CAST({name} AS TIMESTAMP)" if kind == "timestamp" else name
                for name, kind in TABLES["gold"][mart].items()
            )
            parquet = f"{gold}/{mart}/dt={date}/*.parquet"
            actual = sorted(
                db.execute(f"SELECT {columns} FROM read_parquet('{parquet}')").fetchall()
            )
            assert len(actual) == len(expected) > 0, (mart, date)
            assert actual == expected, (mart, date)


def download(local_aws, bucket: str, prefix: str, date: str, tmp: Path, only: str = "") -> Path:
    """The objects of `date`'s partitions under s3://bucket/prefix[only], as local files."""
    s3 = local_aws.client("s3")
    target = tmp / bucket / prefix
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix + only)
    for page in pages:
        for item in page.get("Contents", []):
            if f"/dt={date}/" in item["Key"] and not item["Key"].endswith("_SUCCESS"):
                path = tmp / bucket / item["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, item["Key"], str(path))
    return target


def test_second_date_leaves_the_first_untouched(runs):
    before, after = runs["date1_before"], runs["date1_after"]
    tables = {key.split("/dt=")[0] for key in before}
    assert len(tables) == 8  # 3 bronze, 1 silver, 4 gold tables
    assert after == before


def test_bad_input_fails_the_execution_with_the_cause(local_aws, workflow, runs):
    """... and the module's alarms notify (the failed execution, the Glue job's failure event);
    once the bad file is removed, scripts/redrive.py starts the run anew and it succeeds."""
    import redrive

    _, outputs = workflow
    module = outputs["glue_medallion"]
    inbox = AlarmInbox(local_aws, module["alarm_topic_arn"])
    s3 = local_aws.client("s3")
    source = f"s3://{module['source_bucket']}/{module['source_prefix']}"
    retail_data.write_dataset(source, datetime.date.fromisoformat(BAD_DATE), s3, **SIZES)
    bad = "sale_id,sold_at,customer_id,product_id,quantity\nz1,2024-05-03 10:00:00,1,1,lots\n"
    s3.put_object(
        Bucket=module["source_bucket"],
        Key=f"{module['source_prefix']}sales/dt={BAD_DATE}/zz-late.csv",
        Body=bad.encode(),
    )
    execution = run_execution(
        local_aws, module["state_machine_arn"], {"run_date": BAD_DATE}, RUN_TIMEOUT
    )
    assert execution["status"] == "FAILED"
    assert execution["error"] == "GlueJobFailed"
    fact_job = module["job_names"]["t0_fact"]
    assert execution["cause"].startswith(f"Glue job {fact_job} run jr_")
    assert "ended FAILED: BadInputError: sales: 1 of 3001 rows are invalid" in execution["cause"]
    assert "sale_id 'z1': quantity='lots' is not int" in execution["cause"]
    # Nothing of the bad date reached the sales table; the alert names the failure.
    assert not s3.list_objects_v2(
        Bucket=module["lake_bucket"], Prefix=f"bronze/sales/dt={BAD_DATE}/"
    ).get("Contents")
    alert = local_aws.client("sqs").receive_message(
        QueueUrl=outputs["alert_queue_url"], WaitTimeSeconds=5
    )["Messages"][0]["Body"]
    assert f"for run date {BAD_DATE} failed with GlueJobFailed: Glue job {fact_job}" in alert
    for watched in ("main-executions-failed", "glue-job-failures-matched"):
        inbox.wait(module["alarm_names"][watched], "ALARM")

    s3.delete_object(
        Bucket=module["source_bucket"],
        Key=f"{module['source_prefix']}sales/dt={BAD_DATE}/zz-late.csv",
    )
    lines: list[str] = []
    arguments = ["executions", "--state-machine", module["state_machine_arn"], "--restart"]
    arguments += ["--execution", execution["executionArn"], "--wait", str(RUN_TIMEOUT)]
    assert redrive.main(arguments, client_factory=local_aws.client, out=lines.append) == 0, lines
    assert s3.list_objects_v2(
        Bucket=module["lake_bucket"], Prefix=f"bronze/sales/dt={BAD_DATE}/"
    ).get("Contents")


def test_a_second_plan_is_empty(workflow, runs):
    root, _ = workflow
    assert root.plan_changes() is None


def test_deployed_state_machine_is_valid_and_every_task_retries(local_aws, workflow):
    _, outputs = workflow
    assert_deployed_definition_is_sound(local_aws, outputs["glue_medallion"]["state_machine_arn"])

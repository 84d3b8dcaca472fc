"""The local Glue (scripts/localaws/glue.py) against the local AWS server: job runs run their
script on local Spark through the S3 mirror and report how they ended, drivers are reused,
crawlers catalog Parquet with partitions and cycle RUNNING -> STOPPING -> READY,
glue:startJobRun.sync works in Step Functions, and GetJob keeps ExecutionClass unset."""

from __future__ import annotations

import io
import json
import time
import uuid

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from localaws import REGION
from localaws.glue import glue_type, table_name
from workflow_runs import run_execution

from tests.support.iam import service_role

ROLE = "arn:aws:iam::123456789012:role/glue"


@pytest.fixture(scope="module", autouse=True)
def service_roles(local_aws):
    """ROLE as the services of these tests may assume it (allowed everything: the tests are
    about the service, IAM is tested in test_iam_enforcement.py)."""
    service_role(
        local_aws, ["glue.amazonaws.com", "states.amazonaws.com"], name=ROLE.split("/")[-1]
    )


# Reads CSV from --source, writes its rows doubled as Parquet under --target (dt=--run_date).
DOUBLER = """
import sys
from pyspark.sql import SparkSession, functions as F

args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
spark = SparkSession.builder.getOrCreate()
assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "STATIC", "leaked setting"
spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
rows = spark.read.option("header", True).csv(args["--source"])
if rows.filter("n IS NULL OR NOT n RLIKE '^[0-9]+$'").count():
    raise ValueError("n must be a whole number")
(rows.select((F.col("n").cast("int") * 2).alias("n"), F.lit(args["--run_date"]).alias("dt"))
    .write.mode("overwrite").partitionBy("dt").parquet(args["--target"]))
"""


@pytest.fixture(scope="module")
def glue_env(local_aws):
    bucket = f"glue-{uuid.uuid4().hex[:8]}"
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="scripts/doubler.py", Body=DOUBLER.encode())
    glue.create_job(
        Name=f"{bucket}-doubler",
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/doubler.py"},
        DefaultArguments={"--source": f"s3://{bucket}/in/", "--target": f"s3://{bucket}/out/"},
        GlueVersion="5.0",
        WorkerType="G.1X",
        NumberOfWorkers=2,
    )
    return bucket, f"{bucket}-doubler"


def run_job(local_aws, job: str, timeout: float = 300, region: str = REGION, **arguments) -> dict:
    glue = local_aws.client("glue", region=region)
    run_id = glue.start_job_run(JobName=job, Arguments={f"--{k}": v for k, v in arguments.items()})[
        "JobRunId"
    ]
    deadline = time.time() + timeout
    while time.time() < deadline:
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"):
            return run
        time.sleep(0.3)
    raise AssertionError(f"{job} run {run_id} did not end in {timeout}s")


def read_parquet(s3, bucket: str, prefix: str) -> list[int]:
    values = []
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        if item["Key"].endswith(".parquet"):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            values += pq.read_table(io.BytesIO(body)).column("n").to_pylist()
    return sorted(values)


def test_job_run_runs_its_script_on_the_local_s3(local_aws, glue_env):
    bucket, job = glue_env
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\n1\n2\n3\n")
    run = run_job(local_aws, job, run_date="2024-05-01")
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert "ErrorMessage" not in run
    assert run["GlueVersion"] == "5.0"
    assert run["CompletedOn"] >= run["StartedOn"]
    assert read_parquet(s3, bucket, "out/dt=2024-05-01/") == [2, 4, 6]
    # Hadoop's local checksum files are not uploaded (S3 has none).
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="out/")["Contents"]]
    assert keys and not [k for k in keys if k.endswith(".crc")]


def test_a_second_run_reuses_the_driver_with_a_fresh_session(local_aws, glue_env):
    bucket, job = glue_env
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\n5\n")
    drivers = local_aws.state_dir / "glue" / "drivers"
    started = len(list(drivers.iterdir()))
    # The script checks that the first run's dynamic overwrite setting did not leak into it.
    run = run_job(local_aws, job, run_date="2024-05-02")
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert read_parquet(s3, bucket, "out/dt=2024-05-02/") == [10]
    assert read_parquet(s3, bucket, "out/dt=2024-05-01/") == [2, 4, 6]  # only its date replaced
    assert len(list(drivers.iterdir())) == started  # no new driver was started


def test_create_job_starts_a_driver_that_its_first_run_takes(local_aws, glue_env):
    """CreateJob starts Spark ahead of the first run (the JVM's start overlaps the rest of a
    deployment); a run started before that driver is ready waits for it rather than starting
    a second one. In a region of its own, whose pool is empty."""
    bucket, _ = glue_env
    region = "eu-west-2"
    glue = local_aws.client("glue", region=region)
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\n7\n")
    drivers = local_aws.state_dir / "glue" / "drivers"
    started = len(list(drivers.iterdir()))
    glue.create_job(
        Name=f"{bucket}-early",
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/doubler.py"},
        DefaultArguments={"--source": f"s3://{bucket}/in/", "--target": f"s3://{bucket}/early/"},
        GlueVersion="5.0",
    )
    assert len(list(drivers.iterdir())) == started + 1
    run = run_job(local_aws, f"{bucket}-early", region=region, run_date="d")
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert read_parquet(s3, bucket, "early/dt=d/") == [14]
    assert len(list(drivers.iterdir())) == started + 1


def test_failed_script_reports_its_exception_and_writes_nothing(local_aws, glue_env):
    bucket, job = glue_env
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\nmany\n")
    run = run_job(local_aws, job, run_date="2024-05-03")
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: n must be a whole number"
    assert not s3.list_objects_v2(Bucket=bucket, Prefix="out/dt=2024-05-03/").get("Contents")


def test_missing_script_fails_the_run(local_aws, glue_env):
    bucket, _ = glue_env
    glue = local_aws.client("glue")
    name = f"{bucket}-missing"
    glue.create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/none.py"},
    )
    run = run_job(local_aws, name)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith(f"RuntimeError: cannot download s3://{bucket}/scripts")


def test_execution_class_stays_unset_unless_given(local_aws, glue_env):
    _, job = glue_env
    glue = local_aws.client("glue")
    assert "ExecutionClass" not in glue.get_job(JobName=job)["Job"]
    glue.create_job(
        Name=f"{job}-flex",
        Role=ROLE,
        Command={"Name": "glueetl", "ScriptLocation": "s3://b/s.py"},
        ExecutionClass="FLEX",
    )
    assert glue.get_job(JobName=f"{job}-flex")["Job"]["ExecutionClass"] == "FLEX"


def test_start_job_run_sync_in_step_functions(local_aws, glue_env):
    bucket, job = glue_env
    s3 = local_aws.client("s3")
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\nx\n")
    definition = {
        "StartAt": "Run",
        "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::glue:startJobRun.sync",
                "Parameters": {"JobName": job, "Arguments": {"--run_date.$": "$.date"}},
                "End": True,
            }
        },
    }
    arn = local_aws.client("stepfunctions").create_state_machine(
        name=f"{bucket}-sync", definition=json.dumps(definition), roleArn=ROLE
    )["stateMachineArn"]
    failed = run_execution(local_aws, arn, {"date": "2024-05-04"})
    assert failed["status"] == "FAILED"
    assert failed["error"] == "States.TaskFailed"
    cause = json.loads(failed["cause"])
    assert (cause["JobName"], cause["JobRunState"]) == (job, "FAILED")
    assert cause["ErrorMessage"] == "ValueError: n must be a whole number"

    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"n\n7\n")
    succeeded = run_execution(local_aws, arn, {"date": "2024-05-05"})
    assert succeeded["status"] == "SUCCEEDED", succeeded.get("cause")
    assert json.loads(succeeded["output"])["JobRunState"] == "SUCCEEDED"


def parquet_bytes(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_crawler_catalogs_parquet_with_partitions_and_cycles_states(local_aws, glue_env):
    bucket, _ = glue_env
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    table = pa.table({"id": pa.array([1], pa.int32()), "price": pa.array([1.5])})
    for day in ("2024-05-01", "2024-05-02"):
        key = f"lake/orders/dt={day}/part-0.parquet"
        s3.put_object(Bucket=bucket, Key=key, Body=parquet_bytes(table))
    s3.put_object(Bucket=bucket, Key="lake/orders/_SUCCESS", Body=b"")
    database, crawler = f"{bucket}_db", f"{bucket}-crawler"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_crawler(
        Name=crawler,
        Role=ROLE,
        DatabaseName=database,
        Targets={"S3Targets": [{"Path": f"s3://{bucket}/lake/orders/"}]},
        SchemaChangePolicy={"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
    )
    glue.start_crawler(Name=crawler)
    with pytest.raises(glue.exceptions.CrawlerRunningException):
        glue.start_crawler(Name=crawler)
    states = []
    deadline = time.time() + 60
    while time.time() < deadline:
        state = glue.get_crawler(Name=crawler)["Crawler"]
        if not states or states[-1] != state["State"]:
            states.append(state["State"])
        if state["State"] == "READY":
            break
        time.sleep(0.2)
    assert states == ["RUNNING", "STOPPING", "READY"]
    assert state["LastCrawl"]["Status"] == "SUCCEEDED"

    catalog = glue.get_table(DatabaseName=database, Name="orders")["Table"]
    columns = catalog["StorageDescriptor"]["Columns"]
    assert columns == [{"Name": "id", "Type": "int"}, {"Name": "price", "Type": "double"}]
    assert catalog["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert catalog["StorageDescriptor"]["Location"] == f"s3://{bucket}/lake/orders/"
    partitions = glue.get_partitions(DatabaseName=database, TableName="orders")["Partitions"]
    assert sorted(p["Values"] for p in partitions) == [["2024-05-01"], ["2024-05-02"]]


def test_crawler_fails_on_data_it_cannot_classify(local_aws, glue_env):
    bucket, _ = glue_env
    s3, glue = local_aws.client("s3"), local_aws.client("glue")
    s3.put_object(Bucket=bucket, Key="junk/part-0.parquet", Body=b"not parquet")
    database, crawler = f"{bucket}_junk", f"{bucket}-junk"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_crawler(
        Name=crawler,
        Role=ROLE,
        DatabaseName=database,
        Targets={"S3Targets": [{"Path": f"s3://{bucket}/junk/"}]},
    )
    glue.start_crawler(Name=crawler)
    deadline = time.time() + 60
    while glue.get_crawler(Name=crawler)["Crawler"]["State"] != "READY":
        assert time.time() < deadline
        time.sleep(0.2)
    last = glue.get_crawler(Name=crawler)["Crawler"]["LastCrawl"]
    assert last["Status"] == "FAILED"
    assert "is not Parquet" in last["ErrorMessage"]
    assert not glue.get_tables(DatabaseName=database)["TableList"]


@pytest.mark.parametrize(
    ("arrow_type", "expected"),
    [
        (pa.int32(), "int"),
        (pa.int64(), "bigint"),
        (pa.decimal128(18, 2), "decimal(18,2)"),
        (pa.timestamp("us", tz="UTC"), "timestamp"),
        (pa.string(), "string"),
        (pa.list_(pa.int16()), "array<smallint>"),
        (pa.struct([("a", pa.bool_()), ("b", pa.date32())]), "struct<a:boolean,b:date>"),
        (pa.map_(pa.string(), pa.float32()), "map<string,float>"),
    ],
)
def test_glue_type_of_parquet_columns(arrow_type, expected):
    assert glue_type(arrow_type) == expected


def test_table_name_is_the_last_folder():
    assert table_name(None, "s3://b/lake/gold/SalesBy-Day/") == "salesby_day"
    assert table_name("raw_", "s3://b/orders") == "raw_orders"

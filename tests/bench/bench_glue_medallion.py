"""glue-medallion end to end on the local AWS against the same job code run directly in this
process, rounds interleaved in the same run; also sales rows per second.

End to end: terraform applies tests/terraform/glue_medallion once and the raw CSV is uploaded;
a round is an execution for one date: all seven jobs (local Spark through the S3 mirror), the
seven crawlers and the polls until SUCCEEDED. Baseline: the jobs' pure transforms on the same
CSV from local disk to local Parquet, one after the other in one warm Spark session with the
local Glue driver's settings (no Step Functions, no S3, no crawlers). Both sides run once
unmeasured, so Spark is warm in both (the local Glue starts a driver for each job running at
once), then alternate (each round replaces the date's partitions, as a re-run does).

    .venv/bin/python tests/bench/bench_glue_medallion.py [--rows 100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from benchlib import (  # first: sets sys.path
    ROOT,
    Comparison,
    Record,
    interleave,
    run_benchmark,
    timed,
)

sys.path.insert(0, str(ROOT / "terraform" / "modules" / "glue-medallion" / "jobs"))

# isort: split
import medallion as m
import retail_data
from localaws.process import LocalAwsProcess
from tfroot import TerraformRoot
from workflow_runs import run_execution

DIMENSIONS = {"customer_count": 5000, "product_count": 200}
DATE = "2024-06-01"


def baseline_pipeline(spark, raw: Path, lake: Path, date: str) -> None:
    """Every job's transforms in order, as the scripts chain them, on local files."""
    customers = m.bronze_customers(m.read_csv_partition(spark, f"{raw}/customers", date))
    products = m.bronze_products(m.read_csv_partition(spark, f"{raw}/products", date))
    m.write_partition(customers, f"{lake}/bronze/customers", date, files=1)
    m.write_partition(products, f"{lake}/bronze/products", date, files=1)
    sales = m.bronze_sales(m.read_csv_partition(spark, f"{raw}/sales", date), date)
    m.write_partition(sales, f"{lake}/bronze/sales", date)
    silver = m.silver_purchases(
        *(
            m.read_parquet_partition(spark, f"{lake}/bronze/{table}", date)
            for table in ("sales", "customers", "products")
        )
    )
    m.write_partition(silver, f"{lake}/silver/purchase_all", date)
    purchases = m.read_parquet_partition(spark, f"{lake}/silver/purchase_all", date)
    for mart, transform in m.MARTS.items():
        m.write_partition(transform(purchases), f"{lake}/gold/{mart}", date, files=1)


def baseline_spark(home: Path):
    """A Spark session in this process with the local Glue driver's settings (scripts/localaws/
    glue.py, LocalJobRunner._spawn)."""
    cores = min(4, os.cpu_count() or 2)
    os.environ["PYSPARK_SUBMIT_ARGS"] = shlex.join(
        [
            *("--master", f"local[{cores}]", "--driver-memory", "2g"),
            *("--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false"),
            *("--conf", f"spark.sql.shuffle.partitions={cores * 2}"),
            *("--conf", f"spark.sql.warehouse.dir={home / 'warehouse'}"),
            "--driver-java-options",
            f"-XX:TieredStopAtLevel=1 -Dderby.system.home={home}",
            "pyspark-shell",
        ]
    )
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # as the driver: Spark binds loopback only
    spark = m.spark_session("bench-baseline")
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def deploy(server: LocalAwsProcess, raw: Path, work: Path) -> dict:
    root = TerraformRoot(
        ROOT / "tests" / "terraform" / "glue_medallion",
        work / "terraform",
        server.environ(),
        {"endpoint": server.endpoint, "name": f"gb-{uuid.uuid4().hex[:6]}"},
    )
    root.init()
    module = root.apply()["glue_medallion"]
    s3 = server.client("s3")
    for path in sorted(raw.rglob("*.csv")):
        key = module["source_prefix"] + path.relative_to(raw).as_posix()
        s3.upload_file(str(path), module["source_bucket"], key)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="sales rows (default 100000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (default 3)")
    args = parser.parse_args()

    record = Record("glue_medallion", vars(args))
    with tempfile.TemporaryDirectory(prefix="bench-glue-") as work:
        work = Path(work)
        raw, lake = work / "raw", work / "lake"
        retail_data.write_dataset(
            str(raw), datetime.date.fromisoformat(DATE), sales_count=args.rows, **DIMENSIONS
        )
        print(f"glue-medallion, {args.rows:,} sales rows (all seven jobs and crawlers)", flush=True)
        server = LocalAwsProcess(work / "localaws").start()
        spark = baseline_spark(work / "spark")
        try:
            module = deploy(server, raw, work)

            def baseline() -> float:
                spark.catalog.clearCache()
                seconds = timed(lambda: baseline_pipeline(spark, raw, lake, DATE))
                print(f"  baseline   {seconds:6.1f} s", flush=True)
                return seconds

            def end_to_end() -> float:
                def run() -> None:
                    execution = run_execution(
                        server, module["state_machine_arn"], {"run_date": DATE}, timeout=3600
                    )
                    if execution["status"] != "SUCCEEDED":
                        raise RuntimeError(
                            f"{DATE}: {execution['status']} {execution.get('cause')}"
                        )

                seconds = timed(run)
                print(f"  end to end {seconds:6.1f} s", flush=True)
                return seconds

            print("  warm-up", flush=True)
            baseline()
            end_to_end()
            times = interleave({"baseline": baseline, "end to end": end_to_end}, args.rounds)
        finally:
            spark.stop()
            server.stop()  # the whole local AWS goes: no destroy needed
    comparison = record.add(
        Comparison(
            f"{args.rows:,} sales rows",
            "transforms in one Spark session",
            "end to end on the local AWS",
            times["baseline"],
            times["end to end"],
        )
    )
    record.extra["rows_per_second"] = {
        side: {"best": args.rows / min(seconds), "median": args.rows / statistics.median(seconds)}
        for side, seconds in (
            ("baseline", comparison.baseline_s),
            ("end_to_end", comparison.subject_s),
        )
    }
    for side, rates in record.extra["rows_per_second"].items():
        print(f"  {side:<11} {rates['median']:>9,.0f} rows/s (median), {rates['best']:>9,.0f} best")
    record.write()
    return 0


if __name__ == "__main__":
    run_benchmark(main)

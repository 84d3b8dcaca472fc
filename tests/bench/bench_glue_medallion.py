"""glue-medallion throughput: sales rows per second end to end on the local AWS, against the
baseline of the same job code run directly in this process, measured in the same run.

End to end: terraform applies tests/terraform/glue_medallion, the raw CSV of one date is
uploaded, and an execution runs all seven jobs (local Spark through the S3 mirror), the seven
crawlers and the polls until SUCCEEDED. Baseline: the jobs' pure transforms on the same CSV
from local disk to local Parquet, one after the other in one warm Spark session (no Step
Functions, no S3, no crawlers). Each side first runs a small date, so Spark is warm in both.

    .venv/bin/python tests/bench/bench_glue_medallion.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JOBS = ROOT / "terraform" / "modules" / "glue-medallion" / "jobs"
sys.path[:0] = [str(ROOT / "scripts"), str(JOBS)]

import medallion as m  # noqa: E402
import retail_data  # noqa: E402
from localaws.process import LocalAwsProcess  # noqa: E402
from tfroot import TerraformRoot  # noqa: E402
from workflow_runs import run_execution  # noqa: E402

DIMENSIONS = {"customer_count": 5000, "product_count": 200}
WARM_UP_ROWS = 1000
FIRST_DAY = datetime.date(2024, 6, 1)


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


def bench_baseline(dates: dict[str, int], raw: Path, lake: Path) -> dict[str, float]:
    # The local Glue driver's settings (scripts/localaws/glue.py), in this process.
    cores = min(4, os.cpu_count() or 2)
    os.environ["PYSPARK_SUBMIT_ARGS"] = (
        f"--master local[{cores}] --driver-memory 2g --conf spark.ui.enabled=false "
        f"--conf spark.ui.showConsoleProgress=false "
        f"--conf spark.sql.shuffle.partitions={cores * 2} pyspark-shell"
    )
    spark = m.spark_session("bench-baseline")
    spark.sparkContext.setLogLevel("ERROR")
    seconds = {}
    try:
        for date, rows in dates.items():
            spark.catalog.clearCache()
            start = time.perf_counter()
            baseline_pipeline(spark, raw, lake, date)
            seconds[date] = time.perf_counter() - start
            print(f"  baseline {rows:>9,} rows: {seconds[date]:6.1f} s", flush=True)
    finally:
        spark.stop()
    return seconds


def bench_end_to_end(dates: dict[str, int], raw: Path, state: Path) -> dict[str, float]:
    server = LocalAwsProcess(state / "localaws").start()
    root = TerraformRoot(
        ROOT / "tests" / "terraform" / "glue_medallion",
        state / "terraform",
        server.environ(),
        {"endpoint": server.endpoint, "name": f"gb-{uuid.uuid4().hex[:6]}"},
    )
    seconds = {}
    try:
        root.init()
        module = root.apply()["glue_medallion"]
        s3 = server.client("s3")
        for path in sorted(raw.rglob("*.csv")):
            key = module["source_prefix"] + path.relative_to(raw).as_posix()
            s3.upload_file(str(path), module["source_bucket"], key)
        for date, rows in dates.items():
            start = time.perf_counter()
            execution = run_execution(
                server, module["state_machine_arn"], {"run_date": date}, timeout=3600
            )
            seconds[date] = time.perf_counter() - start
            if execution["status"] != "SUCCEEDED":
                raise RuntimeError(f"{date}: {execution['status']} {execution.get('cause')}")
            print(f"  end to end {rows:>9,} rows: {seconds[date]:6.1f} s", flush=True)
    finally:
        server.stop()  # the whole local AWS goes: no destroy needed
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()

    # One date per size, after a small warm-up date.
    dates = {
        (FIRST_DAY + datetime.timedelta(days=index)).isoformat(): rows
        for index, rows in enumerate([WARM_UP_ROWS, *args.sizes])
    }
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        raw = work / "raw"
        for date, rows in dates.items():
            retail_data.write_dataset(
                str(raw), datetime.date.fromisoformat(date), sales_count=rows, **DIMENSIONS
            )
        print("glue-medallion, sales rows per date (all seven jobs and crawlers)")
        baseline = bench_baseline(dates, raw, work / "lake")
        end_to_end = bench_end_to_end(dates, raw, work)
    print(f"  {'sales rows':>12} {'baseline rows/s':>16} {'end to end rows/s':>18} {'ratio':>7}")
    for date, rows in list(dates.items())[1:]:
        base, e2e = rows / baseline[date], rows / end_to_end[date]
        print(f"  {rows:>12,} {base:>16,.0f} {e2e:>18,.0f} {e2e / base:>6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

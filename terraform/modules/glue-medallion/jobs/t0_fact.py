"""T0 bronze, fact job: the run date's raw sales (CSV) → typed, validated Parquet partition
bronze/sales/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m


def main(argv: list[str]) -> None:
    args = m.resolve_options(argv, ["JOB_NAME", "run_date", "source_sales", "target_sales"])
    run_date = m.parse_run_date(args["run_date"])
    spark = m.spark_session(args["JOB_NAME"])
    sales = m.bronze_sales(m.read_csv_partition(spark, args["source_sales"], run_date), run_date)
    m.write_partition(sales, args["target_sales"], run_date)


if __name__ == "__main__":
    main(sys.argv)

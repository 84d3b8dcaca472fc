"""T1 silver, full-join job: the run date's bronze sales joined to the customer and product
snapshots of the same date → silver/purchase_all/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m


def main(argv: list[str]) -> None:
    args = m.resolve_options(
        argv,
        ["JOB_NAME", "run_date", "bronze_sales", "bronze_customers", "bronze_products", "target"],
    )
    run_date = m.parse_run_date(args["run_date"])
    spark = m.spark_session(args["JOB_NAME"])
    sales, customers, products = (
        m.read_parquet_partition(spark, args[name], run_date)
        for name in ("bronze_sales", "bronze_customers", "bronze_products")
    )
    m.write_partition(m.silver_purchases(sales, customers, products), args["target"], run_date)


if __name__ == "__main__":
    main(sys.argv)

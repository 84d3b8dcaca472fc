"""T0 bronze, dimension job: the run date's raw customer and product snapshots (CSV) →
typed, validated Parquet partitions bronze/customers/dt=<run_date>/ and bronze/products/...

Both inputs are validated before either is written.
"""

from __future__ import annotations

import sys

import medallion as m


def main(argv: list[str]) -> None:
    args = m.resolve_options(
        argv,
        [
            "JOB_NAME",
            "run_date",
            "source_customers",
            "source_products",
            "target_customers",
            "target_products",
        ],
    )
    run_date = m.parse_run_date(args["run_date"])
    spark = m.spark_session(args["JOB_NAME"])
    customers = m.bronze_customers(m.read_csv_partition(spark, args["source_customers"], run_date))
    products = m.bronze_products(m.read_csv_partition(spark, args["source_products"], run_date))
    m.write_partition(customers, args["target_customers"], run_date, files=1)
    m.write_partition(products, args["target_products"], run_date, files=1)


if __name__ == "__main__":
    main(sys.argv)

"""Shared code of the glue-medallion jobs: job arguments, the bronze/silver/gold transformations
(pure functions from DataFrames to DataFrames) and date-partitioned Parquet I/O.

Plain PySpark on purpose: the same files run on AWS Glue (4.0/5.0, which add this module to the
Python path through --extra-py-files) and on a local Spark, without the awsglue library.
Python 3.10 and Spark 3.3 compatible (Glue 4.0).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.utils import AnalysisException

PARTITION_COLUMN = "dt"
MONEY = "decimal(18,2)"
EXAMPLES = 3  # invalid rows quoted in an error message

# Raw CSV columns (all read as text) and the types bronze gives them; every column is required.
CUSTOMER_COLUMNS = {
    "customer_id": "int",
    "customer_name": "string",
    "gender": "string",
    "age": "int",
    "residence": "string",
}
PRODUCT_COLUMNS = {
    "product_id": "int",
    "product_name": "string",
    "category": "string",
    "unit_price": "decimal(10,2)",
}
SALES_COLUMNS = {
    "sale_id": "string",
    "sold_at": "timestamp",
    "customer_id": "int",
    "product_id": "int",
    "quantity": "int",
}


class JobInputError(Exception):
    """Input the job cannot process; the run fails with this message and writes nothing."""


class MissingJobArgumentError(JobInputError):
    pass


class InvalidRunDateError(JobInputError):
    pass


class MissingInputError(JobInputError):
    pass


class BadInputError(JobInputError):
    pass


class OrphanRecordsError(JobInputError):
    pass


# --- job arguments ---------------------------------------------------------------------------


def resolve_options(argv: Sequence[str], names: Iterable[str]) -> dict[str, str]:
    """The named `--name value` (or `--name=value`) arguments, as Glue passes them to a script
    and awsglue.utils.getResolvedOptions reads them; other arguments are ignored."""
    wanted = list(names)
    found: dict[str, str] = {}
    items = list(argv[1:])
    index = 0
    while index < len(items):
        item = items[index]
        index += 1
        if not item.startswith("--"):
            continue
        name, sep, value = item[2:].partition("=")
        if not sep:
            if index < len(items) and not items[index].startswith("--"):
                value = items[index]
                index += 1
            else:
                value = ""
        found[name] = value
    missing = [name for name in wanted if name not in found]
    if missing:
        raise MissingJobArgumentError(
            "missing job argument(s): " + ", ".join(f"--{name}" for name in missing)
        )
    return {name: found[name] for name in wanted}


def parse_run_date(value: str) -> str:
    """The run date as YYYY-MM-DD, the name of its partition."""
    try:
        parsed = datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.isoformat() != value:
        raise InvalidRunDateError(f"--run_date must be a date as YYYY-MM-DD, got {value!r}")
    return value


# --- I/O ---------------------------------------------------------------------------------------


def spark_session(app_name: str) -> SparkSession:
    spark = SparkSession.builder.appName(app_name).getOrCreate()
    # A run replaces only the partitions it writes (its run date), never the whole table.
    spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # Standard Parquet timestamps (not Spark's legacy INT96) for the crawler, Athena and pyarrow.
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark


def partition_path(base: str, run_date: str) -> str:
    return f"{base.rstrip('/')}/{PARTITION_COLUMN}={run_date}/"


def read_csv_partition(spark: SparkSession, base: str, run_date: str) -> DataFrame:
    """The run date's raw CSV files (header row, every value as text)."""
    path = partition_path(base, run_date)
    try:
        frame = spark.read.option("header", True).option("mode", "PERMISSIVE").csv(path)
    except AnalysisException as exc:
        raise MissingInputError(f"no input for {run_date}: {path} does not exist") from exc
    return frame


def read_parquet_partition(spark: SparkSession, base: str, run_date: str) -> DataFrame:
    path = partition_path(base, run_date)
    try:
        return spark.read.parquet(path)
    except AnalysisException as exc:
        raise MissingInputError(
            f"no input for {run_date}: {path} does not exist (did the previous tier run?)"
        ) from exc


def write_partition(frame: DataFrame, base: str, run_date: str, files: int | None = None) -> None:
    """Writes `frame` as the run date's partition of the table at `base`, replacing only it."""
    if files:
        frame = frame.coalesce(files)
    (
        frame.withColumn(PARTITION_COLUMN, F.lit(run_date))
        .write.mode("overwrite")
        .partitionBy(PARTITION_COLUMN)
        .parquet(base)
    )


# --- bronze: typed and validated ---------------------------------------------------------------


def _problems(name: str, sql_type: str) -> Column:
    """A message if column `name` (text in raw_<name>) is missing or not of its type."""
    text = F.trim(F.col(f"raw_{name}"))
    return F.when(text.isNull() | (text == ""), F.lit(f"{name} is missing")).when(
        F.col(name).isNull(), F.concat(F.lit(f"{name}='"), text, F.lit(f"' is not {sql_type}"))
    )


def typed_and_validated(
    raw: DataFrame,
    columns: dict[str, str],
    label: str,
    checks: Sequence[tuple[str, str]] = (),
    unique: str | None = None,
) -> DataFrame:
    """`raw` (text columns) cast to `columns`; raises BadInputError naming the bad rows if a
    value is missing or not of its type, a check (SQL condition, message) fails or `unique`
    repeats. Nothing is written by a job whose input fails here."""
    missing = [name for name in columns if name not in raw.columns]
    if missing:
        raise BadInputError(
            f"{label}: missing column(s) {', '.join(missing)} (found {', '.join(raw.columns)})"
        )
    typed = raw.select(
        *[F.col(f"`{name}`").alias(f"raw_{name}") for name in columns],
        *[
            F.expr(f"try_cast(trim(`{name}`) AS {sql_type})").alias(name)
            for name, sql_type in columns.items()
        ],
    )
    problems = [_problems(name, sql_type) for name, sql_type in columns.items()]
    problems += [F.when(~F.expr(condition), F.lit(message)) for condition, message in checks]
    # Cached: validation and the write that follows read the input once.
    checked = typed.withColumn("problems", F.concat_ws("; ", *problems)).cache()
    bad = checked.filter(F.col("problems") != "")
    bad_count = bad.count()
    if bad_count:
        key = next(iter(columns))
        examples = [
            f"{key} {row[0]!r}: {row[1]}"
            for row in bad.select(f"raw_{key}", "problems").limit(EXAMPLES).collect()
        ]
        raise BadInputError(
            f"{label}: {bad_count} of {checked.count()} rows are invalid, e.g. "
            + " | ".join(examples)
        )
    result = checked.select(*columns)
    if unique:
        repeated = result.groupBy(unique).count().filter("count > 1")
        values = [str(row[unique]) for row in repeated.limit(EXAMPLES).collect()]
        if values:
            raise BadInputError(f"{label}: {unique} repeats, e.g. {', '.join(values)}")
    if not result.take(1):
        raise MissingInputError(f"{label}: the input has no rows")
    return result


def bronze_customers(raw: DataFrame) -> DataFrame:
    return typed_and_validated(
        raw,
        CUSTOMER_COLUMNS,
        "customers",
        checks=[("age BETWEEN 0 AND 130", "age is outside 0-130")],
        unique="customer_id",
    )


def bronze_products(raw: DataFrame) -> DataFrame:
    return typed_and_validated(
        raw,
        PRODUCT_COLUMNS,
        "products",
        checks=[("unit_price >= 0", "unit_price is negative")],
        unique="product_id",
    )


def bronze_sales(raw: DataFrame, run_date: str) -> DataFrame:
    return typed_and_validated(
        raw,
        SALES_COLUMNS,
        "sales",
        checks=[
            ("quantity > 0", "quantity is not positive"),
            (f"to_date(sold_at) = DATE'{run_date}'", f"sold_at is not on the run date {run_date}"),
        ],
        unique="sale_id",
    )


# --- silver: every sale with its customer and product -----------------------------------------

SILVER_COLUMNS = [
    "sale_id",
    "sold_at",
    "customer_id",
    "customer_name",
    "gender",
    "age",
    "residence",
    "product_id",
    "product_name",
    "category",
    "unit_price",
    "quantity",
    "amount",
]


def silver_purchases(sales: DataFrame, customers: DataFrame, products: DataFrame) -> DataFrame:
    """Sales joined to the customer and product snapshots of their date, with the amount paid;
    raises OrphanRecordsError if a sale names a customer or product the snapshot lacks."""
    for name, dimension, key in (
        ("customer", customers, "customer_id"),
        ("product", products, "product_id"),
    ):
        orphans = sales.join(dimension.select(key), key, "left_anti")
        count = orphans.count()
        if count:
            examples = [
                row["sale_id"] for row in orphans.select("sale_id").limit(EXAMPLES).collect()
            ]
            raise OrphanRecordsError(
                f"{count} sale(s) name a {name} missing from the {name}s of their date, "
                f"e.g. sale_id {', '.join(examples)}"
            )
    joined = sales.join(customers, "customer_id").join(products, "product_id")
    amount = (F.col("quantity") * F.col("unit_price")).cast("decimal(12,2)").alias("amount")
    return joined.select(*SILVER_COLUMNS[:-1], amount)


# --- gold: the four marts ------------------------------------------------------------------------


def _totals() -> list[Column]:
    return [
        F.count(F.lit(1)).alias("orders"),
        F.sum("quantity").cast("bigint").alias("quantity"),
        F.sum("amount").cast(MONEY).alias("revenue"),
    ]


def salesbyageproducts(silver: DataFrame) -> DataFrame:
    """Sales per age band (20 = ages 20-29) and product."""
    band = (F.floor(F.col("age") / 10) * 10).cast("int").alias("age_band")
    return silver.groupBy(band, "product_id", "product_name", "category").agg(
        *_totals(), F.countDistinct("customer_id").alias("customers")
    )


def salesbycustomer(silver: DataFrame) -> DataFrame:
    return silver.groupBy("customer_id", "customer_name", "gender", "age", "residence").agg(
        *_totals(),
        F.min("sold_at").alias("first_purchase_at"),
        F.max("sold_at").alias("last_purchase_at"),
    )


def salesbydatetime(silver: DataFrame) -> DataFrame:
    """Sales per hour of the day (UTC)."""
    return silver.groupBy(F.hour("sold_at").alias("sale_hour")).agg(
        *_totals(), F.countDistinct("customer_id").alias("customers")
    )


def salesbyresidence(silver: DataFrame) -> DataFrame:
    return silver.groupBy("residence").agg(
        *_totals(), F.countDistinct("customer_id").alias("customers")
    )


MARTS = {
    "salesbyageproducts": salesbyageproducts,
    "salesbycustomer": salesbycustomer,
    "salesbydatetime": salesbydatetime,
    "salesbyresidence": salesbyresidence,
}


def run_mart(argv: Sequence[str], mart: str) -> None:
    """Entry point of a T2 job: the run date's silver purchases → the mart's partition."""
    args = resolve_options(argv, ["JOB_NAME", "run_date", "silver_purchases", "target"])
    run_date = parse_run_date(args["run_date"])
    spark = spark_session(args["JOB_NAME"])
    silver = read_parquet_partition(spark, args["silver_purchases"], run_date)
    write_partition(MARTS[mart](silver), args["target"], run_date, files=1)

"""The glue-medallion transformations on a local Spark: job arguments, bronze typing and
validation, the silver join and the four gold marts, each checked against hand-computed rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import medallion as m
import pytest
from pyspark.sql.types import StringType, StructField, StructType


def raw_frame(spark, columns: list[str], rows: list[tuple]):
    """A DataFrame as read from CSV: every column text."""
    schema = StructType([StructField(name, StringType()) for name in columns])
    return spark.createDataFrame(rows, schema)


SALES = ["sale_id", "sold_at", "customer_id", "product_id", "quantity"]
CUSTOMERS = ["customer_id", "customer_name", "gender", "age", "residence"]
PRODUCTS = ["product_id", "product_name", "category", "unit_price"]


# --- job arguments -------------------------------------------------------------------------------


def test_resolve_options_reads_glue_style_arguments():
    argv = [
        "script.py",
        "--JOB_NAME",
        "j",
        "--run_date=2024-05-01",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--enable-metrics",
        "--target",
        "s3://b/t/",
    ]
    assert m.resolve_options(argv, ["JOB_NAME", "run_date", "target"]) == {
        "JOB_NAME": "j",
        "run_date": "2024-05-01",
        "target": "s3://b/t/",
    }


def test_resolve_options_names_every_missing_argument():
    with pytest.raises(m.MissingJobArgumentError, match="--run_date, --target"):
        m.resolve_options(["script.py", "--JOB_NAME", "j"], ["JOB_NAME", "run_date", "target"])


@pytest.mark.parametrize("value", ["2024-5-1", "2024-02-30", "", "yesterday", "2024-05-01T00"])
def test_run_date_must_be_a_real_iso_date(value):
    with pytest.raises(m.InvalidRunDateError, match="YYYY-MM-DD"):
        m.parse_run_date(value)


def test_partition_path_names_the_date():
    assert m.partition_path("s3://lake/bronze/sales", "2024-05-01") == (
        "s3://lake/bronze/sales/dt=2024-05-01/"
    )
    assert m.partition_path("s3://lake/bronze/sales/", "2024-05-01").count("//") == 1


# --- bronze --------------------------------------------------------------------------------------


def test_bronze_sales_types_the_columns(spark):
    raw = raw_frame(
        spark,
        SALES,
        [
            ("s1", "2024-05-01 13:45:12", "7", "3", " 2 "),
            ("s2", "2024-05-01 23:59:59", "8", "4", "1"),
        ],
    )
    sales = m.bronze_sales(raw, "2024-05-01")
    assert dict(sales.dtypes) == {
        "sale_id": "string",
        "sold_at": "timestamp",
        "customer_id": "int",
        "product_id": "int",
        "quantity": "int",
    }
    first = sales.orderBy("sale_id").first()
    assert first.asDict() == {
        "sale_id": "s1",
        "sold_at": datetime.datetime(2024, 5, 1, 13, 45, 12),
        "customer_id": 7,
        "product_id": 3,
        "quantity": 2,
    }


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("s9", "2024-05-01 10:00:00", "7", "3", "two"), "sale_id 's9': quantity='two' is not int"),
        (("s9", "2024-05-01 10:00:00", "", "3", "1"), "customer_id is missing"),
        (("s9", "not a time", "7", "3", "1"), "sold_at='not a time' is not timestamp"),
        (("s9", "2024-05-01 10:00:00", "7", "3", "0"), "quantity is not positive"),
        (("s9", "2024-04-30 23:59:59", "7", "3", "1"), "sold_at is not on the run date"),
    ],
    ids=["not-a-number", "missing-id", "bad-timestamp", "zero-quantity", "other-date"],
)
def test_bronze_sales_rejects_bad_rows_naming_them(spark, row, message):
    good = ("s1", "2024-05-01 10:00:00", "7", "3", "1")
    with pytest.raises(m.BadInputError) as raised:
        m.bronze_sales(raw_frame(spark, SALES, [good, row]), "2024-05-01")
    assert "sales: 1 of 2 rows are invalid" in str(raised.value)
    assert message in str(raised.value)


def test_bronze_sales_rejects_repeated_ids(spark):
    rows = [("s1", "2024-05-01 10:00:00", "7", "3", "1")] * 2
    with pytest.raises(m.BadInputError, match=r"sale_id repeats, e\.g\. s1"):
        m.bronze_sales(raw_frame(spark, SALES, rows), "2024-05-01")


def test_bronze_rejects_a_missing_column(spark):
    raw = raw_frame(spark, ["sale_id", "sold_at", "customer_id", "product_id"], [])
    with pytest.raises(m.BadInputError, match="missing column\\(s\\) quantity"):
        m.bronze_sales(raw, "2024-05-01")


def test_bronze_rejects_an_input_without_rows(spark):
    with pytest.raises(m.MissingInputError, match="no rows"):
        m.bronze_customers(raw_frame(spark, CUSTOMERS, []))


def test_bronze_dimensions_are_typed_and_checked(spark):
    customers = m.bronze_customers(
        raw_frame(spark, CUSTOMERS, [("1", "Kim Sua", "F", "34", "Busan")])
    )
    assert customers.first().asDict() == {
        "customer_id": 1,
        "customer_name": "Kim Sua",
        "gender": "F",
        "age": 34,
        "residence": "Busan",
    }
    products = m.bronze_products(raw_frame(spark, PRODUCTS, [("5", "tea", "grocery", "3.50")]))
    assert products.first()["unit_price"] == Decimal("3.50")
    with pytest.raises(m.BadInputError, match="age is outside 0-130"):
        m.bronze_customers(raw_frame(spark, CUSTOMERS, [("1", "Kim Sua", "F", "340", "Busan")]))
    with pytest.raises(m.BadInputError, match="unit_price is negative"):
        m.bronze_products(raw_frame(spark, PRODUCTS, [("5", "tea", "grocery", "-1")]))


# --- silver and gold -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dims(spark):
    customers = m.bronze_customers(
        raw_frame(
            spark,
            CUSTOMERS,
            [
                ("1", "Kim Sua", "F", "34", "Busan"),
                ("2", "Lee Jiho", "M", "38", "Seoul"),
                ("3", "Park Yuna", "F", "61", "Seoul"),
            ],
        )
    )
    products = m.bronze_products(
        raw_frame(
            spark,
            PRODUCTS,
            [
                ("10", "tea", "grocery", "3.50"),
                ("20", "lamp", "home", "25.00"),
            ],
        )
    )
    return customers, products


@pytest.fixture(scope="module")
def silver(spark, dims):
    sales = m.bronze_sales(
        raw_frame(
            spark,
            SALES,
            [
                ("a", "2024-05-01 09:10:00", "1", "10", "2"),  # Kim, tea x2 = 7.00
                ("b", "2024-05-01 09:50:00", "2", "20", "1"),  # Lee, lamp = 25.00
                ("c", "2024-05-01 18:00:00", "1", "20", "3"),  # Kim, lamp x3 = 75.00
                ("d", "2024-05-01 18:30:00", "3", "10", "1"),  # Park, tea = 3.50
            ],
        ),
        "2024-05-01",
    )
    return m.silver_purchases(sales, *dims).cache()


def rows(frame, *order):
    return [row.asDict() for row in frame.orderBy(*order).collect()]


def test_silver_joins_each_sale_to_its_customer_and_product(silver):
    assert silver.columns == m.SILVER_COLUMNS
    first = rows(silver, "sale_id")[0]
    assert first == {
        "sale_id": "a",
        "sold_at": datetime.datetime(2024, 5, 1, 9, 10),
        "customer_id": 1,
        "customer_name": "Kim Sua",
        "gender": "F",
        "age": 34,
        "residence": "Busan",
        "product_id": 10,
        "product_name": "tea",
        "category": "grocery",
        "unit_price": Decimal("3.50"),
        "quantity": 2,
        "amount": Decimal("7.00"),
    }
    assert silver.count() == 4


def test_silver_rejects_sales_of_unknown_customers(spark, dims):
    sales = m.bronze_sales(
        raw_frame(spark, SALES, [("x", "2024-05-01 09:10:00", "99", "10", "1")]), "2024-05-01"
    )
    with pytest.raises(m.OrphanRecordsError, match=r"1 sale\(s\) name a customer .* sale_id x"):
        m.silver_purchases(sales, *dims)


def test_salesbyageproducts(silver):
    assert rows(m.salesbyageproducts(silver), "age_band", "product_id") == [
        {
            "age_band": 30,
            "product_id": 10,
            "product_name": "tea",
            "category": "grocery",
            "orders": 1,
            "quantity": 2,
            "revenue": Decimal("7.00"),
            "customers": 1,
        },
        {
            "age_band": 30,
            "product_id": 20,
            "product_name": "lamp",
            "category": "home",
            "orders": 2,
            "quantity": 4,
            "revenue": Decimal("100.00"),
            "customers": 2,
        },
        {
            "age_band": 60,
            "product_id": 10,
            "product_name": "tea",
            "category": "grocery",
            "orders": 1,
            "quantity": 1,
            "revenue": Decimal("3.50"),
            "customers": 1,
        },
    ]


def test_salesbycustomer(silver):
    kim = rows(m.salesbycustomer(silver), "customer_id")[0]
    assert kim == {
        "customer_id": 1,
        "customer_name": "Kim Sua",
        "gender": "F",
        "age": 34,
        "residence": "Busan",
        "orders": 2,
        "quantity": 5,
        "revenue": Decimal("82.00"),
        "first_purchase_at": datetime.datetime(2024, 5, 1, 9, 10),
        "last_purchase_at": datetime.datetime(2024, 5, 1, 18, 0),
    }


def test_salesbydatetime(silver):
    assert rows(m.salesbydatetime(silver), "sale_hour") == [
        {"sale_hour": 9, "orders": 2, "quantity": 3, "revenue": Decimal("32.00"), "customers": 2},
        {"sale_hour": 18, "orders": 2, "quantity": 4, "revenue": Decimal("78.50"), "customers": 2},
    ]


def test_salesbyresidence(silver):
    assert rows(m.salesbyresidence(silver), "residence") == [
        {
            "residence": "Busan",
            "orders": 2,
            "quantity": 5,
            "revenue": Decimal("82.00"),
            "customers": 1,
        },
        {
            "residence": "Seoul",
            "orders": 2,
            "quantity": 2,
            "revenue": Decimal("28.50"),
            "customers": 2,
        },
    ]

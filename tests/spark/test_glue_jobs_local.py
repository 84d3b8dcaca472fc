"""The glue-medallion job scripts run as Glue runs them (the script file as __main__, `--name
value` arguments) on local files: partitions by date, re-runs replace only their date."""

from __future__ import annotations

import datetime
import runpy
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import medallion as m
import pytest
import retail_data

JOBS = Path(m.__file__).parent

DATES = ["2024-05-01", "2024-05-02"]
SIZES = {"sales_count": 300, "customer_count": 40, "product_count": 12}


def run_job(monkeypatch, script: str, **arguments: str) -> None:
    argv = [
        str(JOBS / script),
        "--JOB_NAME",
        script.removesuffix(".py"),
        "--job-bookmark-option",
        "job-bookmark-disable",
    ]
    for name, value in arguments.items():
        argv += [f"--{name}", value]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(argv[0], run_name="__main__")


def run_pipeline(monkeypatch, raw: Path, lake: Path, run_date: str) -> None:
    run_job(
        monkeypatch,
        "t0_dimension.py",
        run_date=run_date,
        source_customers=f"{raw}/customers/",
        source_products=f"{raw}/products/",
        target_customers=f"{lake}/bronze/customers/",
        target_products=f"{lake}/bronze/products/",
    )
    run_job(
        monkeypatch,
        "t0_fact.py",
        run_date=run_date,
        source_sales=f"{raw}/sales/",
        target_sales=f"{lake}/bronze/sales/",
    )
    run_job(
        monkeypatch,
        "t1_fulljoin.py",
        run_date=run_date,
        bronze_sales=f"{lake}/bronze/sales/",
        bronze_customers=f"{lake}/bronze/customers/",
        bronze_products=f"{lake}/bronze/products/",
        target=f"{lake}/silver/purchase_all/",
    )
    for mart in m.MARTS:
        run_job(
            monkeypatch,
            f"t2_{mart}.py",
            run_date=run_date,
            silver_purchases=f"{lake}/silver/purchase_all/",
            target=f"{lake}/gold/{mart}/",
        )


def files(path: Path) -> dict[str, int]:
    """Data files under `path` with their modification times."""
    return {str(p.relative_to(path)): p.stat().st_mtime_ns for p in sorted(path.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    lake = tmp_path_factory.mktemp("lake")
    for date in DATES:
        retail_data.write_dataset(str(raw), datetime.date.fromisoformat(date), **SIZES)
    with pytest.MonkeyPatch.context() as monkeypatch:
        for date in DATES:
            run_pipeline(monkeypatch, raw, lake, date)
    return raw, lake


def test_every_table_has_one_partition_per_date(lake):
    _, root = lake
    tables = [
        "bronze/customers",
        "bronze/products",
        "bronze/sales",
        "silver/purchase_all",
        *[f"gold/{mart}" for mart in m.MARTS],
    ]
    for table in tables:
        partitions = sorted(p.name for p in (root / table).iterdir() if p.is_dir())
        assert partitions == [f"dt={d}" for d in DATES], table


def test_gold_revenue_matches_the_generated_sales(spark, lake):
    _, root = lake
    for date in DATES:
        day = datetime.date.fromisoformat(date)
        prices = {
            p["product_id"]: Decimal(p["unit_price"])
            for p in retail_data.products(SIZES["product_count"])
        }
        sales = list(
            retail_data.sales(
                day, SIZES["sales_count"], SIZES["customer_count"], SIZES["product_count"]
            )
        )
        expected = sum(prices[s["product_id"]] * s["quantity"] for s in sales)
        for mart in m.MARTS:
            gold = spark.read.parquet(f"{root}/gold/{mart}/dt={date}/")
            total = gold.agg({"revenue": "sum", "orders": "sum"}).first()
            assert total["sum(revenue)"] == expected, mart
            assert total["sum(orders)"] == len(sales), mart
        residences = Counter(
            c["residence"]
            for c in retail_data.customers(SIZES["customer_count"])
            if any(s["customer_id"] == c["customer_id"] for s in sales)
        )
        by_residence = {
            r["residence"]: r["customers"]
            for r in spark.read.parquet(f"{root}/gold/salesbyresidence/dt={date}/").collect()
        }
        assert by_residence == dict(residences)


def test_rerun_replaces_only_its_date(monkeypatch, spark, lake):
    raw, root = lake
    before = files(root)
    run_pipeline(monkeypatch, raw, root, DATES[0])
    after = files(root)
    for path, mtime in before.items():
        if f"dt={DATES[1]}" in path:
            assert after[path] == mtime, path  # the other date's files are untouched
        else:
            assert path not in after, path  # this date's files were replaced...
    rewritten = [p for p in after if f"dt={DATES[0]}" in p]
    assert len(rewritten) == sum(f"dt={DATES[0]}" in p for p in before)  # ...by as many
    assert spark.read.parquet(f"{root}/silver/purchase_all/").count() == 2 * SIZES["sales_count"]


def test_bad_input_fails_the_job_and_writes_nothing(monkeypatch, spark, lake, tmp_path):
    _, root = lake
    raw = tmp_path / "raw"
    bad = raw / "sales" / "dt=2024-05-03" / "sales.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "sale_id,sold_at,customer_id,product_id,quantity\n"
        "x1,2024-05-03 10:00:00,1,1,1\nx2,2024-05-03 11:00:00,1,1,lots\n"
    )
    with pytest.raises(m.BadInputError, match="quantity='lots' is not int"):
        run_job(
            monkeypatch,
            "t0_fact.py",
            run_date="2024-05-03",
            source_sales=f"{raw}/sales/",
            target_sales=f"{root}/bronze/sales/",
        )
    assert not (root / "bronze" / "sales" / "dt=2024-05-03").exists()


def test_missing_input_is_named(monkeypatch, spark, lake, tmp_path):
    _, root = lake
    with pytest.raises(m.MissingInputError, match="no input for 2024-06-01"):
        run_job(
            monkeypatch,
            "t1_fulljoin.py",
            run_date="2024-06-01",
            bronze_sales=f"{root}/bronze/sales/",
            bronze_customers=f"{root}/bronze/customers/",
            bronze_products=f"{root}/bronze/products/",
            target=f"{tmp_path}/silver/",
        )

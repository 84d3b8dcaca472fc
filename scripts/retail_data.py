"""Deterministic retail data (the glue-medallion workflow's stand-in for the `hist-retail` source):
customers with age and residence, products with prices, and one day's sales with timestamps.

Writes CSV files with a header, one partition directory per date, to a local directory or S3:

    <dest>/customers/dt=<date>/customers.csv   snapshot of every customer as of the date
    <dest>/products/dt=<date>/products.csv     snapshot of every product as of the date
    <dest>/sales/dt=<date>/sales-00000.csv     that day's sales (split every --file-rows rows)

python scripts/retail_data.py --date 2024-05-01 --sales 10000 --dest s3://bucket/raw/
The same seed, sizes and date always give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import random
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

CUSTOMER_FIELDS = ["customer_id", "customer_name", "gender", "age", "residence"]
PRODUCT_FIELDS = ["product_id", "product_name", "category", "unit_price"]
SALES_FIELDS = ["sale_id", "sold_at", "customer_id", "product_id", "quantity"]

RESIDENCES = [
    "Seoul",
    "Busan",
    "Incheon",
    "Daegu",
    "Daejeon",
    "Gwangju",
    "Ulsan",
    "Suwon",
    "Changwon",
    "Goyang",
    "Yongin",
    "Seongnam",
    "Cheongju",
    "Jeonju",
    "Jeju",
]
# Weighted so the residence mart is not uniform.
RESIDENCE_WEIGHTS = [30, 12, 10, 8, 6, 5, 4, 6, 3, 4, 4, 3, 2, 2, 1]
FIRST_NAMES = [
    "Minjun",
    "Seoyeon",
    "Jiho",
    "Hayun",
    "Doyun",
    "Jiwoo",
    "Eunwoo",
    "Sua",
    "Siwoo",
    "Jia",
    "Juwon",
    "Yuna",
    "Hajun",
    "Chaewon",
    "Jihu",
    "Dahyun",
]
FAMILY_NAMES = ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim"]
CATEGORIES = {
    "grocery": (1, 30),
    "beauty": (5, 80),
    "fashion": (10, 200),
    "electronics": (20, 1500),
    "home": (5, 300),
    "sports": (10, 400),
}
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 7, 8, 10, 9, 8, 8, 8, 9, 11, 12, 12, 10, 6, 3]


def customers(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(f"customers-{seed}")
    return [
        {
            "customer_id": customer_id,
            "customer_name": f"{rng.choice(FAMILY_NAMES)} {rng.choice(FIRST_NAMES)}",
            "gender": rng.choice("FM"),
            "age": rng.randint(18, 79),
            "residence": rng.choices(RESIDENCES, RESIDENCE_WEIGHTS)[0],
        }
        for customer_id in range(1, count + 1)
    ]


def products(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(f"products-{seed}")
    rows = []
    for product_id in range(1, count + 1):
        category = rng.choice(sorted(CATEGORIES))
        low, high = CATEGORIES[category]
        cents = rng.randint(low * 100, high * 100)
        rows.append(
            {
                "product_id": product_id,
                "product_name": f"{category}-{product_id:04d}",
                "category": category,
                "unit_price": str(Decimal(cents) / 100),
            }
        )
    return rows


def sales(
    date: datetime.date, count: int, customer_count: int, product_count: int, seed: int = 7
) -> Iterator[dict]:
    """One day's sales, in time order, naming customers 1..customer_count and products
    1..product_count."""
    rng = random.Random(f"sales-{seed}-{date.isoformat()}")
    midnight = datetime.datetime.combine(date, datetime.time())
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
    offsets = sorted(hour * 3600 + rng.randrange(3600) for hour in hours)
    for index, offset in enumerate(offsets):
        yield {
            "sale_id": f"{date:%Y%m%d}-{index:08d}",
            "sold_at": (midnight + datetime.timedelta(seconds=offset)).isoformat(sep=" "),
            # Low ids buy more often (loyal customers and a long tail).
            "customer_id": int(customer_count * rng.random() ** 2) + 1,
            "product_id": rng.randint(1, product_count),
            "quantity": rng.choices([1, 2, 3, 4, 5], [50, 25, 12, 8, 5])[0],
        }


def to_csv(rows, fields: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def dataset_files(
    date: datetime.date,
    sales_count: int,
    customer_count: int = 500,
    product_count: int = 50,
    seed: int = 7,
    file_rows: int = 250_000,
) -> Iterator[tuple[str, bytes]]:
    """(relative path, CSV bytes) of one date's partition of each of the three sources."""
    if min(sales_count, customer_count, product_count, file_rows) < 1:
        raise ValueError("sales, customers, products and file_rows must be at least 1")
    partition = f"dt={date.isoformat()}"
    yield (
        f"customers/{partition}/customers.csv",
        to_csv(customers(customer_count, seed), CUSTOMER_FIELDS),
    )
    yield (
        f"products/{partition}/products.csv",
        to_csv(products(product_count, seed), PRODUCT_FIELDS),
    )
    chunk: list[dict] = []
    part = 0
    for row in sales(date, sales_count, customer_count, product_count, seed):
        chunk.append(row)
        if len(chunk) == file_rows:
            yield f"sales/{partition}/sales-{part:05d}.csv", to_csv(chunk, SALES_FIELDS)
            chunk, part = [], part + 1
    if chunk:
        yield f"sales/{partition}/sales-{part:05d}.csv", to_csv(chunk, SALES_FIELDS)


def write_dataset(dest: str, date: datetime.date, s3_client=None, **sizes) -> list[str]:
    """Writes one date's files under `dest` (a directory or s3://bucket/prefix); returns their
    paths or URIs."""
    written = []
    for relative, body in dataset_files(date, **sizes):
        if dest.startswith("s3://"):
            bucket, _, prefix = dest.removeprefix("s3://").partition("/")
            key = f"{prefix.rstrip('/')}/{relative}" if prefix.strip("/") else relative
            if s3_client is None:
                import boto3  # honours AWS_ENDPOINT_URL, so it also writes to the local AWS

                s3_client = boto3.client("s3")
            s3_client.put_object(Bucket=bucket, Key=key, Body=body)
            written.append(f"s3://{bucket}/{key}")
        else:
            path = Path(dest) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            written.append(str(path))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--date",
        required=True,
        type=datetime.date.fromisoformat,
        action="append",
        help="YYYY-MM-DD; repeat for several dates",
    )
    parser.add_argument("--dest", required=True, help="directory or s3://bucket/prefix/")
    parser.add_argument("--sales", type=int, default=10_000, help="sales rows per date")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--products", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--file-rows", type=int, default=250_000, help="sales rows per file")
    args = parser.parse_args(argv)
    for date in args.date:
        for path in write_dataset(
            args.dest,
            date,
            sales_count=args.sales,
            customer_count=args.customers,
            product_count=args.products,
            seed=args.seed,
            file_rows=args.file_rows,
        ):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fixtures for the glue-medallion jobs: one local Spark session for the whole test session."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

JOBS = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "glue-medallion" / "jobs"
sys.path.insert(0, str(JOBS))  # the jobs import their shared module as Glue's --extra-py-files does


@pytest.fixture(scope="session")
def spark():
    # pyspark turns timestamps into naive datetimes in the process's zone; the jobs work in UTC.
    zone = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("glue-medallion-unit")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
    if zone is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = zone
    time.tzset()

"""The guard of tests/unit/conftest.py fails a unit test that starts the local AWS, Spark or a real
terraform, and lets fakes and the other tiers be: proven on a pytest run of its own over tests
that do each (with tests/unit/conftest.py as their unit/conftest.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

UNIT_TESTS = """
import subprocess
import sys
import threading

from moto.server import ThreadedMotoServer

from tests.support.threads import BACKGROUND


def test_local_aws_script():
    subprocess.run([sys.executable, "scripts/local_aws.py", "--help"], check=False)


def test_moto_server():
    ThreadedMotoServer(port=0).start()


def test_spark_session():
    from pyspark.sql import SparkSession

    SparkSession.builder.master("local[1]").getOrCreate()


def test_java_through_a_shell():
    subprocess.run("cd / && java -version", shell=True, check=False)


def test_real_terraform():
    subprocess.run(["terraform", "version"], check=False)


def test_local_aws_fixture(local_aws):
    pass


def test_fake_terraform(tmp_path):
    fake = tmp_path / "terraform"
    fake.write_text("#!/bin/sh\\necho fake\\n")
    fake.chmod(0o755)
    out = subprocess.run(["terraform"], env={"PATH": str(tmp_path)}, capture_output=True, text=True)
    assert out.stdout == "fake\\n"


def test_other_processes():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def terraform_in_a_thread(name):
    errors = []

    def start():
        try:
            subprocess.run(["terraform", "version"], check=False, capture_output=True)
        except Exception as error:
            errors.append(error)

    thread = threading.Thread(target=start, name=name)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_thread_of_the_session():
    terraform_in_a_thread(f"{BACKGROUND}-apply")


def test_thread_of_the_test():
    terraform_in_a_thread("worker")
"""

# A fixture that would start something: it must not even be set up for a unit test.
ROOT_CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def local_aws(tmp_path_factory):
    (tmp_path_factory.getbasetemp() / "local_aws_started").touch()
"""

# The same kind of command outside tests/unit is not the guard's business.
OTHER_TIER_TESTS = """
import subprocess
import sys


def test_outside_unit():
    subprocess.run([sys.executable, "-c", "pass", "scripts/local_aws.py"], check=True)
"""


def test_each_forbidden_start_fails_its_test_naming_the_command(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(ROOT_CONFTEST)
    (tmp_path / "unit").mkdir()
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "unit" / "conftest.py")
    (tmp_path / "unit" / "test_starts.py").write_text(UNIT_TESTS)
    (tmp_path / "localaws").mkdir()
    (tmp_path / "localaws" / "test_other_tier.py").write_text(OTHER_TIER_TESTS)
    basetemp = tmp_path / "basetemp"
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
    subprocess.run(
        [*pytest, f"--basetemp={basetemp}", "--junitxml=report.xml"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # the guard imports tests.support
        capture_output=True,
        check=False,
    )

    outcomes = {}
    for case in ET.parse(tmp_path / "report.xml").iter("testcase"):
        problem = case.find("failure")
        problem = case.find("error") if problem is None else problem
        outcomes[case.get("name")] = None if problem is None else problem.get("message", "")
    assert set(outcomes) == {
        "test_local_aws_script",
        "test_moto_server",
        "test_spark_session",
        "test_java_through_a_shell",
        "test_real_terraform",
        "test_local_aws_fixture",
        "test_fake_terraform",
        "test_other_processes",
        "test_thread_of_the_session",
        "test_thread_of_the_test",
        "test_outside_unit",
    }
    expected = {
        "test_local_aws_script": "a unit test started the local AWS (scripts/local_aws.py):",
        "test_moto_server": "a unit test started moto's ThreadedMotoServer",
        "test_spark_session": "a unit test started a JVM (Spark): ",
        "test_java_through_a_shell": "a unit test started a JVM (Spark): cd / && java -version",
        "test_real_terraform": "a unit test started real terraform (",
        "test_local_aws_fixture": "unit/test_starts.py::test_local_aws_fixture asks for local_aws",
        "test_thread_of_the_test": "a unit test started real terraform (",
    }
    for name, message in expected.items():
        assert outcomes[name] is not None and message in outcomes[name], (name, outcomes[name])
    assert "spark-submit" in outcomes["test_spark_session"]
    assert not (basetemp / "local_aws_started").exists()
    allowed_starts = (
        "test_fake_terraform",
        "test_other_processes",
        "test_thread_of_the_session",
        "test_outside_unit",
    )
    for allowed in allowed_starts:
        assert outcomes[allowed] is None, (allowed, outcomes[allowed])

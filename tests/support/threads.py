"""Threads of the session itself rather than of a test (tests/unit/conftest.py lets them start
processes while a unit test runs): their names start with BACKGROUND."""

BACKGROUND = "session-background"

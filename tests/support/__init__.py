"""Helpers shared by the test suites: the local AWS process, terraform runs, media checks."""

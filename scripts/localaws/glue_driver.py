"""Warm driver process of the local Glue: runs job scripts one at a time on a started Spark.

Started by glue.py with PYSPARK_SUBMIT_ARGS (local master, memory, warehouse) in its environment;
starting Spark's JVM is most of a small job's time, so a driver is kept for the next run, as the
Lambda runtime keeps its sandboxes warm. Each run gets what a fresh Glue driver would give it:
a new SparkSession (its own SQL settings, temporary views and functions), its own working
directory, `sys.argv` and `sys.path`; after the run the cache is cleared and the modules loaded
from the run's directory are forgotten. A script that stops Spark ends the driver.

Protocol: the driver writes {"ready": true} on the reply descriptor (LOCALAWS_REPLY_FD) once
Spark is up, then reads one JSON request per line on stdin ({"script", "argv", "cwd",
"python_path", "log_path"}) and replies one JSON line ({"ok", "error", "reusable"}). Output of a
run goes to its log_path; an uncaught exception is reported as Glue reports it in ErrorMessage
("ValueError: ...").
"""

import contextlib
import json
import os
import runpy
import sys
import traceback

from pyspark.sql import SparkSession


def error_message(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"[:2048]


def fresh_session(base: SparkSession) -> SparkSession:
    """A new session on the shared SparkContext, made the one getOrCreate() returns."""
    session = base.newSession()
    SparkSession._instantiatedSession = session
    SparkSession._activeSession = session
    session._jvm.SparkSession.setDefaultSession(session._jsparkSession)
    session._jvm.SparkSession.setActiveSession(session._jsparkSession)
    return session


def forget_modules(roots: list[str]) -> None:
    """Drops the modules loaded from a run's files, so the next run imports its own versions."""
    roots = [os.path.join(os.path.abspath(root), "") for root in roots]
    for name, module in list(sys.modules.items()):
        path = os.path.abspath(getattr(module, "__file__", None) or "/")
        if any(path.startswith(root) for root in roots):
            del sys.modules[name]


def run(base: SparkSession, request: dict) -> dict:
    session = fresh_session(base)
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    script = request["script"]
    sys.argv = [script, *request["argv"]]
    sys.path[:0] = [os.path.dirname(script), *request["python_path"]]
    os.chdir(request["cwd"])
    reply = {"ok": True, "error": None}
    with (
        open(request["log_path"], "a") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (None, 0):
                reply = {"ok": False, "error": f"SystemExit: {exc.code}"}
        except BaseException as exc:
            reply = {"ok": False, "error": error_message(exc)}
            traceback.print_exc()
    os.chdir(saved_cwd)
    sys.path[:] = saved_path
    forget_modules([os.path.dirname(script), *request["python_path"]])
    reusable = base.sparkContext._jsc is not None
    if reusable:
        session.catalog.clearCache()
    return {**reply, "reusable": reusable}


def main() -> None:
    reply = os.fdopen(int(os.environ["LOCALAWS_REPLY_FD"]), "w", buffering=1)
    base = SparkSession.builder.getOrCreate()
    base.sparkContext.setLogLevel("WARN")
    base.range(1).count()  # the first job's planning and code generation warm up the JVM
    reply.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        result = run(base, json.loads(line))
        reply.write(json.dumps(result) + "\n")
        if not result["reusable"]:
            return


if __name__ == "__main__":
    main()

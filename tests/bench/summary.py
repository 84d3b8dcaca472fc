"""The table of every benchmark recorded under build/bench/ (what `make bench` prints last).

.venv/bin/python tests/bench/summary.py
"""

from __future__ import annotations

import json
import sys

from benchlib import RECORDS, ROOT, table  # first: sets sys.path


def main() -> int:
    import timings  # in scripts/, on the path benchlib sets

    records = [json.loads(path.read_text()) for path in sorted(RECORDS.glob("*.json"))]
    if not records:
        print(f"no benchmark recorded in {RECORDS.relative_to(ROOT)}", file=sys.stderr)
        return 1
    records.sort(key=lambda record: record["started"])
    rows = [(r["benchmark"], c) for r in records for c in r["comparisons"]]
    print(f"\nbenchmarks (ratio = subject / baseline seconds), from {RECORDS.relative_to(ROOT)}/")
    print(table(rows))
    print("  recorded: " + ", ".join(f"{r['benchmark']} {r['started']}" for r in records))
    recorded = timings.table()
    if recorded:
        print("\nwall times of the last make test (by tier) and make demo")
        print(recorded)
    return 0


if __name__ == "__main__":
    sys.exit(main())

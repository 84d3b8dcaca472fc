"""T2 gold, salesbydatetime mart: sales per hour of the day, from the run date's silver purchases →
gold/salesbydatetime/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m

if __name__ == "__main__":
    m.run_mart(sys.argv, "salesbydatetime")

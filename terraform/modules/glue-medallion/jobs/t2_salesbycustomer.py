"""T2 gold, salesbycustomer mart: sales per customer, from the run date's silver purchases →
gold/salesbycustomer/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m

if __name__ == "__main__":
    m.run_mart(sys.argv, "salesbycustomer")

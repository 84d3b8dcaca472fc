"""T2 gold, salesbyresidence mart: sales per residence, from the run date's silver purchases →
gold/salesbyresidence/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m

if __name__ == "__main__":
    m.run_mart(sys.argv, "salesbyresidence")

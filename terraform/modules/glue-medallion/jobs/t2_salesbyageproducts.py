"""T2 gold, salesbyageproducts mart: sales per age band and product, from the run date's
silver purchases → gold/salesbyageproducts/dt=<run_date>/."""

from __future__ import annotations

import sys

import medallion as m

if __name__ == "__main__":
    m.run_mart(sys.argv, "salesbyageproducts")

"""What the hub's history says: runs over time, pass rate, durations, flaky tests, the heal ledger
and the most frequent failure classes. Pure computations (`stats`, `flakiness`, `trends`) are fed
by the aggregate queries in `queries` and assembled per dashboard page in `report`."""

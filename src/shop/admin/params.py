"""Path and query parameters every back-office page reads the same way: a row id and a list
page number. Out-of-range values are refused by FastAPI before any query runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**63 - 1  # the largest BIGINT primary key
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=100_000)]

"""API tool (`run`): fuzz the shop's JSON API from its OpenAPI document, bounded in time
and count."""

from __future__ import annotations

import functools
from typing import Annotated, Literal

import anyio.to_thread
from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from testhub.mcp.fuzz import run_fuzz
from testhub.mcp.guard import ToolRegistry
from testhub.mcp.scopes import Scope
from testhub.mcp.tools.shop import BaseUrl


class Finding(BaseModel):
    operation: str
    checks: list[str] = Field(description="Failed checks (e.g. not_a_server_error)")
    message: str
    status_code: int | None
    curl: str = Field(description="Reproduces the request; $SHOP_TOKEN stands for the credential")


class FuzzResult(BaseModel):
    base_url: str
    operations: int
    examples: int
    seconds: float
    stopped_by_time: bool
    failures: list[Finding]
    skipped_operations: list[str]


def register(tools: ToolRegistry) -> None:
    runtime = tools.runtime

    @tools.tool(scope=Scope.RUN, title="Fuzz the shop's API", destructive=True)
    async def api_fuzz(
        ctx: Context,
        max_examples: Annotated[int, Field(ge=1, le=1000, description="Requests in total")] = 100,
        max_seconds: Annotated[float, Field(ge=1, le=600, description="Time budget")] = 60,
        path_regex: Annotated[
            str | None,
            Field(max_length=200, description="Only paths matching, e.g. ^/api/v1/carts"),
        ] = None,
        methods: Annotated[
            list[Literal["GET", "POST", "PUT", "PATCH", "DELETE"]] | None,
            Field(description="Only these methods"),
        ] = None,
        negative: Annotated[
            bool, Field(description="Invalid input (must get a 4xx) instead of valid input")
        ] = False,
        as_staff: Annotated[
            bool, Field(description="Send the hub's staff credentials (admin routes past 401)")
        ] = False,
        checks: Annotated[
            Literal["server_errors", "conformance"],
            Field(description="Only 5xx, or also status codes, content types and response schemas"),
        ] = "conformance",
        base_url: BaseUrl = None,
    ) -> FuzzResult:
        """Generate requests from the shop's OpenAPI document with schemathesis and report every
        failure (5xx, responses that break the document) with a curl command that reproduces it.
        The test-mode endpoints are never fuzzed."""
        url = runtime.base_url(base_url)
        auth_header = None
        if as_staff:
            async with runtime.shop(url) as shop:
                auth_header = f"Bearer {await shop.staff_access_token()}"
        report = await anyio.to_thread.run_sync(
            functools.partial(
                run_fuzz,
                url,
                max_examples=max_examples,
                max_seconds=max_seconds,
                path_regex=path_regex,
                methods=list(methods) if methods else None,
                negative=negative,
                auth_header=auth_header,
                checks=checks,
            )
        )
        return FuzzResult(
            base_url=url,
            operations=report.operations,
            examples=report.examples,
            seconds=report.seconds,
            stopped_by_time=report.stopped_by_time,
            failures=[
                Finding(
                    operation=failure.operation,
                    checks=failure.checks,
                    message=failure.message,
                    status_code=failure.status_code,
                    curl=failure.curl,
                )
                for failure in report.failures
            ],
            skipped_operations=report.skipped_operations,
        )

"""Every tool runs behind the same guard: the caller's scope, the production refusal, secret
redaction of the result, an audit entry and the usage metrics."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

import httpx
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.context_injection import find_context_parameter
from mcp_types import ToolAnnotations
from pydantic import BaseModel

from testhub.mcp.audit import Caller
from testhub.mcp.browser import BrowserNotOpen
from testhub.mcp.production import ProductionRefused, refuse_production
from testhub.mcp.redaction import redact, redact_text
from testhub.mcp.runtime import McpRuntime
from testhub.mcp.scopes import Scope, format_scopes, grants
from testhub.mcp.shop_client import ShopUnavailable
from testhub.mcp.usage import observe_tool_call

P = ParamSpec("P")
R = TypeVar("R")

# Failures the caller can act on: their text reaches the assistant. Anything else is a crash
# whose text stays in the server log.
_EXPECTED = (ShopUnavailable, BrowserNotOpen, ValueError, LookupError, httpx.HTTPError)


class Denied(ToolError):
    pass


def caller_of(ctx: Context[Any, Any], runtime: McpRuntime) -> Caller:
    token = get_access_token()
    if token is not None:
        claims = token.claims or {}
        key_id = claims.get("key_id")
        return Caller(
            principal=f"key:{token.client_id}",
            key_id=int(key_id) if key_id is not None else None,
            scopes=frozenset(token.scopes),
            transport="http",
        )
    if getattr(ctx.request_context, "request", None) is not None:
        # An HTTP request without a verified key cannot get here past the auth layer; should
        # it ever, it may do nothing.
        return Caller(principal="anonymous", key_id=None, scopes=frozenset(), transport="http")
    return Caller(
        principal="local",
        key_id=None,
        scopes=frozenset(scope.value for scope in runtime.local_scopes),
        transport="local",
    )


def session_key_of(ctx: Context[Any, Any], caller: Caller) -> str:
    """The MCP session a call belongs to: the transport's session id when it has one, else the
    caller (stdio is one session per process; the sessionless 2026 protocol has none)."""
    headers = ctx.headers
    session_id = headers.get("mcp-session-id") if headers is not None else None
    return f"session:{session_id}" if session_id else f"caller:{caller.principal}"


def _redacted(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return type(result).model_validate(redact(result.model_dump(mode="json")))
    if isinstance(result, str):
        return redact_text(result)
    if isinstance(result, dict | list):
        return redact(result)
    return result


def admit(
    runtime: McpRuntime,
    caller: Caller,
    *,
    tool: str,
    scope: Scope,
    destructive: bool,
    requested_base_url: str | None,
) -> None:
    """Raise Denied unless this caller may run this tool against this shop."""
    if not grants(caller.scopes, scope):
        have = format_scopes(caller.scopes) or "none"
        raise Denied(f"{tool} needs the '{scope.value}' scope; this key has: {have}")
    base_url = runtime.base_url(requested_base_url)
    if requested_base_url and caller.transport == "http" and not runtime.is_known_shop(base_url):
        raise Denied(
            f"{requested_base_url} is not a shop this hub knows; remote callers may use "
            "TESTHUB_BASE_URL or hosts in TESTHUB_MCP_TEST_HOSTS / TESTHUB_MCP_PRODUCTION_HOSTS"
        )
    if destructive:
        try:
            refuse_production(
                base_url,
                tool=tool,
                allow_production=runtime.settings.mcp_allow_production,
                production_hosts=runtime.production_hosts,
                test_hosts=runtime.test_hosts,
            )
        except ProductionRefused as exc:
            raise Denied(str(exc)) from exc


class ToolRegistry:
    """Registers tools on the server with their scope; `scopes` lists what each tool needs."""

    def __init__(self, server: MCPServer[Any], runtime: McpRuntime) -> None:
        self.server = server
        self.runtime = runtime
        self.scopes: dict[str, Scope] = {}

    def tool(
        self,
        *,
        scope: Scope,
        title: str,
        name: str | None = None,
        destructive: bool = False,
        read_only: bool = False,
        open_world: bool = True,
        structured_output: bool | None = None,
    ) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
        def register(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
            tool_name = name or fn.__name__
            context_name = find_context_parameter(fn)
            if context_name is None:
                raise TypeError(f"tool {tool_name} must take a Context parameter")
            if destructive and "base_url" not in inspect.signature(fn).parameters:
                raise TypeError(f"destructive tool {tool_name} must take base_url")
            runtime = self.runtime

            @functools.wraps(fn)
            async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
                caller = caller_of(cast(Context[Any, Any], kwargs[context_name]), runtime)
                started = time.perf_counter()
                outcome, error = "ok", None
                try:
                    admit(
                        runtime,
                        caller,
                        tool=tool_name,
                        scope=scope,
                        destructive=destructive,
                        requested_base_url=cast(str | None, kwargs.get("base_url")),
                    )
                    return cast(R, _redacted(await fn(*args, **kwargs)))
                except Denied as exc:
                    outcome, error = "denied", str(exc)
                    raise
                except ToolError as exc:
                    outcome, error = "error", str(exc)
                    raise
                except _EXPECTED as exc:
                    outcome, error = "error", str(exc) or type(exc).__name__
                    raise ToolError(redact_text(error)) from exc
                except Exception as exc:
                    outcome, error = "error", f"{type(exc).__name__}: {exc}"
                    raise
                finally:
                    seconds = time.perf_counter() - started
                    observe_tool_call(tool_name, outcome, seconds)
                    await runtime.audit.record(
                        caller,
                        tool=tool_name,
                        arguments={k: v for k, v in kwargs.items() if k != context_name},
                        outcome=outcome,
                        error=error,
                        duration_ms=seconds * 1000,
                    )

            description = (inspect.getdoc(fn) or "").strip()
            self.server.add_tool(
                guarded,
                name=tool_name,
                title=title,
                description=f"{description}\n\nNeeds the '{scope.value}' scope.",
                annotations=ToolAnnotations(
                    title=title,
                    read_only_hint=read_only,
                    destructive_hint=destructive,
                    open_world_hint=open_world,
                ),
                structured_output=structured_output,
            )
            self.scopes[tool_name] = scope
            return fn

        return register

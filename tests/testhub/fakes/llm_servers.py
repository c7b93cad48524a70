"""Local LLM servers that speak the real wire formats, on 127.0.0.1 over real HTTP:
OpenAI Chat Completions (`POST /v1/chat/completions`, also LM Studio's), Anthropic Messages
(`POST /v1/messages`) and Ollama (`POST /api/chat`).

Each keeps every request it received (raw bytes and headers, so tests can check what left the
hub) and answers from a script: queued replies first (errors, delays, texts), then a default
responder that sees the request's JSON.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass(frozen=True)
class Reply:
    text: str = ""
    status: int = 200
    delay_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    input_tokens: int | None = None
    output_tokens: int | None = None


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    def messages_text(self) -> str:
        """Every message's content and the system prompt, joined (to look for leaks)."""
        data = self.json
        parts = [str(data.get("system", ""))]
        parts += [str(m.get("content", "")) for m in data.get("messages", [])]
        return "\n".join(parts)


def _default_text(request: dict[str, Any]) -> str:
    return "ok"


@dataclass
class FakeLlm:
    """The state of one fake server."""

    kind: str  # openai | anthropic | ollama
    url: str = ""
    received: list[Received] = field(default_factory=list)
    replies: deque[Reply] = field(default_factory=deque)
    responder: Callable[[dict[str, Any]], str] = _default_text

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def reset(self) -> None:
        self.received.clear()
        self.replies.clear()
        self.responder = _default_text

    def next_reply(self, request: dict[str, Any]) -> Reply:
        if self.replies:
            return self.replies.popleft()
        return Reply(self.responder(request))


def _tokens(request: dict[str, Any], reply: Reply) -> tuple[int, int]:
    prompt = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
    prompt += len(str(request.get("system", "")))
    # ~4 characters a token, like the real tokenizers on English text; tests may fix the counts.
    tokens_in = reply.input_tokens if reply.input_tokens is not None else prompt // 4 + 1
    tokens_out = (
        reply.output_tokens if reply.output_tokens is not None else len(reply.text) // 4 + 1
    )
    return tokens_in, tokens_out


def _openai_error(status: int) -> dict[str, Any]:
    kind = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
    return {"error": {"message": f"fake error {status}", "type": kind, "param": None, "code": kind}}


def _anthropic_error(status: int) -> dict[str, Any]:
    kind = {429: "rate_limit_error", 401: "authentication_error", 529: "overloaded_error"}
    return {
        "type": "error",
        "error": {"type": kind.get(status, "api_error"), "message": f"fake error {status}"},
    }  # noqa: E501


def _openai_body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    tokens_in, tokens_out = _tokens(request, reply)
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_764_000_000,
        "model": request.get("model", ""),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
            "total_tokens": tokens_in + tokens_out,
        },
    }


def _anthropic_body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    tokens_in, tokens_out = _tokens(request, reply)
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": request.get("model", ""),
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out},
    }


def _ollama_body(request: dict[str, Any], reply: Reply) -> dict[str, Any]:
    tokens_in, tokens_out = _tokens(request, reply)
    return {
        "model": request.get("model", ""),
        "created_at": "2026-11-26T12:00:00Z",
        "message": {"role": "assistant", "content": reply.text},
        "done": True,
        "done_reason": "stop",
        "total_duration": 1000,
        "prompt_eval_count": tokens_in,
        "eval_count": tokens_out,
    }


_FORMATS = {
    "openai": ("/v1/chat/completions", _openai_body, _openai_error),
    "anthropic": ("/v1/messages", _anthropic_body, _anthropic_error),
    "ollama": ("/api/chat", _ollama_body, lambda status: {"error": f"fake error {status}"}),
}


def build_app(fake: FakeLlm) -> Starlette:
    path, body_of, error_of = _FORMATS[fake.kind]

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        fake.received.append(Received(request.url.path, dict(request.headers), raw))
        payload = json.loads(raw)
        reply = fake.next_reply(payload)
        if reply.delay_seconds:
            await asyncio.sleep(reply.delay_seconds)
        if reply.status >= 400:
            return JSONResponse(error_of(reply.status), reply.status, headers=reply.headers)
        return JSONResponse(body_of(payload, reply), headers=reply.headers)

    return Starlette(routes=[Route(path, endpoint, methods=["POST"])])

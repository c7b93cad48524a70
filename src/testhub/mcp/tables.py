"""The MCP server's tables (API keys, the audit of tool calls) on the hub store's metadata."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from testhub.store.base import Base, UtcDateTime, utcnow


class ApiKeyRow(Base):
    __tablename__ = "testhub_api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rotated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("testhub_api_keys.id", ondelete="SET NULL")
    )


class AuditEntry(Base):
    """One MCP tool call: who, what (arguments, secrets masked), outcome and duration."""

    __tablename__ = "testhub_mcp_audit"
    __table_args__ = (Index("ix_testhub_mcp_audit_tool_at", "tool", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    principal: Mapped[str] = mapped_column(String(120))
    key_id: Mapped[int | None] = mapped_column()
    transport: Mapped[str] = mapped_column(String(20))
    tool: Mapped[str] = mapped_column(String(80))
    arguments: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column()


MCP_TABLES = [ApiKeyRow.__table__, AuditEntry.__table__]

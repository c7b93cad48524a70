"""Tables of runs, test results, heals, generations and LLM calls."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from testhub.store.base import Base, UtcDateTime, utcnow


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class HealStatus(StrEnum):
    HEALED = "healed"
    REFUSED = "refused"
    APPLIED = "applied"


class Run(Base):
    __tablename__ = "testhub_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    base_url: Mapped[str] = mapped_column(String(500))
    suite: Mapped[str] = mapped_column(String(1000))
    exit_code: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    junit_path: Mapped[str | None] = mapped_column(String(1000))

    results: Mapped[list[TestResult]] = relationship(
        back_populates="run", lazy="raise", cascade="all, delete-orphan", order_by="TestResult.id"
    )

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped


class TestResult(Base):
    __tablename__ = "testhub_results"
    __table_args__ = (Index("ix_testhub_results_nodeid_run", "nodeid", "run_id"),)
    __test__ = False  # a table, not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("testhub_runs.id", ondelete="CASCADE"))
    nodeid: Mapped[str] = mapped_column(String(1000))
    outcome: Mapped[Outcome] = mapped_column(String(16))
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str | None] = mapped_column(Text)
    traceback: Mapped[str | None] = mapped_column(Text)
    console_errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    failed_requests: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    screenshot_path: Mapped[str | None] = mapped_column(String(1000))
    trace_path: Mapped[str | None] = mapped_column(String(1000))
    failure_class: Mapped[str | None] = mapped_column(String(32))
    triage_explanation: Mapped[str | None] = mapped_column(Text)
    triage_evidence: Mapped[list[str]] = mapped_column(JSON, default=list)

    run: Mapped[Run] = relationship(back_populates="results", lazy="raise")


class Heal(Base):
    __tablename__ = "testhub_heals"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("testhub_runs.id", ondelete="SET NULL"), index=True
    )
    nodeid: Mapped[str] = mapped_column(String(1000))
    test_file: Mapped[str] = mapped_column(String(1000))
    line: Mapped[int | None] = mapped_column(Integer)
    step_key: Mapped[str] = mapped_column(String(200))
    original_locator: Mapped[str] = mapped_column(Text)
    healed_locator: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None] = mapped_column()
    runner_up_score: Mapped[float | None] = mapped_column()
    status: Mapped[HealStatus] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    patch: Mapped[str | None] = mapped_column(Text)


class Generation(Base):
    __tablename__ = "testhub_generations"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    story_id: Mapped[str] = mapped_column(String(200), index=True)
    engine: Mapped[str] = mapped_column(String(32))
    ok: Mapped[bool] = mapped_column()
    path: Mapped[str | None] = mapped_column(String(1000))
    error: Mapped[str | None] = mapped_column(Text)


class LlmCall(Base):
    __tablename__ = "testhub_llm_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column()
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cost_usd: Mapped[float] = mapped_column(default=0.0)
    duration_seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str | None] = mapped_column(Text)

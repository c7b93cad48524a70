"""Bounded schemathesis runs against a shop's OpenAPI document (schemathesis is a development
dependency of the project; the tool says so when it is missing)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

API_SPEC_PATH = "/api/v1/openapi.json"
# Never fuzz the test-mode helpers: one of them wipes the shop.
EXCLUDED_PATHS = r"^/api/v1/test/"


class _TimeUp(Exception):
    pass


class FuzzSetupError(ValueError):
    """The run could not start: no schemathesis, or no OpenAPI document at the base URL."""


@dataclass
class FuzzFailure:
    operation: str
    checks: list[str]
    message: str
    status_code: int | None
    curl: str


@dataclass
class FuzzReport:
    operations: int = 0
    examples: int = 0
    seconds: float = 0.0
    stopped_by_time: bool = False
    failures: list[FuzzFailure] = field(default_factory=list)
    skipped_operations: list[str] = field(default_factory=list)


@dataclass
class _Fuzzer:
    base_url: str
    checks: list[Any]
    deadline: float
    headers: dict[str, str] | None
    # The curl command names the credential instead of carrying it.
    curl_headers: dict[str, str] | None
    report: FuzzReport = field(default_factory=FuzzReport)
    seen: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)

    def operation(self, operation: Any, *, budget: int, mode: Any) -> None:
        from hypothesis import HealthCheck, Phase, given, settings

        label = f"{operation.method.upper()} {operation.path}"

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=budget,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: Any) -> None:
            self.example(case, label)

        self.report.operations += 1
        exercise()

    def example(self, case: Any, label: str) -> None:
        from schemathesis.core.failures import FailureGroup

        if time.monotonic() >= self.deadline:
            raise _TimeUp
        self.report.examples += 1
        try:
            case.call_and_validate(
                base_url=self.base_url, headers=self.headers, checks=self.checks, timeout=10
            )
        except FailureGroup as group:
            names = tuple(sorted({type(failure).__name__ for failure in group.exceptions}))
            status = next(
                (
                    code
                    for failure in group.exceptions
                    if (code := getattr(failure, "status_code", None))
                ),
                None,
            )
            message = "; ".join(
                (failure.title or type(failure).__name__) for failure in group.exceptions
            )
            self._record(case, label, names, message, status)
        except Exception as exc:  # noqa: BLE001 (a dropped connection is a finding too)
            self._record(case, label, ("network",), f"{type(exc).__name__}: {exc}", None)

    def _record(
        self, case: Any, label: str, checks: tuple[str, ...], message: str, status: int | None
    ) -> None:
        if (label, checks) in self.seen:
            return  # one finding per operation and kind is enough to act on
        self.seen.add((label, checks))
        self.report.failures.append(
            FuzzFailure(
                operation=label,
                checks=list(checks),
                message=message[:500],
                status_code=status,
                curl=case.as_curl_command(headers=self.curl_headers, base_url=self.base_url),
            )
        )


def run_fuzz(
    base_url: str,
    *,
    max_examples: int,
    max_seconds: float,
    path_regex: str | None,
    methods: list[str] | None,
    negative: bool,
    auth_header: str | None,
    checks: str,
) -> FuzzReport:
    try:
        import schemathesis
        from schemathesis.checks import (
            content_type_conformance,
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
        )
        from schemathesis.core.result import Ok
    except ImportError as exc:  # pragma: no cover - the dev group is installed in tests
        raise FuzzSetupError(
            "api_fuzz needs schemathesis (`uv sync --group dev`) in the hub's environment"
        ) from exc

    check_functions: list[Any] = [not_a_server_error]
    if checks == "conformance":
        check_functions += [
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    started = time.monotonic()
    try:
        schema: Any = schemathesis.openapi.from_url(f"{base_url}{API_SPEC_PATH}", timeout=15)
    except Exception as exc:  # noqa: BLE001 (schemathesis raises several loader errors)
        raise FuzzSetupError(
            f"no usable OpenAPI document at {base_url}{API_SPEC_PATH}: {str(exc)[:300]}"
        ) from exc
    schema = schema.exclude(path_regex=EXCLUDED_PATHS)
    if path_regex:
        schema = schema.include(path_regex=path_regex)
    if methods:
        schema = schema.include(method=[method.upper() for method in methods])
    fuzzer = _Fuzzer(
        base_url=base_url,
        checks=check_functions,
        deadline=started + max_seconds,
        headers={"Authorization": auth_header} if auth_header else None,
        curl_headers={"Authorization": "Bearer $SHOP_TOKEN"} if auth_header else None,
    )
    report = fuzzer.report
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            report.skipped_operations.append(str(result.err())[:200])
    mode = (
        schemathesis.GenerationMode.NEGATIVE if negative else schemathesis.GenerationMode.POSITIVE
    )
    per_operation = max(1, max_examples // max(1, len(operations)))
    for operation in operations:
        if report.examples >= max_examples:
            break
        budget = min(per_operation, max_examples - report.examples)
        try:
            fuzzer.operation(operation, budget=budget, mode=mode)
        except _TimeUp:
            report.stopped_by_time = True
            break
    report.seconds = round(time.monotonic() - started, 2)
    return report

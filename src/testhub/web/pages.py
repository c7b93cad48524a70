"""The dashboard's pages: overview, run detail (with its artifacts), flaky tests, heals,
failure classes. Each reads through testhub.analytics in one session and renders a template."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from testhub.analytics import queries, report
from testhub.store.models import HealStatus
from testhub.web import charts
from testhub.web.access import authorize
from testhub.web.formatting import install_filters
from testhub.web.state import HubDep

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES)
install_filters(templates.env)

router = APIRouter(dependencies=[Depends(authorize)], default_response_class=HTMLResponse)

Days = Annotated[int, Query(ge=1, le=365, description="Days back from today (UTC)")]
Runs = Annotated[int, Query(ge=2, le=500, description="Latest runs to assess for flakiness")]
Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]

RUNS_PER_PAGE = 50
CLASS_COLOURS = {"healed": "ok", "applied": "ok", "refused": "bad"}
ARTIFACTS = {"screenshot": "image/png", "trace": "application/zip"}


@router.get("/")
async def overview_page(
    request: Request, hub: HubDep, days: Days = 14, runs: Runs = 30
) -> HTMLResponse:
    async with hub.database.session() as session:
        view = await report.overview(session, days=days, now=hub.clock(), runs=runs)
    return templates.TemplateResponse(
        request,
        "overview.html",
        {
            "title": "Overview",
            "active": "overview",
            "view": view,
            "runs_chart": charts.runs_per_day(view.points),
            "rate_chart": charts.pass_rate_per_day(view.points),
            "duration_chart": charts.run_durations(view.recent),
            "classes_chart": charts.horizontal_bars(
                "Failures by triage class", [(c.name, c.count) for c in view.classes]
            ),
        },
    )


@router.get("/runs")
async def runs_page(
    request: Request, hub: HubDep, page: Annotated[int, Query(ge=1, le=100_000)] = 1
) -> HTMLResponse:
    async with hub.database.session() as session:
        listing = await report.run_list(session, page=page, per_page=RUNS_PER_PAGE)
    if page > listing.pages:
        raise HTTPException(404, f"There are only {listing.pages} pages of runs.")
    return templates.TemplateResponse(
        request, "runs.html", {"title": "Runs", "active": "runs", "listing": listing}
    )


@router.get("/runs/{run_id}")
async def run_page(request: Request, hub: HubDep, run_id: Id) -> HTMLResponse:
    async with hub.database.session() as session:
        detail = await report.run_detail(session, run_id)
    if detail is None:
        raise HTTPException(404, f"There is no run #{run_id}.")
    return templates.TemplateResponse(
        request, "run.html", {"title": f"Run #{run_id}", "active": None, "detail": detail}
    )


@router.get("/runs/{run_id}/results/{result_id}/{kind}", response_model=None)
async def artifact(
    hub: HubDep, run_id: Id, result_id: Id, kind: Literal["screenshot", "trace"]
) -> FileResponse:
    """A failure's screenshot or Playwright trace, only from under the hub's artifacts folder."""
    async with hub.database.session() as session:
        result = await queries.get_result(session, run_id, result_id)
    stored = None
    if result is not None:
        stored = result.screenshot_path if kind == "screenshot" else result.trace_path
    path = _artifact_path(hub.settings.artifacts_dir, stored)
    if path is None:
        raise HTTPException(404, f"Run #{run_id} has no {kind} for that test.")
    return FileResponse(
        path,
        media_type=ARTIFACTS[kind],
        filename=f"run-{run_id}-result-{result_id}-{path.name}" if kind == "trace" else None,
    )


def _artifact_path(root: Path, stored: str | None) -> Path | None:
    # A path in the database must not become a way to read any file of the machine.
    if not stored:
        return None
    path = Path(stored).resolve()
    if not path.is_relative_to(root.resolve()) or not path.is_file():
        return None
    return path


@router.get("/flaky")
async def flaky_page(request: Request, hub: HubDep, runs: Runs = 30) -> HTMLResponse:
    async with hub.database.session() as session:
        view = await report.flaky(session, runs=runs)
    return templates.TemplateResponse(
        request,
        "flaky.html",
        {
            "title": "Flaky tests",
            "active": "flaky",
            "report": view,
            "strips": {test.nodeid: charts.outcome_strip(test.outcomes) for test in view.tests},
        },
    )


@router.get("/heals")
async def heals_page(
    request: Request, hub: HubDep, days: Days = 30, status: HealStatus | None = None
) -> HTMLResponse:
    async with hub.database.session() as session:
        ledger = await report.heal_ledger(
            session, days=days, now=hub.clock(), status=status, limit=100
        )
    bars = [(row.status, row.count) for row in ledger.summary.counts]
    return templates.TemplateResponse(
        request,
        "heals.html",
        {
            "title": "Heals",
            "active": "heals",
            "ledger": ledger,
            "status_chart": charts.horizontal_bars(
                "Heal attempts by status", bars, css=CLASS_COLOURS
            ),
        },
    )


@router.get("/failures")
async def failures_page(request: Request, hub: HubDep, days: Days = 14) -> HTMLResponse:
    async with hub.database.session() as session:
        view = await report.failure_report(session, days=days, now=hub.clock(), per_class=5)
    return templates.TemplateResponse(
        request,
        "failures.html",
        {
            "title": "Failure classes",
            "active": "failures",
            "report": view,
            "classes_chart": charts.horizontal_bars(
                "Failures by triage class", [(c.name, c.count) for c in view.classes]
            ),
        },
    )

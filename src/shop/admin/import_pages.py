"""Catalog CSV in the back office: export, and import with a dry run that reports errors per
row (nothing is written when any row fails). Needs `catalog:write`; both are audited."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from shop.admin.access import CatalogEditor, admin_page
from shop.admin.outcomes import record_change
from shop.catalog import csv_transfer
from shop.catalog.csv_transfer import ImportReport
from shop.kit.clock import utcnow
from shop.web.dependencies import SettingsDep, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.flash import Flash

router = APIRouter(
    prefix="/admin/products", include_in_schema=False, default_response_class=HTMLResponse
)

MAX_CSV_BYTES = 10 * 1024 * 1024


@router.get("/export.csv")
async def export_products(
    request: Request, session: WriteSession, staff: CatalogEditor
) -> Response:
    text = await csv_transfer.export_csv(session)
    await record_change(
        request,
        session,
        staff,
        "catalog.export",
        entity_type="catalog",
        after={"bytes": len(text.encode())},
    )
    filename = f"products-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/import")
async def import_form(request: Request, staff: CatalogEditor) -> HTMLResponse:
    return await admin_page(
        request, staff, "admin/import.html", {"report": None}, section="products"
    )


async def _read_upload(upload: object) -> tuple[str | None, str | None]:
    """(text, problem)."""
    if not isinstance(upload, UploadFile):
        return None, "Choose a CSV file to import."
    raw = await upload.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        return None, f"The file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB; split it."
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None, "The file is not UTF-8 text; save it as “CSV UTF-8”."


@router.post("/import")
async def import_products(
    request: Request,
    session: WriteSession,
    settings: SettingsDep,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> HTMLResponse:
    form = await request.form()
    dry_run = bool(form.get("dry_run"))
    text, problem = await _read_upload(form.get("file"))
    if text is None:
        return await admin_page(
            request,
            staff,
            "admin/import.html",
            {"report": None},
            section="products",
            status_code=422,
            messages=[Flash(problem or "The file could not be read.", "error")],
        )
    report = await csv_transfer.import_csv(
        session, text, currency=settings.currency, dry_run=dry_run, actor_user_id=staff.user_id
    )
    if report.applied:
        await record_change(
            request,
            session,
            staff,
            "catalog.import",
            entity_type="catalog",
            after=_summary(report),
        )
    return await admin_page(
        request,
        staff,
        "admin/import.html",
        {"report": report},
        section="products",
        status_code=422 if report.errors else 200,
        messages=[_outcome(report)],
    )


def _summary(report: ImportReport) -> dict[str, int]:
    return {
        "rows": report.rows,
        "products_created": report.products_created,
        "products_updated": report.products_updated,
        "variants_created": report.variants_created,
        "variants_updated": report.variants_updated,
        "stock_changes": report.stock_changes,
    }


def _outcome(report: ImportReport) -> Flash:
    if report.errors:
        return Flash(
            f"Nothing was imported: {len(report.errors)} problem(s) to fix, listed below.", "error"
        )
    if report.dry_run:
        return Flash("Dry run: the file is valid. Nothing was written.", "info")
    return Flash(f"Imported {report.rows} row(s).")

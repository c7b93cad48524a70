"""Categories in the back office: the tree as a list, create, rename or move, delete an empty
leaf. Needs `catalog:write`; every change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData

from shop.admin.access import CatalogEditor, admin_page
from shop.admin.outcomes import audited_redirect, refusal_errors
from shop.admin.params import MAX_ID, RowId
from shop.auth.browser_session import Shopper
from shop.catalog import admin_service
from shop.catalog.schemas import CategoryAdminRead, CategoryCreate, CategoryUpdate
from shop.errors import ShopError
from shop.web.dependencies import ReadSession, WriteSession
from shop.web.pages.csrf import CsrfProtected
from shop.web.pages.forms import parse_int, text_field
from shop.web.pages.responses import redirect_with_flash

router = APIRouter(
    prefix="/admin/categories", include_in_schema=False, default_response_class=HTMLResponse
)

CategoryId = RowId
FIELDS = ("name", "slug", "parent_id", "description", "position")


def _read_form(form: FormData) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """(the values as typed, the data for the schema, {field: message})."""
    values = {name: text_field(form, name) for name in FIELDS}
    errors: dict[str, str] = {}
    return values, _data(values, errors), errors


def _data(values: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"name": values["name"], "description": values["description"]}
    if values["slug"]:
        data["slug"] = values["slug"]
    data["parent_id"] = None
    if values["parent_id"]:
        data["parent_id"] = parse_int(values["parent_id"], minimum=1, maximum=MAX_ID)
        if data["parent_id"] is None:
            errors["parent_id"] = "Choose a parent from the list"
    position = parse_int(values["position"] or "0", minimum=0, maximum=1_000_000)
    if position is None:
        errors["position"] = "Enter a whole number from 0"
    data["position"] = position or 0
    return data


async def _page(
    request: Request,
    session: AsyncSession,
    staff: Shopper,
    *,
    editing: CategoryAdminRead | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    categories = await admin_service.list_categories(session)
    names = {c.id: c.name for c in categories}
    return await admin_page(
        request,
        staff,
        "admin/categories.html",
        {
            "categories": categories,
            "names": names,
            "editing": editing,
            "values": values or {},
            "errors": errors or {},
        },
        section="categories",
        status_code=status_code,
    )


@router.get("")
async def categories(request: Request, session: ReadSession, staff: CatalogEditor) -> HTMLResponse:
    return await _page(request, session, staff)


@router.post("")
async def create_category(
    request: Request, session: WriteSession, staff: CatalogEditor, _csrf: CsrfProtected
) -> Response:
    values, data, errors = _read_form(await request.form())
    if not errors:
        try:
            category = await admin_service.create_category(session, CategoryCreate(**data))
        except (ValidationError, ShopError) as error:
            errors = refusal_errors(error)
        else:
            return await audited_redirect(
                request,
                session,
                staff,
                "category.create",
                entity_type="category",
                entity_id=category.id,
                after=CategoryAdminRead.of(category),
                to="/admin/categories",
                message=f"Category “{category.name}” created.",
            )
    return await _page(request, session, staff, values=values, errors=errors, status_code=422)


@router.get("/{category_id}")
async def edit_category(
    request: Request, category_id: CategoryId, session: ReadSession, staff: CatalogEditor
) -> HTMLResponse:
    category = CategoryAdminRead.of(await admin_service.get_category(session, category_id))
    values = {
        "name": category.name,
        "slug": category.slug,
        "parent_id": str(category.parent_id or ""),
        "description": category.description,
        "position": str(category.position),
    }
    return await _page(request, session, staff, editing=category, values=values)


@router.post("/{category_id}")
async def update_category(
    request: Request,
    category_id: CategoryId,
    session: WriteSession,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    before = CategoryAdminRead.of(await admin_service.get_category(session, category_id))
    values, data, errors = _read_form(await request.form())
    if not errors:
        try:
            async with session.begin_nested():
                category = await admin_service.update_category(
                    session, category_id, CategoryUpdate(**data)
                )
        except (ValidationError, ShopError) as error:
            errors = refusal_errors(error)
        else:
            return await audited_redirect(
                request,
                session,
                staff,
                "category.update",
                entity_type="category",
                entity_id=category_id,
                before=before,
                after=CategoryAdminRead.of(category),
                to="/admin/categories",
                message=f"Category “{category.name}” saved.",
            )
    return await _page(
        request, session, staff, editing=before, values=values, errors=errors, status_code=422
    )


@router.post("/{category_id}/delete")
async def delete_category(
    request: Request,
    category_id: CategoryId,
    session: WriteSession,
    staff: CatalogEditor,
    _csrf: CsrfProtected,
) -> Response:
    before = CategoryAdminRead.of(await admin_service.get_category(session, category_id))
    try:
        await admin_service.delete_category(session, category_id)
    except ShopError as error:
        return redirect_with_flash(request, "/admin/categories", error.message, kind="error")
    return await audited_redirect(
        request,
        session,
        staff,
        "category.delete",
        entity_type="category",
        entity_id=category_id,
        before=before,
        to="/admin/categories",
        message=f"Category “{before.name}” deleted.",
    )

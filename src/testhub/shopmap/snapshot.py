"""Take a shop map of a live page, and find an element again by its ref."""

from __future__ import annotations

import asyncio
from typing import Any

from playwright.async_api import Locator, Page

from testhub.shopmap.aria import parse_aria_snapshot
from testhub.shopmap.diff import diff_maps
from testhub.shopmap.model import Node, PageMap, render

DEFAULT_BUDGET_CHARS = 12_000

# Runs in the page: details of every ref'd element, and the test ids, forms and amounts inside
# it that the accessibility tree does not show (a price in a <span> has no role of its own).
_ENRICH_JS = """
(elements) => {
  const owner = new Map();
  elements.forEach((element, index) => { if (element) owner.set(element, index); });
  const dataOf = (element) => {
    const data = {};
    for (const attr of element.attributes) {
      if (attr.name.startsWith('data-') && attr.name !== 'data-testid') {
        data[attr.name.slice(5)] = attr.value.slice(0, 200);
      }
    }
    return data;
  };
  const details = elements.map((element) => {
    if (!element) return null;
    const form = element.tagName === 'FORM' ? element : null;
    return {
      tag: element.tagName.toLowerCase(),
      testid: element.getAttribute('data-testid'),
      field_name: element.getAttribute('name'),
      input_type: element.getAttribute('type'),
      form_method: form ? (form.getAttribute('method') || 'get').toLowerCase() : null,
      form_action: form ? (form.getAttribute('action') || '') : null,
      data: dataOf(element),
      inner: [],
    };
  });
  const extras = document.querySelectorAll('[data-testid], form');
  for (const element of extras) {
    if (owner.has(element)) continue;
    let parent = element.parentElement;
    while (parent && !owner.has(parent)) parent = parent.parentElement;
    if (!parent) continue;
    const item = {
      testid: element.getAttribute('data-testid'),
      tag: element.tagName.toLowerCase(),
      text: (element.innerText || element.textContent || '').trim().slice(0, 200),
      data: dataOf(element),
    };
    if (element.tagName === 'FORM') {
      item.data.method = (element.getAttribute('method') || 'get').toLowerCase();
      item.data.action = element.getAttribute('action') || '';
      item.text = '';
    }
    details[owner.get(parent)].inner.push(item);
  }
  return details;
}
"""


async def snapshot(
    page: Page,
    *,
    budget_chars: int = DEFAULT_BUDGET_CHARS,
    previous: PageMap | None = None,
    timeout_ms: float = 10_000,
) -> PageMap:
    """A compact model of the page. With `previous`, `diff_text` says what changed since."""
    aria = await page.aria_snapshot(mode="ai", timeout=timeout_ms)
    nodes = parse_aria_snapshot(aria)
    ref_nodes = [node for root in nodes for node in root.walk() if node.ref]
    await _enrich(page, ref_nodes)
    page_map = PageMap(url=page.url, title=await page.title(), nodes=nodes)
    header = f"page: {page_map.title} <{page_map.url}>"
    page_map.text, page_map.truncated = render(nodes, budget_chars=budget_chars, header=header)
    if previous is not None:
        page_map.diff_text = diff_maps(previous, page_map).render(budget_chars=budget_chars)
    return page_map


async def _enrich(page: Page, nodes: list[Node]) -> None:
    if not nodes:
        return
    handles = await asyncio.gather(
        *(page.locator(f"aria-ref={node.ref}").element_handle(timeout=2000) for node in nodes),
        return_exceptions=True,
    )
    elements = [handle if not isinstance(handle, BaseException) else None for handle in handles]
    details: list[dict[str, Any] | None] = await page.evaluate(_ENRICH_JS, elements)
    for node, detail in zip(nodes, details, strict=True):
        if not detail:
            continue
        node.tag = detail["tag"]
        node.testid = detail["testid"]
        if detail["tag"] in {"input", "select", "textarea", "button"}:
            node.field_name = detail["field_name"]
            node.input_type = detail["input_type"]
        node.form_method = detail["form_method"]
        node.form_action = detail["form_action"]
        node.data = detail["data"]
        node.inner = detail["inner"]
    for handle in elements:
        if handle is not None:
            await handle.dispose()


def locator_for_ref(page: Page, ref: str) -> Locator:
    """The element a ref of the page's latest snapshot points at."""
    if not ref or not ref.replace("e", "").replace("f", "").isdigit():
        raise ValueError(f"not a snapshot ref: {ref!r}")
    return page.locator(f"aria-ref={ref}")


def durable_locator(node: Node) -> str:
    """Python code for a locator that survives reloads: a test id, else role and name."""
    if node.testid:
        code = f"page.get_by_test_id({node.testid!r})"
        item = next((k for k in ("slug", "sku", "order-number") if k in node.data), None)
        if item is not None:
            selector = f'[data-testid="{node.testid}"][data-{item}="{node.data[item]}"]'
            code = f"page.locator({selector!r})"
        return code
    if node.name:
        return f"page.get_by_role({node.role!r}, name={node.name!r}, exact=True)"
    return f"page.get_by_role({node.role!r})"

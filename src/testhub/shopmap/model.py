"""The page model: nodes of the accessibility tree, enriched, and its compact text rendering."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Data attributes that identify an item of a list (the page contract puts keys there).
IDENTITY_ATTRIBUTES = ("slug", "sku", "order-number", "row", "state")
_SHOWN_ATTRIBUTES = ("level", "checked", "selected", "disabled", "expanded", "pressed")
_COLLAPSE_AFTER = 3


@dataclass(slots=True)
class Node:
    role: str
    name: str
    depth: int
    ref: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    value: str | None = None
    props: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    # From the DOM (enrichment).
    tag: str | None = None
    testid: str | None = None
    field_name: str | None = None
    input_type: str | None = None
    form_method: str | None = None
    form_action: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    inner: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str | None:
        return self.props.get("url")

    @property
    def key(self) -> str:
        """Identity across snapshots (refs are per page): role, name, test id, item key."""
        if self.role == "text":
            return f"text|{self.value or ''}"
        item = next((f"{k}={self.data[k]}" for k in IDENTITY_ATTRIBUTES if k in self.data), "")
        return f"{self.role}|{self.name}|{self.testid or ''}|{item}"

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()

    def line(self) -> str:
        parts = [self.role]
        if self.name:
            parts.append(f'"{_clip(self.name, 80)}"')
        for key in _SHOWN_ATTRIBUTES:
            if key in self.attrs:
                parts.append(f"[{key}={self.attrs[key]}]" if self.attrs[key] else f"[{key}]")
        if self.ref:
            parts.append(f"[ref={self.ref}]")
        if self.testid:
            parts.append(f"[testid={self.testid}]")
        if self.field_name:
            parts.append(f"[field={self.field_name}]")
        if self.form_action:
            parts.append(f"[form={self.form_method or 'get'} {self.form_action}]")
        for key, value in self.data.items():
            parts.append(f"[data-{key}={_clip(value, 40)}]")
        text = " ".join(parts)
        if self.url:
            text += f" -> {self.url}"
        if self.value:
            text += f": {_clip(self.value, 120)}"
        return text

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"role": self.role, "name": self.name}
        for key in ("ref", "value", "tag", "testid", "field_name", "form_method", "form_action"):
            value = getattr(self, key)
            if value:
                result[key] = value
        for key in ("attrs", "props", "data"):
            value = getattr(self, key)
            if value:
                result[key] = dict(value)
        if self.inner:
            result["inner"] = list(self.inner)
        if self.children:
            result["children"] = [child.to_dict() for child in self.children]
        return result


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(slots=True)
class PageMap:
    url: str
    title: str
    nodes: list[Node]
    text: str = ""
    truncated: bool = False
    diff_text: str | None = None

    def walk(self) -> Iterator[Node]:
        for node in self.nodes:
            yield from node.walk()

    @property
    def refs(self) -> dict[str, Node]:
        return {node.ref: node for node in self.walk() if node.ref}

    def find(
        self, *, testid: str | None = None, role: str | None = None, name: str | None = None
    ) -> list[Node]:
        return [
            node
            for node in self.walk()
            if (testid is None or node.testid == testid)
            and (role is None or node.role == role)
            and (name is None or node.name == name)
        ]

    def testids(self) -> set[str]:
        found: set[str] = set()
        for node in self.walk():
            if node.testid:
                found.add(node.testid)
            found.update(str(item["testid"]) for item in node.inner if item.get("testid"))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "truncated": self.truncated,
            "text": self.text,
            "diff": self.diff_text,
            "nodes": [node.to_dict() for node in self.nodes],
        }


def render(nodes: list[Node], *, budget_chars: int, header: str = "") -> tuple[str, bool]:
    """Indented lines within the budget. Long runs of alike siblings (a product grid) are
    collapsed first, then inner details dropped, then the text is cut with a marker."""
    for collapse, with_inner in ((None, True), (_COLLAPSE_AFTER, True), (_COLLAPSE_AFTER, False)):
        lines = [header] if header else []
        for node in nodes:
            _render(node, lines, collapse=collapse, with_inner=with_inner)
        text = "\n".join(lines)
        if len(text) <= budget_chars:
            return text, collapse is not None or not with_inner
    marker = "\n… (cut to fit the size budget)"
    cut = text[: max(0, budget_chars - len(marker))]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    return cut + marker, True


def _render(node: Node, lines: list[str], *, collapse: int | None, with_inner: bool) -> None:
    indent = "  " * node.depth
    lines.append(f"{indent}- {node.line()}")
    if with_inner:
        for item in node.inner:
            details = " ".join(f"[data-{k}={v}]" for k, v in item.get("data", {}).items())
            text = _clip(str(item.get("text", "")), 60)
            lines.append(f"{indent}  · {item.get('testid') or item.get('tag')} {details}: {text}")
    children = node.children
    index = 0
    while index < len(children):
        child = children[index]
        run = 1
        while (
            index + run < len(children)
            and children[index + run].role == child.role
            and children[index + run].testid == child.testid
        ):
            run += 1
        shown = run if collapse is None or run <= collapse + 1 else collapse
        for offset in range(shown):
            _render(children[index + offset], lines, collapse=collapse, with_inner=with_inner)
        if shown < run:
            label = f"[testid={child.testid}]" if child.testid else ""
            lines.append(
                f"{'  ' * child.depth}- … {run - shown} more {child.role} {label}".rstrip()
            )
        index += run

"""What changed between two shop maps, keyed by node identity (refs are per snapshot)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from testhub.shopmap.model import Node, PageMap


@dataclass(slots=True)
class MapDiff:
    url_changed: tuple[str, str] | None = None
    added: list[Node] = field(default_factory=list)
    removed: list[Node] = field(default_factory=list)
    changed: list[tuple[Node, Node]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.url_changed or self.added or self.removed or self.changed)

    def render(self, *, budget_chars: int) -> str:
        lines: list[str] = []
        if self.url_changed:
            lines.append(f"url: {self.url_changed[0]} -> {self.url_changed[1]}")
        lines += [f"+ {node.line()}" for node in self.added]
        lines += [f"- {node.line()}" for node in self.removed]
        lines += [f"~ {old.line()}  =>  {new.line()}" for old, new in self.changed]
        if not lines:
            return "no change"
        text = "\n".join(lines)
        if len(text) > budget_chars:
            text = text[: budget_chars - 40].rsplit("\n", 1)[0] + "\n… (diff cut to fit the budget)"
        return text


def _state(node: Node) -> tuple[object, ...]:
    return (
        node.value,
        tuple(sorted(node.attrs.items())),
        tuple(sorted(node.data.items())),
        tuple((item.get("testid"), item.get("text")) for item in node.inner),
    )


def _index(page_map: PageMap) -> dict[str, list[Node]]:
    index: dict[str, list[Node]] = {}
    for node in page_map.walk():
        if node.role == "text" and not node.value:
            continue
        index.setdefault(node.key, []).append(node)
    return index


def diff_maps(old: PageMap, new: PageMap) -> MapDiff:
    result = MapDiff()
    if old.url != new.url:
        result.url_changed = (old.url, new.url)
    before, after = _index(old), _index(new)
    for key, new_nodes in after.items():
        old_nodes = before.get(key, [])
        for position, node in enumerate(new_nodes):
            if position >= len(old_nodes):
                result.added.append(node)
            elif _state(old_nodes[position]) != _state(node):
                result.changed.append((old_nodes[position], node))
    for key, old_nodes in before.items():
        result.removed += old_nodes[len(after.get(key, [])) :]
    return result

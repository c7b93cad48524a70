"""Parse Playwright's aria snapshot (a YAML list) into nodes."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from testhub.shopmap.model import Node

_KEY = re.compile(
    r'^(?P<role>[A-Za-z][\w-]*)(?: "(?P<name>(?:[^"\\]|\\.)*)")?(?P<attrs>(?: \[[^\]]*\])*)\s*$'
)
_ATTR = re.compile(r"\[([^\]=]+)(?:=([^\]]*))?\]")


def parse_aria_snapshot(text: str) -> list[Node]:
    data = yaml.safe_load(text) if text.strip() else []
    if not isinstance(data, list):
        data = [data]
    return _items(data, depth=0)


def _items(items: list[Any], *, depth: int) -> list[Node]:
    nodes: list[Node] = []
    for item in items:
        if isinstance(item, str):
            node = _node(item, depth=depth)
            if node is not None:
                nodes.append(node)
        elif isinstance(item, dict):
            for key, value in item.items():
                key = str(key)
                if key.startswith("/"):
                    continue  # a property of the parent; handled there
                node = _node(key, depth=depth)
                if node is None:
                    continue
                if isinstance(value, list):
                    for child in value:
                        if isinstance(child, dict):
                            for prop, prop_value in child.items():
                                if str(prop).startswith("/"):
                                    node.props[str(prop)[1:]] = str(prop_value)
                    node.children = _items(value, depth=depth + 1)
                elif value is not None:
                    node.value = str(value)
                nodes.append(node)
    return nodes


def _node(key: str, *, depth: int) -> Node | None:
    if key == "text":
        # `- text: Search products` is a dict item; a bare "text" never carries content.
        return Node(role="text", name="", depth=depth)
    match = _KEY.match(key.strip())
    if match is None:
        return Node(role="text", name="", depth=depth, value=key)
    name = match.group("name")
    attrs: dict[str, str] = {}
    for attr_match in _ATTR.finditer(match.group("attrs") or ""):
        attrs[attr_match.group(1).strip()] = (attr_match.group(2) or "").strip()
    ref = attrs.pop("ref", None)
    attrs.pop("cursor", None)
    return Node(
        role=match.group("role"),
        name=json.loads(f'"{name}"') if name else "",
        depth=depth,
        ref=ref,
        attrs=attrs,
    )

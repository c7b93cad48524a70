"""A proposed patch for a healed locator: the test file's locator expression replaced."""

from __future__ import annotations

import ast
import difflib
from pathlib import Path

from testhub.heal.fingerprint import Fingerprint


def locator_code(fp: Fingerprint) -> str:
    """A durable locator for the element the heal chose."""
    if fp.testid:
        return f"page.get_by_test_id({fp.testid!r})"
    if fp.role and fp.name:
        return f"page.get_by_role({fp.role!r}, name={fp.name!r}, exact=True)"
    if fp.element_id:
        return f"page.locator({'#' + fp.element_id!r})"
    return f"page.locator({fp.css!r})"


def _locator_argument(source: str, line: int, key: str) -> ast.expr | None:
    """The first argument of the `healer.find(..., key=<key>)` call on that line."""
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and node.args
            and node.lineno <= line <= (node.end_lineno or line)
        ):
            continue
        keys = [
            k.value for k in node.keywords if k.arg == "key" and isinstance(k.value, ast.Constant)
        ]
        if keys and keys[0].value == key:
            return node.args[0]
    return None


def propose_patch(test_file: Path, line: int | None, key: str, new_code: str) -> str | None:
    """A unified diff that replaces the broken locator with the healed one, or None."""
    if line is None or not test_file.is_file():
        return None
    source = test_file.read_text(encoding="utf-8")
    argument = _locator_argument(source, line, key)
    if argument is None:
        return None
    segment = ast.get_source_segment(source, argument)
    if segment is None:
        return None
    lines = source.splitlines(keepends=True)
    start = argument.lineno - 1
    end = (argument.end_lineno or argument.lineno) - 1
    block = "".join(lines[start : end + 1])
    replaced = block.replace(segment, new_code, 1)
    patched = [*lines[:start], replaced, *lines[end + 1 :]]
    name = test_file.name
    return "".join(
        difflib.unified_diff(
            lines, "".join(patched).splitlines(keepends=True), f"a/{name}", f"b/{name}"
        )
    )

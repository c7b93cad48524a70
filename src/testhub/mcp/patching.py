"""Apply a heal's proposed patch (a unified diff of one file) only if the file still matches it."""

from __future__ import annotations

import re

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchMismatch(ValueError):
    pass


def apply_unified_diff(source: str, diff: str) -> str:
    original = source.splitlines(keepends=True)
    result: list[str] = []
    position = 0  # index into `original` of the next line not yet copied
    lines = diff.splitlines(keepends=True)
    index = 0
    while index < len(lines) and not lines[index].startswith("@@"):
        index += 1  # the ---/+++ header
    if index == len(lines):
        raise PatchMismatch("the patch has no hunk")
    while index < len(lines):
        match = _HUNK.match(lines[index])
        if match is None:
            raise PatchMismatch(f"not a hunk header: {lines[index].strip()!r}")
        start = int(match.group(1)) - 1 if int(match.group(2) or 1) else int(match.group(1))
        if start < position:
            raise PatchMismatch("overlapping hunks")
        result.extend(original[position:start])
        position = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            kind, text = line[:1], line[1:]
            if kind in (" ", "-"):
                if position >= len(original) or original[position] != text:
                    raise PatchMismatch(
                        f"line {position + 1} of the file no longer reads {text.strip()!r}"
                    )
                if kind == " ":
                    result.append(text)
                position += 1
            elif kind == "+":
                result.append(text)
            elif line.startswith("\\"):
                pass  # "\ No newline at end of file"
            else:
                raise PatchMismatch(f"unexpected patch line {line.strip()!r}")
            index += 1
    result.extend(original[position:])
    return "".join(result)

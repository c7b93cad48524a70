"""A tiny HTML reader for page tests: elements by data-testid (or name), with attributes and
text, built on the standard library's parser (no third-party HTML library is installed)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()

    def get(self, name: str) -> str | None:
        return self.attrs.get(name)

    def find_all(self, testid: str) -> list[Element]:
        found = []
        for child in self.children:
            if child.attrs.get("data-testid") == testid:
                found.append(child)
            found.extend(child.find_all(testid))
        return found

    def named(self, name: str) -> list[Element]:
        """Form controls with this `name`, in document order."""
        found = []
        for child in self.children:
            if child.attrs.get("name") == name:
                found.append(child)
            found.extend(child.named(name))
        return found

    def find(self, testid: str) -> Element:
        found = self.find_all(testid)
        assert len(found) == 1, f"{len(found)} elements with data-testid={testid!r}"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self.stack:
            element.parts.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def csrf_token(html: str) -> str:
    """The page's CSRF token: from a form field, else from <body hx-headers> (htmx's copy)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'hx-headers="\{&#34;X-CSRF-Token&#34;: &#34;([^&]+)&#34;\}"', html
    )
    assert match, "the page has no CSRF token"
    return match.group(1)


def flash_text(html: str) -> str:
    return parse(html).find("flash").text

"""What an element looks like: the facts the scorer compares (collected in the page)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Attributes that are not evidence: styling, and the mutation suite's ground-truth marker.
_SKIPPED = "['class','id','data-testid','style','data-truth']"

FINGERPRINT_JS = (
    """
(() => {
  const implicitRole = (e) => {
    const tag = e.tagName.toLowerCase();
    const type = (e.getAttribute('type') || '').toLowerCase();
    if (tag === 'a' && e.hasAttribute('href')) return 'link';
    const buttonTypes = ['submit', 'button', 'reset'];
    if (tag === 'button' || (tag === 'input' && buttonTypes.includes(type))) return 'button';
    if (tag === 'input' && type === 'checkbox') return 'checkbox';
    if (tag === 'input' && type === 'radio') return 'radio';
    if (tag === 'input' && type === 'number') return 'spinbutton';
    if (tag === 'input' && type === 'search') return 'searchbox';
    if (tag === 'input' || tag === 'textarea') return 'textbox';
    if (tag === 'select') return 'combobox';
    if (/^h[1-6]$/.test(tag)) return 'heading';
    if (tag === 'li') return 'listitem';
    if (tag === 'ul' || tag === 'ol') return 'list';
    if (tag === 'form') return 'form';
    if (tag === 'img') return 'img';
    return '';
  };
  const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim().slice(0, 200);
  const nameOf = (e) => {
    if (e.getAttribute('aria-label')) return clean(e.getAttribute('aria-label'));
    if (e.labels && e.labels.length) return clean(e.labels[0].innerText);
    const tag = e.tagName.toLowerCase();
    const named = ['button', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'option', 'li'];
    if (named.includes(tag)) return clean(e.innerText);
    return clean(e.getAttribute('placeholder') || e.getAttribute('title') || e.getAttribute('alt'));
  };
  const cssPath = (e) => {
    const parts = [];
    for (let n = e; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      let index = 1;
      for (let s = n.previousElementSibling; s; s = s.previousElementSibling) {
        if (s.tagName === n.tagName) index++;
      }
      parts.unshift(`${n.tagName.toLowerCase()}:nth-of-type(${index})`);
    }
    return 'html > ' + parts.join(' > ');
  };
  const fingerprint = (e) => {
    const path = [];
    for (let n = e; n && n.nodeType === 1 && n !== document.documentElement; n = n.parentElement) {
      path.unshift(n.tagName.toLowerCase());
    }
    const attrs = {};
    for (const a of e.attributes) {
      if (!"""
    + _SKIPPED
    + """.includes(a.name)) attrs[a.name] = a.value.slice(0, 200);
    }
    const prev = e.previousElementSibling, next = e.nextElementSibling;
    return {
      tag: e.tagName.toLowerCase(),
      role: e.getAttribute('role') || implicitRole(e),
      name: nameOf(e),
      text: clean(e.innerText || e.textContent),
      element_id: e.id || '',
      classes: Array.from(e.classList).sort(),
      testid: e.getAttribute('data-testid') || '',
      attributes: attrs,
      path: path,
      neighbours: [
        clean(prev && prev.innerText).slice(0, 80), clean(next && next.innerText).slice(0, 80),
      ],
      form: (e.closest('form') && e.closest('form').getAttribute('action')) || '',
      css: cssPath(e),
      visible: !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length),
      truth: e.getAttribute('data-truth') || '',
    };
  };
  return { fingerprint };
})()
"""
)

ONE_JS = f"(element) => {FINGERPRINT_JS}.fingerprint(element)"
ALL_JS = (
    f"() => {{ const f = {FINGERPRINT_JS}.fingerprint; "
    "return Array.from(document.body.querySelectorAll('*'))"
    ".filter(e => !['SCRIPT','STYLE','TEMPLATE','NOSCRIPT','BR'].includes(e.tagName)).map(f); }"
)


@dataclass(slots=True)
class Fingerprint:
    tag: str
    role: str = ""
    name: str = ""
    text: str = ""
    element_id: str = ""
    classes: list[str] = field(default_factory=list)
    testid: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    neighbours: list[str] = field(default_factory=list)
    form: str = ""
    css: str = ""
    visible: bool = True
    truth: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fingerprint:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        bits = [self.tag]
        if self.testid:
            bits.append(f"[data-testid={self.testid}]")
        if self.element_id:
            bits.append(f"#{self.element_id}")
        if self.name:
            bits.append(f'"{self.name[:40]}"')
        return " ".join(bits)

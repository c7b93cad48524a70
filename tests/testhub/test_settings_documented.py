"""Every TESTHUB_* setting is listed in the README's "Testing hub" section (the contract)."""

from __future__ import annotations

import re
from pathlib import Path

from testhub.config import HubSettings

README = Path(__file__).resolve().parents[2] / "README.md"


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_every_setting_is_in_the_readme() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Testing hub")
    listed = set(re.findall(r"TESTHUB_[A-Z0-9_]+", section))
    # A `(_FILE)` after a secret documents its file variant.
    listed |= {
        f"{name}_FILE" for name in re.findall(r"`(TESTHUB_[A-Z0-9_]+)` \(`_FILE`\)", section)
    }

    expected = {f"TESTHUB_{name.upper()}" for name in HubSettings.model_fields}

    assert expected <= listed, sorted(expected - listed)

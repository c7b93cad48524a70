from __future__ import annotations

from pathlib import Path

import pytest

from shop.config import Settings
from tests.conftest import make_settings


@pytest.fixture
def app_settings(database_url: str, tmp_path: Path) -> Settings:
    # No worker in the app: the tests run the worker themselves.
    return make_settings(database_url, tmp_path / "var", worker_in_process=False)


@pytest.fixture
def mail_settings(tmp_path: Path) -> Settings:
    """Settings for tests that need no database."""
    return make_settings("sqlite+aiosqlite:///unused.db", tmp_path / "var")

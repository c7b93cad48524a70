"""Launch arguments for pytest-playwright's browser: the configured Chromium and its flags."""

from __future__ import annotations

from typing import Any

import pytest

from testhub.config import BROWSER_ARGS, HubSettings


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    settings = HubSettings()
    args = dict(browser_type_launch_args)
    if settings.browser_executable:
        args["executable_path"] = settings.browser_executable
        args["args"] = [*args.get("args", []), *BROWSER_ARGS]
    return args

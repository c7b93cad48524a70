"""Shared pieces of the offline deployment checks: the manifests tool, rendered overlays."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from shop.config import PROJECT_ROOT

DEPLOY_DIR = PROJECT_ROOT / "deploy"
SCRIPTS_DIR = DEPLOY_DIR / "scripts"
NPM_TOOLS = PROJECT_ROOT / "tools" / "npm"


def _load_manifests_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("deploy_manifests", SCRIPTS_DIR / "manifests.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


manifests = _load_manifests_tool()


def venv_tool(name: str) -> str:
    """A tool installed by the project's dev dependencies (kubectl, hadolint, shellcheck)."""
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    assert found, f"{name} is missing: `uv sync` installs it"
    return found


@pytest.fixture(scope="session")
def npm_tools() -> Path:
    if not (NPM_TOOLS / "node_modules").is_dir():
        pytest.fail("tools/npm/node_modules is missing: run `scripts/bootstrap.sh services`")
    return NPM_TOOLS


@pytest.fixture(scope="session")
def rendered(npm_tools: Path) -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered once with kubectl kustomize."""
    return {overlay: manifests.render_overlay(overlay) for overlay in manifests.OVERLAYS}


def find(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]

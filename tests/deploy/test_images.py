"""The images, checked without a Docker engine: the Dockerfiles' promises (non-root, read-only
friendly, HEALTHCHECK, production by default, pinned bases), the build context, the compose
stack, and the image's install steps reproduced in a clean virtual environment from which the
app starts with a read-only source tree, as a non-root user, in production mode."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deploy.conftest import DEPLOY_DIR, PROJECT_ROOT, manifests
from tests.live import free_port

DOCKER_DIR = DEPLOY_DIR / "docker"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def build_stage_copies(dockerfile: Path) -> list[str]:
    """What the build stage copies from the context (the image's install inputs)."""
    sources: list[str] = []
    stage = 0
    for word, rest in instructions(dockerfile):
        if word == "FROM":
            stage += 1
        elif word == "COPY" and stage == 1 and not rest.startswith("--from"):
            sources += rest.split()[:-1]
    return sources


class TestDockerfiles:
    @pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.hub"])
    def test_runtime_runs_as_a_non_root_user_in_production(self, name: str):
        steps = instructions(DOCKER_DIR / name)
        runtime = steps[max(i for i, (word, _) in enumerate(steps) if word == "FROM") :]
        users = [rest for word, rest in runtime if word == "USER"]
        assert users == ["10001:10001"]
        assert any(word == "HEALTHCHECK" and "/healthz" in rest for word, rest in runtime)
        env = " ".join(rest for word, rest in runtime if word == "ENV")
        assert "HOME=/tmp" in env
        if name == "Dockerfile":
            assert "SHOP_ENV=production" in env
            assert "SHOP_VAR_DIR=/tmp/shop" in env

    @pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.hub"])
    def test_base_image_is_pinned_by_digest(self, name: str):
        args = [rest for word, rest in instructions(DOCKER_DIR / name) if word == "ARG"]
        base = next(a for a in args if a.startswith("PYTHON_IMAGE="))
        assert DIGEST.search(base)
        assert base.split("=", 1)[1].startswith("python:3.11-slim")

    def test_hub_image_installs_debians_chromium(self):
        runs = " ".join(
            rest for word, rest in instructions(DOCKER_DIR / "Dockerfile.hub") if word == "RUN"
        )
        assert "apt-get install -y --no-install-recommends chromium" in runs
        assert "playwright install" not in runs

    def test_uv_version_is_the_one_that_wrote_the_lock(self):
        installed = subprocess.run(
            ["uv", "--version"], capture_output=True, text=True, check=False
        ).stdout.split()
        args = [rest for word, rest in instructions(DOCKER_DIR / "Dockerfile") if word == "ARG"]
        assert f"UV_VERSION={installed[1]}" in args

    def test_build_context_holds_exactly_what_the_build_copies(self):
        allowed = {
            line[1:].rstrip("/")
            for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
            if line.startswith("!")
        }
        for name in ("Dockerfile", "Dockerfile.hub"):
            assert set(build_stage_copies(DOCKER_DIR / name)) <= allowed
        assert {"src", "migrations", "uv.lock", "pyproject.toml"} <= allowed
        assert ".env" not in allowed


class TestComposeStack:
    @pytest.fixture
    def compose(self) -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load((DOCKER_DIR / "compose.yaml").read_text())
        return data

    def test_the_whole_stack_is_there(self, compose: dict[str, Any]):
        assert set(compose["services"]) == {
            "postgres",
            "pgbouncer",
            "redis",
            "migrate",
            "web",
            "api",
            "worker",
            "hub",
            "nginx",
            "prometheus",
            "alertmanager",
            "grafana",
        }

    def test_third_party_images_are_pinned_by_digest(self, compose: dict[str, Any]):
        for name, service in compose["services"].items():
            if "build" not in service:
                assert DIGEST.search(service["image"]), name

    def test_shop_containers_are_hardened(self, compose: dict[str, Any]):
        for name in ("migrate", "web", "api", "worker", "hub"):
            service = compose["services"][name]
            assert service["read_only"] is True, name
            assert service["cap_drop"] == ["ALL"], name
            assert "no-new-privileges:true" in service["security_opt"], name

    def test_environment_variables_are_settings(self, compose: dict[str, Any]):
        known = manifests.setting_names()
        for name in ("migrate", "web", "api", "worker", "hub"):
            for variable in compose["services"][name]["environment"]:
                prefix = "SHOP_" if variable.startswith("SHOP_") else "TESTHUB_"
                assert variable.startswith(prefix), variable
                names = known[prefix]
                if names is not None:
                    assert variable in names, f"{name}: {variable}"

    def test_roles_run_real_commands_behind_pgbouncer(self, compose: dict[str, Any]):
        services = compose["services"]
        assert services["web"]["command"][:3] == ["run", "--role", "web"]
        assert services["api"]["command"][:3] == ["run", "--role", "api"]
        assert services["worker"]["command"] == ["worker"]
        assert services["migrate"]["command"] == ["migrate"]
        assert "@pgbouncer:6432/" in services["web"]["environment"]["SHOP_DATABASE_URL"]
        assert services["web"]["environment"]["SHOP_DATABASE_STATEMENT_CACHE_SIZE"] == "0"
        assert "@postgres:5432/" in services["migrate"]["environment"]["SHOP_DATABASE_URL"]

    def test_monitoring_files_it_mounts_exist(self, compose: dict[str, Any]):
        for name in ("prometheus", "alertmanager", "grafana", "nginx", "postgres"):
            for volume in compose["services"][name].get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("."):
                    assert (DOCKER_DIR / source).exists(), f"{name}: {source}"

    def test_nginx_sends_api_to_api_and_the_rest_to_web(self):
        config = (DOCKER_DIR / "nginx" / "nginx.conf").read_text()
        assert re.search(r"location /api/ \{\s*proxy_pass http://api;", config)
        assert re.search(r"location / \{\s*proxy_pass http://web;", config)
        assert re.search(r"location = /metrics \{\s*return 404;", config)


# ---------------------------------------------------------------------------------------------
# The image's install steps, reproduced


def _readable_tmpdir() -> Path:
    # Not under pytest's tmp_path: its parents are private to root, and the app runs as nobody.
    path = Path(tempfile.mkdtemp(prefix="shop-image-"))
    path.chmod(0o755)
    return path


def _as_image_user() -> list[str]:
    """Run as an unprivileged user, as the image does; root would ignore the read-only bits."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to drop root"
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def _make_read_only(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        path.chmod(
            mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
            | stat.S_IROTH
            | (stat.S_IXOTH if path.is_dir() or mode & stat.S_IXUSR else 0)
        )


def _interpreter_for_image_user() -> str:
    """A Python 3.11 the unprivileged user can run (root's pyenv lives under /root, which is
    private), as the image's /usr/local/bin/python3.11 is for its user."""
    candidates = [
        "/usr/local/bin/python3.11",
        "/usr/bin/python3.11",
        os.path.realpath(shutil.which("python3.11") or ""),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            check = subprocess.run(
                [*_as_image_user(), candidate, "-c", "pass"], capture_output=True, check=False
            )
            if check.returncode == 0:
                return candidate
    pytest.fail("no Python 3.11 that an unprivileged user can run")


@pytest.fixture(scope="module")
def image_tree() -> Iterator[Path]:
    """/app as the build stage makes it: the copied sources and `uv sync --frozen --no-dev`."""
    app = _readable_tmpdir()
    for source in build_stage_copies(DOCKER_DIR / "Dockerfile"):
        origin = PROJECT_ROOT / source
        if origin.is_dir():
            shutil.copytree(origin, app / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, app / source)
    env = {
        **os.environ,
        "UV_PROJECT_ENVIRONMENT": str(app / ".venv"),
        "UV_PYTHON_DOWNLOADS": "never",
        "VIRTUAL_ENV": "",
    }
    result = subprocess.run(
        [
            "uv",
            "sync",
            "--frozen",
            "--no-dev",
            "--quiet",
            "--python",
            _interpreter_for_image_user(),
        ],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    if not _as_image_user():
        # Not root: take the write bits away. As root, the app runs as nobody, for whom the
        # root-owned tree is read-only already (as /app is for the image's user).
        _make_read_only(app)
    yield app
    for path in [app, *app.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(app)


def _production_env(app: Path, scratch: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOP_", "UV_", "VIRTUAL_ENV"))}
    env.update(
        {
            "PATH": f"{app / '.venv' / 'bin'}:/usr/bin:/bin",
            "HOME": str(scratch),
            "PYTHONDONTWRITEBYTECODE": "1",
            "SHOP_ENV": "production",
            "SHOP_VAR_DIR": str(scratch / "shop"),
            "SHOP_SECRET_KEY": "image-test-secret-0123456789abcdefghijklmnop",
            "SHOP_DATABASE_URL": f"sqlite+aiosqlite:///{scratch / 'shop.db'}",
            "SHOP_PAYMENT_PROVIDERS": "stripe",
            "SHOP_STRIPE_API_KEY": "sk_test_image_check",
            "SHOP_STRIPE_WEBHOOK_SECRET": "whsec_image_check",
        }
    )
    env.update(extra)
    return env


@pytest.fixture
def scratch() -> Iterator[Path]:
    """The only writable place, like the image's /tmp."""
    path = _readable_tmpdir()
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


class TestImageInstall:
    def test_source_tree_is_read_only_for_the_app_user(self, image_tree: Path, scratch: Path):
        probe = subprocess.run(
            [*_as_image_user(), "sh", "-c", f"touch {image_tree / 'src' / 'x'}"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert probe.returncode != 0
        assert "Permission denied" in probe.stderr or "Read-only" in probe.stderr

    def test_migrations_run_from_the_read_only_tree(self, image_tree: Path, scratch: Path):
        result = subprocess.run(
            [*_as_image_user(), str(image_tree / ".venv" / "bin" / "shop"), "migrate"],
            cwd=scratch,
            env=_production_env(image_tree, scratch),
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        assert "database is at the newest migration" in result.stdout

    def test_production_refuses_the_default_secret(self, image_tree: Path, scratch: Path):
        env = _production_env(image_tree, scratch)
        del env["SHOP_SECRET_KEY"]
        result = subprocess.run(
            [*_as_image_user(), str(image_tree / ".venv" / "bin" / "shop"), "run", "--port", "1"],
            cwd=scratch,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode != 0
        assert "SHOP_SECRET_KEY must be set" in result.stderr

    def test_app_starts_and_answers_health_checks(self, image_tree: Path, scratch: Path):
        port = free_port()
        process = subprocess.Popen(
            [
                *_as_image_user(),
                str(image_tree / ".venv" / "bin" / "shop"),
                "run",
                "--role",
                "all",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=scratch,
            env=_production_env(image_tree, scratch, SHOP_WORKER_IN_PROCESS="false"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
                while True:
                    assert process.poll() is None, (
                        process.stdout.read().decode() if process.stdout else ""
                    )
                    try:
                        live = client.get("/healthz")
                        break
                    except httpx.TransportError:
                        assert time.monotonic() < deadline, "the app did not start in 90 s"
                        time.sleep(0.2)
                ready = client.get("/readyz")
            assert live.status_code == 200
            assert live.json() == {"status": "ok"}
            assert ready.status_code == 200
            assert ready.json()["checks"] == {"database": "ok"}
            # Nothing was written into the source tree (no bytecode, no var/).
            assert not (image_tree / "var").exists()
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from testhub.config import HubSettings, LlmProviderName
from testhub.run.runner import EXIT_USAGE, run_suite, settings_env


class TestSettingsEnv:
    def test_given_settings_reach_the_test_process_as_variables(self, tmp_path: Path) -> None:
        settings = HubSettings(
            var_dir=tmp_path,
            staff_password=SecretStr("s3cret-staff-pass"),
            llm_provider=LlmProviderName.OLLAMA,
            mcp_allow_production=True,
            heal_threshold=0.7,
            _env_file=None,  # type: ignore[call-arg]
        )

        assert settings_env(settings) == {
            "TESTHUB_VAR_DIR": str(tmp_path),
            "TESTHUB_STAFF_PASSWORD": "s3cret-staff-pass",
            "TESTHUB_LLM_PROVIDER": "ollama",
            "TESTHUB_MCP_ALLOW_PRODUCTION": "true",
            "TESTHUB_HEAL_THRESHOLD": "0.7",
        }

    def test_defaults_leave_the_inherited_environment_alone(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in [name for name in os.environ if name.startswith("TESTHUB_")]:
            monkeypatch.delenv(name)

        assert settings_env(HubSettings(_env_file=None)) == {}  # type: ignore[call-arg]


class TestRunSuiteUsage:
    async def test_fewer_than_one_worker_is_a_usage_error(self, tmp_path: Path) -> None:
        settings = HubSettings(var_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]

        outcome = await run_suite(
            tmp_path, base_url="http://127.0.0.1:9", settings=settings, workers=0
        )

        assert outcome.exit_code == EXIT_USAGE
        assert outcome.problem == "workers must be at least 1, not 0"
        assert not (tmp_path / "artifacts").exists()


class TestNodeIds:
    async def test_name_tests_from_the_suite_wherever_the_run_starts(
        self, tmp_path: Path, contract_shop: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # The cwd and the suite share an ancestor (tmp_path): pytest alone would make that its
        # rootdir and prefix every node id with "suite/", so the run history would see new tests.
        suite = tmp_path / "suite"
        suite.mkdir()
        (suite / "test_plain.py").write_text("def test_ok():\n    pass\n")
        (tmp_path / "elsewhere").mkdir()
        monkeypatch.chdir(tmp_path / "elsewhere")
        settings = HubSettings(
            var_dir=tmp_path / "var",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
            _env_file=None,  # type: ignore[call-arg]
        )

        outcome = await run_suite(suite, base_url=contract_shop, settings=settings)

        assert outcome.exit_code == 0, outcome.problem or outcome.results
        assert [r["nodeid"] for r in outcome.results] == ["test_plain.py::test_ok"]

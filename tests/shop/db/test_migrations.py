from __future__ import annotations

from alembic import command

from shop.db.migrate import alembic_config


class TestMigrations:
    def test_models_and_migrations_agree(self, database_url: str) -> None:
        """The ORM and the migrated schema describe the same tables, on both databases."""
        command.check(alembic_config(database_url))

    def test_migration_files_are_date_stamped(self) -> None:
        from shop.config import PROJECT_ROOT

        names = sorted(p.name for p in (PROJECT_ROOT / "migrations/versions").glob("*.py"))
        assert names
        assert all(name[:8].isdigit() and name[8] == "_" for name in names), names

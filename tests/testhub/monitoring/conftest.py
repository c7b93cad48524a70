from tests.testhub.web.conftest import sqlite_dashboard, sqlite_database

__all__ = ["sqlite_dashboard", "sqlite_database"]

"""Running suites: the pytest plugin that records each test, the runner, JUnit and exit codes."""

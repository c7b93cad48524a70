"""Stories to tests: the intent grammar, the planner (grammar first, an LLM for the rest) and the
deterministic code writer that emits pytest-playwright files."""

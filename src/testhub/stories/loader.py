"""Read story files: `<dir>/*.yaml`, one story each, ids unique across the library."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from testhub.stories.schema import Story


class StoryError(ValueError):
    """A story file that cannot be used, with the file and the reason."""


def load_story(path: Path) -> Story:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise StoryError(f"{path}: cannot read: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise StoryError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise StoryError(f"{path}: a story is a mapping with id, title, as_a ...")
    try:
        return Story.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'story'}: {e['msg']}" for e in error.errors()
        )
        raise StoryError(f"{path}: {problems}") from error


def load_stories(directory: Path) -> list[tuple[Path, Story]]:
    """Every story of a library, sorted by id."""
    if not directory.is_dir():
        raise StoryError(f"{directory}: no such story directory")
    stories = [(path, load_story(path)) for path in sorted(directory.glob("*.y*ml"))]
    seen: dict[str, Path] = {}
    for path, story in stories:
        if story.id in seen:
            raise StoryError(f"{path}: story id {story.id!r} is already used by {seen[story.id]}")
        seen[story.id] = path
    return sorted(stories, key=lambda item: item[1].id)


def find_story(reference: str, directory: Path) -> tuple[Path, Story]:
    """A story by file path or by id within the library."""
    candidate = Path(reference)
    if candidate.suffix in {".yaml", ".yml"} and candidate.exists():
        return candidate, load_story(candidate)
    for path, story in load_stories(directory):
        if story.id == reference:
            return path, story
    raise StoryError(f"no story with id {reference!r} in {directory}")

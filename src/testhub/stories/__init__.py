"""User stories: one YAML file each, validated by `testhub.stories.schema`."""

from testhub.stories.loader import StoryError, find_story, load_stories, load_story
from testhub.stories.schema import Story, StoryData

__all__ = ["Story", "StoryData", "StoryError", "find_story", "load_stories", "load_story"]

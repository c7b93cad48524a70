import re
from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from shop.kit.text import MULTILINE, NO_CONTROL_CHARACTERS, ONE_LINE

one_line = TypeAdapter(Annotated[str, ONE_LINE])
multiline = TypeAdapter(Annotated[str, MULTILINE])


@pytest.mark.parametrize("text", ["", "Classic tee", "Crème brûlée ☕", "a\u2028b"])
def test_printable_text_passes_both(text: str) -> None:
    assert one_line.validate_python(text) == text
    assert multiline.validate_python(text) == text
    assert re.fullmatch(NO_CONTROL_CHARACTERS, text)


@pytest.mark.parametrize("text", ["line\nbreak", "tab\there", "crlf\r\n"])
def test_line_breaks_and_tabs_only_in_multiline(text: str) -> None:
    assert multiline.validate_python(text) == text
    with pytest.raises(ValidationError, match="one line"):
        one_line.validate_python(text)


@pytest.mark.parametrize("text", ["nul\x00", "bell\x07", "esc\x1b[31m", "del\x7f", "\x0c"])
def test_other_control_characters_are_refused_everywhere(text: str) -> None:
    with pytest.raises(ValidationError):
        one_line.validate_python(text)
    with pytest.raises(ValidationError, match="control characters"):
        multiline.validate_python(text)
    assert not re.fullmatch(NO_CONTROL_CHARACTERS, text)

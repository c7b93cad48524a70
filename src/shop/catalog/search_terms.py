"""What a shopper typed, turned into full-text queries that can never be a syntax error.

Both databases get the same words: runs of letters and digits (what FTS5's unicode61 tokenizer
keeps; the PostgreSQL index is built from text whose ASCII punctuation became spaces, so its
parser splits the same way), lowercased, without PostgreSQL's English stop words. Each word is
quoted, so `"`, `*`, `(`, `AND`, `NOT`, `-` are plain text; the last word matches as a prefix so
that a half-typed query already finds something.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
# Indexed text gets these replaced by spaces on PostgreSQL (see the repository's reindex).
PUNCTUATION = string.punctuation

_WORD = re.compile(r"[^\W_]+")
# PostgreSQL's english.stop (Snowball). Dropped on both databases so they agree on what matches.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
    """.split()
)


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """The words of a search, in order; `text` is what was typed (for exact SKU matches)."""

    text: str
    words: tuple[str, ...]

    @property
    def matches_nothing(self) -> bool:
        return not self.words

    def fts5_query(self) -> str:
        """`"oak" "desk"*`: quoted phrases (implicit AND), prefix on the last one."""
        quoted = [f'"{word}"' for word in self.words]
        quoted[-1] += "*"
        return " ".join(quoted)

    def tsquery(self) -> str:
        """`'oak' & 'desk':*` for to_tsquery; words hold no quotes or backslashes."""
        quoted = [f"'{word}'" for word in self.words]
        quoted[-1] += ":*"
        return " & ".join(quoted)


def parse_search(text: str) -> SearchTerms | None:
    """None for a blank query (no search); SearchTerms with no words when nothing is searchable
    (e.g. only punctuation or stop words), which matches no product."""
    stripped = text.strip()
    if not stripped:
        return None
    words = [w for w in (m.lower() for m in _WORD.findall(stripped)) if w not in STOP_WORDS]
    return SearchTerms(text=stripped, words=tuple(words[:MAX_TERMS]))

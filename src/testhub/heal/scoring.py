"""Similarity of a recorded fingerprint and a candidate: DOM path LCS (Healenium) plus weighted
attribute similarity (Similo). 1.0 is the same element; unrelated elements stay well below 0.5."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from testhub.heal.fingerprint import Fingerprint

PATH_WEIGHT = 0.2
# (feature, weight); a feature counts only when the original or the candidate has it.
WEIGHTS = (
    ("testid", 1.5),
    ("element_id", 1.0),
    ("field_name", 1.5),
    ("role", 1.0),
    ("tag", 1.0),
    ("name", 1.5),
    ("text", 1.0),
    ("classes", 0.75),
    ("type", 0.5),
    ("target", 1.0),
    ("other_attributes", 0.75),
    ("neighbours", 1.0),
    ("form", 1.0),
)


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Fingerprint
    score: float


def lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for item in a:
        current = [0]
        for j, other in enumerate(b):
            current.append(previous[j] + 1 if item == other else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def path_similarity(a: list[str], b: list[str]) -> float:
    if not a and not b:
        return 1.0
    return 2 * lcs_length(a, b) / (len(a) + len(b))


def text_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _jaccard(a: list[str], b: list[str]) -> float:
    union = set(a) | set(b)
    return len(set(a) & set(b)) / len(union) if union else 1.0


def _features(fp: Fingerprint) -> dict[str, object]:
    attrs = fp.attributes
    others = {k: v for k, v in attrs.items() if k not in {"name", "type", "href", "action"}}
    return {
        "testid": fp.testid,
        "element_id": fp.element_id,
        "field_name": attrs.get("name", ""),
        "role": fp.role,
        "tag": fp.tag,
        "name": fp.name,
        "text": fp.text,
        "classes": fp.classes,
        "type": attrs.get("type", ""),
        "target": attrs.get("href") or attrs.get("action") or "",
        "other_attributes": others,
        "neighbours": " | ".join(fp.neighbours) if any(fp.neighbours) else "",
        "form": fp.form,
    }


def _similar(feature: str, a: object, b: object) -> float:
    if feature == "classes":
        return _jaccard(list(a), list(b))  # type: ignore[call-overload]
    if feature == "other_attributes":
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return 0.0
        keys = set(a) | set(b)
        return sum(a.get(k) == b.get(k) for k in keys) / len(keys) if keys else 1.0
    if feature in {"name", "text", "neighbours"}:
        return text_similarity(str(a), str(b))
    return 1.0 if a == b else 0.0


def score(original: Fingerprint, candidate: Fingerprint) -> float:
    left, right = _features(original), _features(candidate)
    total = weight_sum = 0.0
    for feature, weight in WEIGHTS:
        if not left[feature] and not right[feature]:
            continue
        total += weight * _similar(feature, left[feature], right[feature])
        weight_sum += weight
    attribute_score = total / weight_sum if weight_sum else 0.0
    return round(
        PATH_WEIGHT * path_similarity(original.path, candidate.path)
        + (1 - PATH_WEIGHT) * attribute_score,
        4,
    )


def rank(original: Fingerprint, candidates: list[Fingerprint]) -> list[Scored]:
    scored = [Scored(c, score(original, c)) for c in candidates if c.visible]
    return sorted(scored, key=lambda s: s.score, reverse=True)


@dataclass(frozen=True, slots=True)
class Decision:
    winner: Scored | None
    runner_up: Scored | None
    reason: str


def decide(ranked: list[Scored], *, threshold: float, margin: float) -> Decision:
    """Accept only a unique candidate: above the threshold and clearly ahead of the next one."""
    best = ranked[0] if ranked else None
    second = ranked[1] if len(ranked) > 1 else None
    if best is None:
        return Decision(None, None, "no candidate elements on the page")
    if best.score < threshold:
        return Decision(
            None, second, f"best candidate scored {best.score:.2f}, below the threshold {threshold}"
        )
    if second is not None and best.score - second.score < margin:
        return Decision(
            None,
            second,
            f"ambiguous: {best.score:.2f} vs {second.score:.2f} (margin {margin} required)",
        )
    return Decision(best, second, f"unique candidate scored {best.score:.2f}")

"""Estimated cost of a call from its token counts.

The prices are list prices in US dollars per million tokens, copied by hand and therefore
*estimates*: they go stale, ignore discounts (batch, cached input) and exist to make the spend
visible, not to reconcile an invoice. A model missing from the table costs 0 (and says so in
`is_priced`); local servers (Ollama, LM Studio) cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Price:
    input_per_million: float
    output_per_million: float


# Longest matching prefix wins, so dated snapshots ("gpt-4o-mini-2024-07-18") find their family.
PRICES: dict[str, dict[str, Price]] = {
    "openai": {
        "gpt-4o-mini": Price(0.15, 0.60),
        "gpt-4o": Price(2.50, 10.00),
        "gpt-4.1-nano": Price(0.10, 0.40),
        "gpt-4.1-mini": Price(0.40, 1.60),
        "gpt-4.1": Price(2.00, 8.00),
        "gpt-5-nano": Price(0.05, 0.40),
        "gpt-5-mini": Price(0.25, 2.00),
        "gpt-5": Price(1.25, 10.00),
        "o4-mini": Price(1.10, 4.40),
    },
    "anthropic": {
        "claude-3-5-haiku": Price(0.80, 4.00),
        "claude-haiku-4-5": Price(1.00, 5.00),
        "claude-sonnet-4": Price(3.00, 15.00),
        "claude-3-7-sonnet": Price(3.00, 15.00),
        "claude-opus-4": Price(15.00, 75.00),
    },
    "ollama": {},
    "lmstudio": {},
}
LOCAL_PROVIDERS = frozenset({"ollama", "lmstudio"})


def price_of(provider: str, model: str) -> Price | None:
    table = PRICES.get(provider, {})
    matches = [prefix for prefix in table if model.startswith(prefix)]
    return table[max(matches, key=len)] if matches else None


def is_priced(provider: str, model: str) -> bool:
    return provider in LOCAL_PROVIDERS or price_of(provider, model) is not None


def estimate_cost_usd(provider: str, model: str, input_tokens: int, output_tokens: int) -> float:
    price = price_of(provider, model)
    if price is None:
        return 0.0
    cost = (input_tokens * price.input_per_million + output_tokens * price.output_per_million) / 1e6
    return round(cost, 8)

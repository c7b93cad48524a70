"""The shape of a story file."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

StoryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")]
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=300)]
CARD_TOKENS = ("tok_visa", "tok_chargeDeclined", "tok_insufficientFunds", "tok_asyncCapture")


class StoryData(BaseModel):
    """Test data a story may name; the acceptance criteria refer to it ("the product")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$", description="product slug")
    variant: str | None = Field(default=None, max_length=100, description='e.g. "M / Blue"')
    quantity: int = Field(default=1, ge=1, le=99)
    query: str | None = Field(default=None, max_length=100)
    category: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$")
    brand: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$")
    coupon: str | None = Field(default=None, pattern=r"^[A-Z0-9_-]{3,32}$")
    coupon_percent: int | None = Field(default=None, ge=1, le=100)
    card_token: str = Field(default="tok_visa", pattern=r"^tok_[A-Za-z]+$")
    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=200)
    shipping_method: str = Field(default="standard", pattern=r"^[a-z0-9_-]+$")
    rating: int = Field(default=5, ge=1, le=5)


class Story(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: StoryId
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    as_a: Sentence
    i_want: Sentence
    so_that: Sentence
    acceptance: list[Sentence] = Field(min_length=1, max_length=40)
    data: StoryData = Field(default_factory=StoryData)
    tags: list[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]] = Field(
        default_factory=list
    )

    def summary(self) -> str:
        return f"As a {self.as_a}, I want {self.i_want}, so that {self.so_that}."

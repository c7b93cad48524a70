"""Errors of customer accounts, each with a stable code."""

from __future__ import annotations

from shop.errors import Conflict, Forbidden, InvalidInput, NotFound


def address_not_found(address_id: int) -> NotFound:
    # Another customer's address answers exactly like one that does not exist.
    return NotFound(f"address {address_id} does not exist", code="address_not_found")


def customer_not_found(customer_id: int) -> NotFound:
    return NotFound(f"customer {customer_id} does not exist", code="customer_not_found")


class WrongPassword(InvalidInput):
    code = "wrong_password"

    def __init__(self, field: str = "password") -> None:
        message = "the current password is not correct"
        super().__init__(message, errors=[{"field": field, "message": message}])


class TooManyAddresses(Conflict):
    code = "too_many_addresses"

    def __init__(self, limit: int) -> None:
        super().__init__(f"an account keeps at most {limit} addresses; delete one first")


class OpenOrders(Conflict):
    code = "open_orders"

    def __init__(self, numbers: list[str]) -> None:
        super().__init__(
            "the account has orders still being processed ("
            + ", ".join(numbers)
            + "); delete it once they have shipped, or cancel them first",
            orders=numbers,
        )


class StaffAccountDeletion(Forbidden):
    code = "staff_account_deletion"

    def __init__(self) -> None:
        super().__init__("staff accounts are removed by an administrator, not deleted here")

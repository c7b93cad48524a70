"""Customer accounts: the owner's profile, email, password and saved addresses; the staff's
list and detail of customers. Never commits.

Data export and account deletion are in `shop.customers.privacy`; password reset mails in
`shop.customers.recovery`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shop.auth import passwords
from shop.auth import service as auth_service
from shop.auth.errors import EmailTaken
from shop.customers import errors
from shop.customers import repository as repo
from shop.customers.repository import CustomerRow
from shop.customers.schemas import AddressIn, ProfileUpdate
from shop.kit.pagination import PageRequest
from shop.models.accounts import User
from shop.models.customers import Address
from shop.models.orders import Order
from shop.orders import service as orders_service
from shop.orders.repository import OrderFilters

MAX_ADDRESSES = 20
RECENT_ORDERS = 10


# Profile, email, password


async def get_profile(session: AsyncSession, user_id: int) -> User:
    """The signed-in customer (Unauthorized once the account is gone or disabled)."""
    return await auth_service.get_active_user(session, user_id)


async def update_profile(session: AsyncSession, user_id: int, data: ProfileUpdate) -> User:
    user = await get_profile(session, user_id)
    user.first_name = data.first_name
    user.last_name = data.last_name
    await session.flush()
    return user


async def _confirm_password(user: User, password: str, *, field: str = "password") -> None:
    if not await passwords.verify_password(user.password_hash, password):
        raise errors.WrongPassword(field)


async def change_email(session: AsyncSession, user_id: int, *, email: str, password: str) -> User:
    """Move the account to another address, confirmed by the current password."""
    user = await get_profile(session, user_id)
    address = auth_service.valid_email(email)
    await _confirm_password(user, password)
    if address == user.email:
        return user
    if await auth_service.get_user_by_email(session, address) is not None:
        raise EmailTaken(address)
    user.email = address
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:  # a concurrent registration took the address in between
        raise EmailTaken(address) from exc
    return user


async def change_password(
    session: AsyncSession, user_id: int, *, current_password: str, new_password: str
) -> User:
    """Replace the password after checking the current one; registration's rules apply. Every
    session of the account is revoked: the caller signs the current browser in again."""
    user = await get_profile(session, user_id)
    await _confirm_password(user, current_password, field="current_password")
    await auth_service.set_password(session, user, new_password)
    return user


# Addresses


async def list_addresses(session: AsyncSession, user_id: int) -> list[Address]:
    """The default first, then the newest."""
    return await repo.list_addresses(session, user_id)


async def get_address(session: AsyncSession, user_id: int, address_id: int) -> Address:
    address = await repo.get_address(session, user_id=user_id, address_id=address_id)
    if address is None:
        raise errors.address_not_found(address_id)
    return address


async def default_address(session: AsyncSession, user_id: int) -> Address | None:
    """For pre-filling a checkout."""
    addresses = await repo.list_addresses(session, user_id)
    return next((address for address in addresses if address.is_default), None)


async def add_address(session: AsyncSession, user_id: int, data: AddressIn) -> Address:
    """Save an address; the first one (or one marked so) becomes the default."""
    count = await repo.count_addresses(session, user_id)
    if count >= MAX_ADDRESSES:
        raise errors.TooManyAddresses(MAX_ADDRESSES)
    make_default = data.is_default or count == 0
    if make_default:
        await repo.clear_default(session, user_id)
    return await repo.insert_address(
        session, Address(user_id=user_id, is_default=make_default, **data.stored())
    )


async def update_address(
    session: AsyncSession, user_id: int, address_id: int, data: AddressIn
) -> Address:
    """Replace every field. Unticking the default keeps it: another address must take over."""
    address = await get_address(session, user_id, address_id)
    for name, value in data.stored().items():
        setattr(address, name, value)
    if data.is_default and not address.is_default:
        await repo.clear_default(session, user_id)
        address.is_default = True
    await session.flush()
    return address


async def set_default_address(session: AsyncSession, user_id: int, address_id: int) -> Address:
    address = await get_address(session, user_id, address_id)
    if not address.is_default:
        await repo.clear_default(session, user_id)
        address.is_default = True
        await session.flush()
    return address


async def delete_address(session: AsyncSession, user_id: int, address_id: int) -> None:
    """Deleting the default passes the flag to the newest remaining address."""
    address = await get_address(session, user_id, address_id)
    was_default = address.is_default
    await repo.delete_address(session, address)
    if was_default:
        remaining = await repo.list_addresses(session, user_id)
        if remaining:
            remaining[0].is_default = True
            await session.flush()


# Orders


async def order_history(
    session: AsyncSession, user_id: int, *, page: PageRequest
) -> orders_service.OrderPage:
    """The customer's orders, newest first, with their item counts."""
    return await orders_service.list_orders(session, OrderFilters(user_id=user_id), page)


# Customers as staff see them


@dataclass(frozen=True, slots=True)
class CustomerPage:
    items: list[CustomerRow]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class CustomerDetail:
    customer: CustomerRow
    addresses: list[Address]
    recent_orders: list[Order]  # newest first, at most RECENT_ORDERS, without lines


async def list_customers(
    session: AsyncSession, *, q: str | None = None, page: int = 1, page_size: int = 25
) -> CustomerPage:
    """Customer accounts (not staff), newest first, each with its order count and total spent
    (captured minus refunded, in the shop's currency). `q` matches part of the email or name.
    ValueError for a page below 1 or a page size outside 1..100."""
    request = PageRequest(page=page, page_size=page_size)
    query = (q or "").strip()[:254] or None
    rows, total = await repo.list_customers(
        session, q=query, offset=request.offset, limit=request.limit
    )
    return CustomerPage(items=rows, total=total, page=page, page_size=page_size)


async def get_customer(session: AsyncSession, customer_id: int) -> CustomerDetail:
    """One customer with order count, total spent, addresses and recent orders; NotFound
    (`customer_not_found`) for an unknown id or a staff account."""
    row = await repo.get_customer(session, customer_id)
    if row is None:
        raise errors.customer_not_found(customer_id)
    return CustomerDetail(
        customer=row,
        addresses=await repo.list_addresses(session, customer_id),
        recent_orders=await repo.recent_orders(session, customer_id, limit=RECENT_ORDERS),
    )

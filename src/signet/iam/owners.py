"""Resolving whose keys and certificates a call addresses.

When ``UserName`` is omitted, the call addresses the principal that signed it: an IAM
user's own keys and certificates, or the root's. The root has no user name; where a
response needs one, Signet shows the account id.
"""

from __future__ import annotations

from dataclasses import dataclass

from signet.auth.principals import Caller
from signet.errors import NoSuchEntity
from signet.store.base import Transaction
from signet.store.records import User


@dataclass(frozen=True, slots=True)
class Owner:
    """A holder of access keys and signing certificates."""

    owner_id: str
    display_name: str
    user: User | None


def resolve(tx: Transaction, caller: Caller, user_name: str | None) -> Owner:
    """The named user of the caller's account, or the caller when no name is given."""
    if user_name is None:
        if caller.user is None:
            return Owner(caller.account_id, caller.account_id, None)
        user = tx.get_user_by_id(caller.user.user_id)
        if user is None:
            raise no_such_user(caller.user.user_name)
        return Owner(user.user_id, user.user_name, user)

    user = find_user(tx, caller.account_id, user_name)
    return Owner(user.user_id, user.user_name, user)


def find_user(tx: Transaction, account_id: str, user_name: str) -> User:
    """A user of the account by name (regardless of case), or NoSuchEntity."""
    user = tx.get_user(account_id, user_name)
    if user is None:
        raise no_such_user(user_name)
    return user


def display_name(tx: Transaction, account_id: str, owner_id: str) -> str:
    """The user name shown for an owner id: the user's name, or the account id for root."""
    if owner_id == account_id:
        return account_id
    user = tx.get_user_by_id(owner_id)
    return account_id if user is None else user.user_name


def no_such_user(user_name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The user with name {user_name} cannot be found.")

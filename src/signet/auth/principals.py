"""Who is calling: the principal behind the access key that signed a request."""

from __future__ import annotations

from dataclasses import dataclass

from signet.store.records import User


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller: an account's root, or one of its IAM users."""

    account_id: str
    access_key_id: str
    user: User | None = None

    @property
    def is_root(self) -> bool:
        return self.user is None

    @property
    def arn(self) -> str:
        if self.user is None:
            return f"arn:aws:iam::{self.account_id}:root"
        return self.user.arn

    @property
    def user_id(self) -> str:
        """The caller's unique id: the user's ``AIDA…`` id, or the account id for root."""
        return self.account_id if self.user is None else self.user.user_id

    @property
    def owner_id(self) -> str:
        """Whose keys and certificates a call without ``UserName`` addresses."""
        return self.user_id

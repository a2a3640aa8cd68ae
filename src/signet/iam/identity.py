"""STS GetCallerIdentity: who signed this request. Every authenticated caller may ask."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signet.iam.context import Context


def get_caller_identity(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    caller = ctx.caller
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}

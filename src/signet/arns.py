"""Reading the ARNs clients pass in."""

from __future__ import annotations

import re
from dataclasses import dataclass

_POLICY_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}|aws):policy(?P<path>/(?:.*/)?)(?P<name>[^/]+)"
)


@dataclass(frozen=True, slots=True)
class PolicyArn:
    account: str
    path: str
    name: str


def parse_policy_arn(arn: str) -> PolicyArn | None:
    """The parts of a managed policy's ARN, or None when it is not one."""
    match = _POLICY_ARN.fullmatch(arn)
    if match is None:
        return None
    return PolicyArn(match["account"], match["path"], match["name"])

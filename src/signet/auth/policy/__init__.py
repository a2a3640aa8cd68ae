"""The IAM policy language: documents parsed and validated as IAM does, and evaluated.

:func:`parse_policy` turns a JSON policy into a compiled :class:`PolicyDocument` (or raises
``MalformedPolicyDocument``); :func:`evaluate` decides a :class:`RequestContext` against
named documents; :func:`policy_size` measures a document as IAM's size quotas count it.
"""

from __future__ import annotations

from signet.auth.policy.document import PolicyDocument, Statement, parse_policy, policy_size
from signet.auth.policy.evaluate import Decision, Evaluation, RequestContext, evaluate

__all__ = [
    "Decision",
    "Evaluation",
    "PolicyDocument",
    "RequestContext",
    "Statement",
    "evaluate",
    "parse_policy",
    "policy_size",
]

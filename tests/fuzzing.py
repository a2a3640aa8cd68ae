"""How many examples each property-based test tries.

Each test names its own default; ``SIGNET_FUZZ_EXAMPLES`` raises every one of them at
once, for a longer run by hand: ``SIGNET_FUZZ_EXAMPLES=5000 make unit``.
"""

from __future__ import annotations

import os


def examples(default: int) -> int:
    return max(default, int(os.environ.get("SIGNET_FUZZ_EXAMPLES") or 0))

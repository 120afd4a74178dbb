"""API tokens: random, shown once, stored only as a sha256 hash.

>>> token = new_token()
>>> token.startswith(TOKEN_PREFIX), len(token_hash(token))
(True, 64)
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "cal_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

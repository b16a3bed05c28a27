"""Failed sign-ins counted per username and per address, in a store every worker shares.

Only failures count, so an advisor who signs in correctly is never slowed down. The
store is ``memory://`` for one process (development, tests) and Redis in production,
where several gunicorn workers and servers must see the same counts.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds


class LoginThrottle:
    """Counts failed sign-ins and says when a user or an address must wait."""

    def __init__(self, storage_url: str, per_user: str, per_address: str):
        self.storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_user = parse(per_user)
        self.per_address = parse(per_address)

    def _keys(self, username: str, address: str):
        return (
            (self.per_user, "login-user", username),
            (self.per_address, "login-addr", address),
        )

    def check(self, username: str, address: str) -> Verdict:
        """May this username, from this address, try a password now?"""
        wait = 0
        for limit, scope, key in self._keys(username, address):
            if not self.limiter.test(limit, scope, key):
                reset_at, _remaining = self.limiter.get_window_stats(limit, scope, key)
                wait = max(wait, math.ceil(reset_at - time.time()), 1)
        return Verdict(allowed=wait == 0, retry_after=wait)

    def record_failure(self, username: str, address: str) -> None:
        for limit, scope, key in self._keys(username, address):
            self.limiter.hit(limit, scope, key)

    def forget_user(self, username: str) -> None:
        """A successful sign-in clears the user's count (not the address's)."""
        self.limiter.clear(self.per_user, "login-user", username)


def init_app(app) -> None:
    app.extensions["login_throttle"] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URL"],
        app.config["LOGIN_LIMIT_PER_USER"],
        app.config["LOGIN_LIMIT_PER_ADDRESS"],
    )

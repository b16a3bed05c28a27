"""Sign-in limits, in a store every worker shares (``memory://`` for one process, Redis across
workers and servers).

Usernames are predictable (``conseiller.bourail``), so a limit per username alone let anyone lock
any advisor out. A try is therefore counted per (username, address) pair, which locks only the
address trying; per address, across usernames; and per username from everywhere, where it is not
a lock but a backoff: past a first few tries, one try per interval. An address where the user
signed in before is spared that backoff and the address's count (an agency's advisors share
one), so an attack spread over many addresses slows the attacker but not the advisor on the
agency's tablet; the pair's limit still holds there.

Each try takes its place in every window before the password is checked, in one atomic step of
the store (a lock in memory, a Lua script in Redis): parallel tries cannot all pass a check made
before any of them was counted. A successful sign-in gives the pair its tries back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

# How long an address stays known after a sign-in: longer than a session (30 days), which is
# how often a tablet that stays signed in comes back to this page.
KNOWN_ADDRESS_SECONDS = 90 * 24 * 3600


@dataclass
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds


class LoginThrottle:
    """Says whether a sign-in may be tried now, counting the try when it may."""

    def __init__(self, storage_url: str, per_user_address: str, per_address: str, per_user: str,
                 per_user_backoff: str):
        self.storage = storage_from_string(storage_url)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_user_address = parse(per_user_address)
        self.per_address = parse(per_address)
        self.per_user = parse(per_user)
        self.per_user_backoff = parse(per_user_backoff)

    def _refused(self, limit, *identifiers: str) -> Verdict:
        reset_at, _remaining = self.limiter.get_window_stats(limit, *identifiers)
        return Verdict(False, max(math.ceil(reset_at - time.time()), 1))

    def _known_key(self, username: str, address: str) -> str:
        return f"login-known/{username}/{address}"

    def attempt(self, username: str, address: str) -> Verdict:
        """May this username, from this address, try a password now? If so the try is counted."""
        known = bool(self.storage.get(self._known_key(username, address)))
        if not known and not self.limiter.hit(self.per_address, "login-addr", address):
            return self._refused(self.per_address, "login-addr", address)
        if not self.limiter.hit(self.per_user_address, "login-pair", username, address):
            return self._refused(self.per_user_address, "login-pair", username, address)
        if known:
            return Verdict(True)
        if self.limiter.hit(self.per_user, "login-user", username):
            return Verdict(True)
        if self.limiter.hit(self.per_user_backoff, "login-backoff", username):
            return Verdict(True)
        return self._refused(self.per_user_backoff, "login-backoff", username)

    def succeeded(self, username: str, address: str) -> None:
        """The pair's count starts again, and the address is known for this user."""
        self.limiter.clear(self.per_user_address, "login-pair", username, address)
        self.storage.incr(self._known_key(username, address), KNOWN_ADDRESS_SECONDS)


def init_app(app) -> None:
    app.extensions["login_throttle"] = LoginThrottle(
        app.config["RATELIMIT_STORAGE_URL"],
        app.config["LOGIN_LIMIT_PER_USER_ADDRESS"],
        app.config["LOGIN_LIMIT_PER_ADDRESS"],
        app.config["LOGIN_LIMIT_PER_USER"],
        app.config["LOGIN_BACKOFF_PER_USER"],
    )

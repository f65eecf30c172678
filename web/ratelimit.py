"""Per-client rate limiting: a token bucket per address, answering 429 with Retry-After when empty.

Off unless Settings.rate_limit_per_minute (CLOUT_RATE_LIMIT) is set; loopback clients are exempt
unless Settings.rate_limit_loopback (CLOUT_RATE_LIMIT_LOOPBACK=1), so a person on their own machine
is never throttled.
"""
from __future__ import annotations

import ipaddress
import math
import threading
import time

from flask import Flask, g, request

from .errors import error

# Buckets of clients not seen for this long are forgotten, so the table cannot grow without bound.
IDLE_SECONDS = 600


class TokenBuckets:
    """`per_minute` requests a minute per key, with bursts of up to `burst`."""

    def __init__(self, per_minute: int, burst: int | None = None, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(burst or max(1, per_minute // 6))
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._swept = clock()

    def take(self, key: str) -> float:
        """0 if the request may go ahead, else the seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if now - self._swept > IDLE_SECONDS:
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < IDLE_SECONDS}
                self._swept = now
        return wait


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def install(app: Flask, settings) -> None:
    """Limit every request but static files to settings.rate_limit_per_minute per client address; a request
    with an API key (web/access.py, which runs first) counts against that key instead, at its own rate if it has one."""
    per_minute, limit_loopback = settings.rate_limit_per_minute, settings.rate_limit_loopback
    limiters: dict[int, TokenBuckets] = {}
    lock = threading.Lock()

    def buckets(rate: int) -> TokenBuckets:
        with lock:
            return limiters.setdefault(rate, TokenBuckets(rate))

    @app.before_request
    def _limit():
        if request.endpoint == "static":
            return None
        key = g.get("api_key")
        if key is not None and (key.rate_limit or per_minute) > 0:
            rate, bucket, who = key.rate_limit or per_minute, "key " + key.name, f"with the key {key.name!r}"
        else:
            client = request.remote_addr or ""
            if per_minute <= 0 or (not limit_loopback and _is_loopback(client)):
                return None
            rate, bucket, who = per_minute, client, f"from {client}"
        wait = buckets(rate).take(bucket)
        if wait <= 0:
            return None
        response = error(429, f"too many requests {who}; "
                         f"the limit is {rate} a minute, try again in {math.ceil(wait)} s")
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response

"""API keys: who may search (scope `search`) and who may also read analytics and start a sync (`admin`).

A key is a random 32-byte token shown once; the store keeps only its SHA-256, and a presented token
is checked by hashing it, one indexed lookup and a constant-time comparison. Nothing is cached, so
a revocation counts from the very next request, also in a server that is already running.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
import urllib.parse
from dataclasses import dataclass

from clout.errors import CloutError

from .store import KeyRow, Store

SCOPES = ("search", "admin")
PREFIXES = {"search": "clout_sk_", "admin": "clout_ak_"}
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class AccessKeyError(CloutError):
    """A key cannot be created, found or revoked as asked; the message says which and why."""


@dataclass(frozen=True)
class ApiKey:
    """A key as the rest of Clout sees it: never its token, never its hash."""

    name: str
    scope: str
    origins: tuple[str, ...] = ()
    rate_limit: int = 0
    created_at: float = 0.0
    expires_at: float | None = None
    revoked_at: float | None = None

    @property
    def is_admin(self) -> bool:
        return self.scope == "admin"

    def in_force(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def status(self, now: float | None = None) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "active" if self.in_force(now) else "expired"


def _key(row: KeyRow) -> ApiKey:
    return ApiKey(row.name, row.scope, row.origins, row.rate_limit, row.created_at, row.expires_at, row.revoked_at)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def normalise_origin(value: str) -> str:
    """scheme://host[:port] as a browser sends it in Origin; AccessKeyError for anything else."""
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise AccessKeyError(f"--origin {value!r} is not an origin like https://intranet.example.com")
    port = f":{parts.port}" if parts.port and parts.port != {"http": 80, "https": 443}[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def parse_expiry(value: str, now: float | None = None) -> float:
    """A date (the key works to the end of that day, UTC) or an ISO date and time; must lie ahead."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            moment = dt.datetime.fromisoformat(value.strip()).replace(tzinfo=dt.timezone.utc) + dt.timedelta(days=1)
        else:
            moment = dt.datetime.fromisoformat(value.strip())
            moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise AccessKeyError(f"--expires {value!r} is not a date like 2026-12-31") from None
    if moment.timestamp() <= (time.time() if now is None else now):
        raise AccessKeyError(f"--expires {value!r} has already passed")
    return moment.timestamp()


class Keys:
    """The keys of one store."""

    def __init__(self, store: Store):
        self.store = store

    def create(self, name: str, scope: str, origins=(), expires: str = "", rate_limit: int = 0) -> tuple[ApiKey, str]:
        """A new key and its token (the only time the token exists outside the caller's hands)."""
        if not NAME.match(name or ""):
            raise AccessKeyError(f"key name {name[:80]!r} must be 1-64 letters, digits, '.', '_' or '-'")
        if scope not in SCOPES:
            raise AccessKeyError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        if self.store.key_named(name) is not None:
            raise AccessKeyError(f"there is already a key named {name!r} (`clout keys list`); choose another name")
        bound = tuple(dict.fromkeys(normalise_origin(o) for o in origins))
        expires_at = parse_expiry(expires) if expires else None
        token = PREFIXES[scope] + secrets.token_urlsafe(32)
        self.store.insert_key(name, scope, digest(token), bound, max(0, int(rate_limit)), expires_at)
        return _key(self.store.key_named(name)), token

    def all(self) -> list[ApiKey]:
        return [_key(row) for row in self.store.all_keys()]

    def named(self, name: str) -> ApiKey | None:
        row = self.store.key_named(name)
        return _key(row) if row else None

    def revoke(self, name: str) -> None:
        if not self.store.revoke_key(name):
            row = self.store.key_named(name)
            raise AccessKeyError(f"the key {name!r} is already revoked" if row else f"there is no key named {name!r}")

    def check(self, token: str) -> ApiKey | None:
        """The key this token is, if it is in force now; None for anything else (unknown, revoked, expired)."""
        if not token or len(token) > 200:
            return None
        wanted = digest(token)
        row = self.store.key_by_digest(wanted)
        if row is None or not hmac.compare_digest(row.digest, wanted):
            return None
        key = _key(row)
        return key if key.in_force() else None

    def bound_origins(self) -> set[str]:
        return self.store.key_origins()

    @property
    def required(self) -> bool:
        return self.store.access_required()

    def require(self, required: bool) -> None:
        self.store.set_access_required(required)

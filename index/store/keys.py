"""The keys table: API keys as their hashes, scopes, origins, expiry and revocation."""
from __future__ import annotations

import time
from dataclasses import dataclass


@dataclass(frozen=True)
class KeyRow:
    name: str
    scope: str
    digest: str
    origins: tuple[str, ...]
    rate_limit: int
    created_at: float
    expires_at: float | None
    revoked_at: float | None


_SELECT = "SELECT name, scope, digest, origins, rate_limit, created_at, expires_at, revoked_at FROM keys"


def _row(row) -> KeyRow:
    return KeyRow(row[0], row[1], row[2], tuple(row[3].split()), row[4], row[5], row[6], row[7])


class KeyTables:
    """A mixin of Store (uses self.db, self.transaction); `index.keys.Keys` decides what a key may do."""

    def insert_key(self, name: str, scope: str, digest: str, origins: tuple[str, ...], rate_limit: int,
                   expires_at: float | None) -> None:
        with self.transaction(bump=False) as db:
            db.execute(
                "INSERT INTO keys (name, scope, digest, origins, rate_limit, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, scope, digest, " ".join(origins), rate_limit, time.time(), expires_at),
            )

    def key_named(self, name: str) -> KeyRow | None:
        row = self.db.execute(_SELECT + " WHERE name = ?", (name,)).fetchone()
        return _row(row) if row else None

    def key_by_digest(self, digest: str) -> KeyRow | None:
        """One indexed lookup; read on every request, so a revocation counts from the next one."""
        row = self.db.execute(_SELECT + " WHERE digest = ?", (digest,)).fetchone()
        return _row(row) if row else None

    def all_keys(self) -> list[KeyRow]:
        return [_row(r) for r in self.db.execute(_SELECT + " ORDER BY created_at, name")]

    def revoke_key(self, name: str) -> bool:
        """Mark the key revoked (kept, so `clout keys list` still shows it); False if there is none to revoke."""
        with self.transaction(bump=False) as db:
            cursor = db.execute("UPDATE keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", (time.time(), name))
        return cursor.rowcount > 0

    def key_origins(self) -> set[str]:
        """The origins any key still in force is bound to (for answering browsers' CORS preflights)."""
        now = time.time()
        rows = self.db.execute(
            "SELECT origins FROM keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) AND origins != ''",
            (now,),
        )
        return {origin for (origins,) in rows for origin in origins.split()}

    def access_required(self) -> bool:
        """Whether this data directory's server asks every search for a key (`clout keys require on`)."""
        return self.get_meta("require_key") == "1"

    def set_access_required(self, required: bool) -> None:
        with self.transaction(bump=False) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('require_key', ?)", ("1" if required else "0",))

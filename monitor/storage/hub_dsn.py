"""The clinic database's connection string as people may see it: never with its password.

A DSN may carry a password (`password=…` or `postgresql://user:secret@host/db`); what the program prints or logs
is the masked form. TLS is the DSN's own business: `sslmode` (and sslrootcert, …) pass through to libpq unchanged.
"""

from __future__ import annotations

MASK = "***"


def masked(dsn: str) -> str:
    """`dsn` with its password replaced by ***; a DSN that cannot be parsed is hidden whole (it may hold one)."""
    from psycopg import ProgrammingError, conninfo

    try:
        params = conninfo.conninfo_to_dict(dsn)
    except ProgrammingError:  # a malformed DSN is shown as nothing rather than risk its secret
        return "<a connection string that could not be read>"
    if params.get("password"):
        params["password"] = MASK
    return conninfo.make_conninfo(**params)

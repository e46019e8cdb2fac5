"""``python -m piaops.dbcheck URL``: exit 0 when a PostgreSQL server answers at URL (its database may not exist)."""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import psycopg


def answers(url: str) -> bool:
    parsed = urlparse(url)
    admin_url = parsed._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(admin_url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


if __name__ == "__main__":
    sys.exit(0 if answers(sys.argv[1]) else 1)

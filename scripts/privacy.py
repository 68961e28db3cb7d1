"""Personal information in stored conversations (Quebec's Law 25): export, delete, purge.

Rasa keeps every conversation as rows of its `events` table (SQLite or PostgreSQL, the store
named by TRACKER_STORE_URL). A conversation is identified by its sender id: the REST `sender`,
or the widget's session id.

    python -m scripts.privacy export SENDER [--out FILE]   # everything stored, as JSON
    python -m scripts.privacy delete SENDER                 # forget one person's conversation
    python -m scripts.privacy purge [--days N] [--dry-run]  # forget conversations idle > N days

The retention period is RETENTION_DAYS (default 90): a conversation whose last event is older
is deleted whole, so that no conversation is left cut in the middle. Run `purge` daily (the
Kubernetes CronJob in deploy/k8s/ does).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from typing import Any

import sqlalchemy as sa

from scripts.conversations import tracker_store_url

DEFAULT_RETENTION_DAYS = 90


def engine_for(url: str | None = None) -> sa.engine.Engine:
    """The tracker store's database: `url`, else TRACKER_STORE_URL, else SQLite rasa.db."""
    return sa.create_engine(tracker_store_url(url))


def _has_events(engine: sa.engine.Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def export(engine: sa.engine.Engine, sender: str) -> dict[str, Any]:
    """All that is stored about `sender`, in the order it happened."""
    events: list[Any] = []
    if _has_events(engine):
        query = sa.text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id")
        with engine.connect() as connection:
            events = [json.loads(data) for (data,) in connection.execute(query, {"sender": sender})]
    return {
        "sender_id": sender,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "events": events,
    }


def delete(engine: sa.engine.Engine, sender: str) -> int:
    """Delete every event of `sender`; returns how many there were."""
    if not _has_events(engine):
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :sender"), {"sender": sender}
        )
    return result.rowcount


def expired(engine: sa.engine.Engine, days: float, now: float | None = None) -> list[str]:
    """Senders whose last event is older than `days`."""
    if not _has_events(engine):
        return []
    cutoff = (now if now is not None else time.time()) - days * 86400
    query = sa.text(
        "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
    )
    with engine.connect() as connection:
        return [sender for (sender,) in connection.execute(query, {"cutoff": cutoff})]


def purge(engine: sa.engine.Engine, days: float, now: float | None = None) -> tuple[int, int]:
    """Delete the conversations idle for more than `days`: (conversations, events) deleted."""
    senders = expired(engine, days, now)
    events = 0
    statement = sa.text("DELETE FROM events WHERE sender_id IN :senders").bindparams(
        sa.bindparam("senders", expanding=True)
    )
    with engine.begin() as connection:
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            events += connection.execute(statement, {"senders": chunk}).rowcount
    return len(senders), events


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="SQLAlchemy URL of the store (default: $TRACKER_STORE_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    export_parser = commands.add_parser("export", help="write one conversation as JSON")
    export_parser.add_argument("sender")
    export_parser.add_argument("--out", help="file to write (default: standard output)")
    delete_parser = commands.add_parser("delete", help="delete one conversation")
    delete_parser.add_argument("sender")
    purge_parser = commands.add_parser("purge", help="delete conversations past retention")
    purge_parser.add_argument(
        "--days",
        type=float,
        default=float(os.environ.get("RETENTION_DAYS") or DEFAULT_RETENTION_DAYS),
    )
    purge_parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)

    if getattr(args, "sender", "x") == "":
        parser.error("the sender id is empty")
    engine = engine_for(args.url)
    if args.command == "export":
        document = json.dumps(export(engine, args.sender), ensure_ascii=False, indent=2)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as out:
                out.write(document + "\n")
            print(f"Wrote the conversation of {args.sender!r} to {args.out}.", file=sys.stderr)
        else:
            print(document)
    elif args.command == "delete":
        count = delete(engine, args.sender)
        print(f"Deleted {count} events of {args.sender!r}.")
    elif args.dry_run:
        senders = expired(engine, args.days)
        print(f"{len(senders)} conversations are idle for more than {args.days:g} days.")
    else:
        conversations, events = purge(engine, args.days)
        print(
            f"Deleted {conversations} conversations ({events} events) idle for more than "
            f"{args.days:g} days."
        )
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

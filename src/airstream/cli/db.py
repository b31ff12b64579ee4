"""``airstream db``: create, upgrade, check and reset the metadata database, as in Airflow."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from airstream.config import load_settings
from airstream.store import MetadataStore, StoreError, open_store, schema
from airstream.store.engine import create_store_engine

CommandFunction = Callable[[argparse.Namespace], int]

DESCRIPTION = """\
Manage the metadata database: AIRSTREAM_DATABASE_URL (or [database] url), by default SQLite
at AIRSTREAM_HOME/airstream.db.

  airstream db migrate       create the tables, or upgrade them to this version (idempotent)
  airstream db check         can we connect, and is the schema up to date? (exit 1 if not)
  airstream db reset --yes   drop airstream's tables and create them again, empty
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``db`` and its actions to the ``airstream`` parser."""
    parser = subparsers.add_parser(
        "db",
        help="create, upgrade, check and reset the metadata database",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    migrate = actions.add_parser(
        "migrate", help="create or upgrade the schema", description="Create or upgrade the schema."
    )
    migrate.add_argument(
        "--to-revision", "-r", default="head", metavar="REV", help="revision (default: newest)"
    )
    migrate.set_defaults(func=store_command(migrate_command))
    check = actions.add_parser(
        "check",
        help="check the connection and the schema version",
        description="Connect to the database; exit 1 if that fails or the schema is not current.",
    )
    check.set_defaults(func=check_command)
    reset = actions.add_parser(
        "reset",
        help="drop airstream's tables and recreate them",
        description="Drop airstream's tables (and nothing else) and recreate them, empty.",
    )
    reset.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    reset.add_argument(
        "--skip-init", "-s", action="store_true", help="only drop the tables, do not recreate them"
    )
    reset.set_defaults(func=store_command(reset_command))


def _database_url() -> str:
    return load_settings().database_url


def open_configured_store() -> MetadataStore:
    """The store at the configured URL, its schema brought up to date first."""
    return open_store(_database_url())


def store_command(func: CommandFunction) -> CommandFunction:
    """Wrap a command so a database failure is one line on stderr and exit status 1."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except StoreError as exc:
            print(f"error: {exc}", file=sys.stderr)
        except (sa.exc.SQLAlchemyError, ImportError) as exc:
            print(f"error: database {_shown(_database_url())}: {_reason(exc)}", file=sys.stderr)
        return 1

    return run


def _shown(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(invalid URL)"


def _reason(exc: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy adds the statement and a link)."""
    cause = exc.orig if isinstance(exc, sa.exc.DBAPIError) and exc.orig else exc
    return (str(cause).strip() or type(cause).__name__).splitlines()[0]


def migrate_command(args: argparse.Namespace) -> int:
    url = _database_url()
    engine = create_store_engine(url)
    try:
        status = schema.upgrade(engine, args.to_revision)
    finally:
        engine.dispose()
    print(f"Database {_shown(url)} is at revision {status.current} (newest: {status.head}).")
    return 0


def check_command(args: argparse.Namespace) -> int:
    url = _database_url()
    try:
        engine = create_store_engine(url)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        print(f"error: cannot connect to {_shown(url)}: {_reason(exc)}", file=sys.stderr)
        return 1
    try:
        status = schema.schema_status(engine)
        differences = schema.differences(engine) if status.up_to_date else []
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: cannot connect to {_shown(url)}: {_reason(exc)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"Connection to {_shown(url)} successful.")
    if not status.up_to_date:
        current = status.current or "no schema"
        print(
            f"error: schema is at {current}, needs {status.head}: run `airstream db migrate`",
            file=sys.stderr,
        )
        return 1
    if differences:
        print("error: schema differs from airstream's tables:", file=sys.stderr)
        for difference in differences:
            print(f"  {difference}", file=sys.stderr)
        return 1
    print(f"Schema is up to date (revision {status.current}).")
    return 0


def reset_command(args: argparse.Namespace) -> int:
    url = _database_url()
    if not args.yes and not _confirm(f"This drops every airstream table in {_shown(url)}."):
        print("Reset cancelled.", file=sys.stderr)
        return 1
    engine = create_store_engine(url)
    try:
        schema.drop_all(engine)
        if not args.skip_init:
            schema.upgrade(engine)
    finally:
        engine.dispose()
    print(f"Database {_shown(url)} reset.")
    return 0


def _confirm(warning: str) -> bool:
    if not sys.stdin.isatty():
        print(f"{warning} Pass --yes to confirm.", file=sys.stderr)
        return False
    answer = input(f"{warning} Proceed? (y/n) ")
    return answer.strip().lower() in ("y", "yes")

"""The embedded store: one SQL table per sheet, through SQLAlchemy Core.

SQLite by default (a file under `data/`); a PostgreSQL URL serves a bigger deployment with the
same code, and several wards share one PostgreSQL database with a schema each, named in the
URL's fragment: `postgresql://user:password@host/danvan#schema=ward_a`. Writes are transactions
that carry their audit rows.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from services.choices import AuditAction
from services.coltypes import Timestamp
from services.schema import ID, SHEETS, Record, Sheet
from services.store.base import (
    BackendUnavailable,
    DuplicateError,
    Store,
    Update,
    Written,
    audit_record,
    changed_columns,
    conflict,
    duplicates,
    edit_action,
    not_found,
    with_ids,
)
from services.validation import RawTable, Table, validate_table

_SQL_TYPES: dict[str, Any] = {
    "text": sa.Text,
    "float": sa.Float,
    "integer": sa.Integer,
    "date": sa.Date,
    "boolean": sa.Boolean,
}
SEQ = "seq"  # insertion order, so rows come back as people entered them
# PostgreSQL names the schema itself; only plain lower-case names, so one is never read as SQL.
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


class DatabaseUrl:
    """A store's `DANVAN_DB_URL`: the SQLAlchemy URL and the schema its fragment names."""

    def __init__(self, url: str) -> None:
        address, _, fragment = url.partition("#")
        scheme, sep, rest = address.partition("://")
        self.address = f"{_DRIVERS.get(scheme, scheme)}{sep}{rest}"
        self.schema: str | None = None
        if fragment:
            key, _, value = fragment.partition("=")
            if key != "schema" or not _SCHEMA_NAME.fullmatch(value):
                raise BackendUnavailable(
                    f"DANVAN_DB_URL: phần sau dấu # phải có dạng “schema=ten_phuong” (chữ thường "
                    f"không dấu, số, gạch dưới); đang là “{fragment}”.")
            self.schema = value
        try:
            self.sa_url = sa.make_url(self.address)
        except sa.exc.ArgumentError as err:
            raise BackendUnavailable("DANVAN_DB_URL không phải một địa chỉ cơ sở dữ liệu hợp lệ."
                                     ) from err
        if self.schema and self.sa_url.get_backend_name() != "postgresql":
            raise BackendUnavailable("DANVAN_DB_URL: “#schema=…” chỉ dùng được với PostgreSQL.")

    def __str__(self) -> str:
        """Say where the data lives, the password hidden."""
        shown = self.sa_url.render_as_string(hide_password=True)
        return f"{shown}#schema={self.schema}" if self.schema else shown


def _metadata(schema: str | None = None) -> tuple[sa.MetaData, dict[str, sa.Table]]:
    metadata = sa.MetaData(schema=schema)
    tables = {}
    for sheet in SHEETS.values():
        columns = [sa.Column(SEQ, sa.Integer, primary_key=True, autoincrement=True)]
        for column in sheet.columns:
            if column.key == ID:
                columns.append(sa.Column(ID, sa.String(40), nullable=False, unique=True))
            else:
                columns.append(sa.Column(column.key, _SQL_TYPES[column.type.sql]()))
        tables[sheet.key] = sa.Table(sheet.key, metadata, *columns)
    return metadata, tables


def _to_db(sheet: Sheet, record: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for column in sheet.columns:
        value = record.get(column.key)
        if isinstance(column.type, Timestamp) and isinstance(value, datetime):
            value = column.type.to_cell(value)
        elif isinstance(value, str):
            value = str(value)  # StrEnum members become plain text
        out[column.key] = value
    return out


class SqlStore(Store):
    """Sheets as SQL tables; the default embedded backend."""

    backend: ClassVar[str] = "local"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.address = DatabaseUrl(url)
        self.schema = self.address.schema
        if self.address.address.startswith("sqlite:///"):
            Path(self.address.address.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True)
        self.engine = _engine(self.address.address)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.metadata, self.tables = _metadata(self.schema)
        try:
            with self._write() as conn:
                if self.schema and not sa.inspect(conn).has_schema(self.schema):
                    conn.execute(sa.schema.CreateSchema(self.schema))
                self.metadata.create_all(conn)
                self._add_new_columns(conn)
        except (SQLAlchemyError, BackendUnavailable) as err:
            raise BackendUnavailable(
                "Không mở được cơ sở dữ liệu của ứng dụng. Kiểm tra cấu hình DANVAN_DB_URL."
            ) from err

    def _add_new_columns(self, conn: Connection) -> None:
        """Add columns declared since the database was created (adding a column is one edit)."""
        inspector = sa.inspect(conn)
        quote = conn.dialect.identifier_preparer
        for key, table in self.tables.items():
            existing = {c["name"] for c in inspector.get_columns(key, schema=self.schema)}
            for column in table.columns:
                if column.name not in existing:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(sa.text(f"ALTER TABLE {quote.format_table(table)} ADD COLUMN "
                                         f"{quote.format_column(column)} {kind}"))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        try:
            with self.engine.connect().execution_options(immediate=True) as conn, conn.begin():
                yield conn
        except OperationalError as err:
            raise BackendUnavailable(
                "Cơ sở dữ liệu đang bận hoặc không ghi được; chưa lưu gì. Hãy thử lại."
            ) from err

    def _read(self) -> Connection:
        """Open a connection whose reads all see one moment of the data."""
        conn = self.engine.connect()
        if self.postgres:
            # SQLite's read transaction is one snapshot already; PostgreSQL's default gives each
            # statement its own, and a snapshot read table by table must not mix two moments.
            conn.execution_options(isolation_level="REPEATABLE READ")
        return conn

    def _queue(self, conn: Connection, keys: Iterable[str]) -> None:
        """Make the writers of these sheets wait for each other until this transaction ends.

        A write that checks the table before writing (an id already stored, a name taken) must
        not run beside another doing the same, or both would pass. SQLite's BEGIN IMMEDIATE
        already lets one writer at a time; PostgreSQL locks the tables, always in the same
        order so that two writers cannot deadlock. Readers are never blocked.
        """
        if self.postgres:
            quote = conn.dialect.identifier_preparer
            for key in sorted(set(keys)):
                conn.execute(sa.text(f"LOCK TABLE {quote.format_table(self.tables[key])} "
                                     "IN SHARE ROW EXCLUSIVE MODE"))

    def _raw(self, conn: Connection, key: str, *, newest: int | None = None,
             skip: int = 0) -> RawTable:
        sheet, table = SHEETS[key], self.tables[key]
        query = sa.select(*[table.c[k] for k in sheet.keys])
        if newest is None:
            query = query.order_by(table.c[SEQ])
        else:
            query = query.order_by(table.c[SEQ].desc()).limit(newest).offset(skip)
        return RawTable(sheet.headers, [list(r) for r in conn.execute(query).all()])

    def read(self) -> dict[str, RawTable]:
        """Read the snapshot's tables in one transaction."""
        try:
            with self._read() as conn:
                return {key: self._raw(conn, key) for key, sheet in SHEETS.items()
                        if sheet.in_snapshot}
        except OperationalError as err:
            raise BackendUnavailable("Không đọc được cơ sở dữ liệu; hãy thử lại.") from err

    def read_sheet(self, sheet_key: str) -> Table:
        """Read one table now, validated on its own."""
        try:
            with self.engine.connect() as conn:
                return validate_table(SHEETS[sheet_key], self._raw(conn, sheet_key))
        except OperationalError as err:
            raise BackendUnavailable("Không đọc được cơ sở dữ liệu; hãy thử lại.") from err

    def recent(self, sheet_key: str, limit: int, skip: int = 0) -> tuple[list[Record], bool]:
        """Return a page of the table, the last inserted first."""
        try:
            with self.engine.connect() as conn:
                raw = self._raw(conn, sheet_key, newest=limit + 1, skip=skip)
        except OperationalError as err:
            raise BackendUnavailable("Không đọc được cơ sở dữ liệu; hãy thử lại.") from err
        table = validate_table(SHEETS[sheet_key], RawTable(raw.header, raw.rows[:limit]))
        return table.records, len(raw.rows) > limit

    def _insert(self, conn: Connection, sheet: Sheet, records: Sequence[Mapping[str, Any]]) -> None:
        if records:
            conn.execute(self.tables[sheet.key].insert(), [_to_db(sheet, r) for r in records])

    def _duplicates(self, conn: Connection, sheet: Sheet, written: Sequence[Record],
                    touched: set[str] | None = None) -> DuplicateError | None:
        """Check unique values against the table inside the write's transaction."""
        if not any(c.unique and c.key != ID and (touched is None or c.key in touched)
                   for c in sheet.columns):
            return None
        # Raw rows, not validated ones: validation leaves a duplicate out as an error row.
        stored = [dict(zip(sheet.keys, row, strict=True))
                  for row in self._raw(conn, sheet.key).rows]
        return duplicates(sheet, stored, written)

    def append(self, sheet_key: str, records: Sequence[Mapping[str, Any]], actor: str, *,
               audit: bool = True) -> list[Record]:
        """Insert the records and their audit rows in one transaction (ids already in: kept)."""
        sheet = SHEETS[sheet_key]
        table = self.tables[sheet_key]
        with self._write() as conn:
            self._queue(conn, [sheet_key])
            given = [str(r[ID]) for r in records if r.get(ID)]
            present = set()
            if given:
                present = {row[0] for row in conn.execute(
                    sa.select(table.c[ID]).where(table.c[ID].in_(given))).all()}
            stored = with_ids(sheet, records)
            new = [r for r in stored if r[ID] not in present]
            if new and (error := self._duplicates(conn, sheet, new)):
                raise error
            self._insert(conn, sheet, new)
            if audit:
                self._insert(conn, SHEETS["audit"], [
                    audit_record(AuditAction.THEM, sheet, r[ID], actor, None, r) for r in new])
            out = [r if r[ID] not in present else self._current(conn, sheet, r[ID])
                   for r in stored]
        self._written([Written(sheet_key, added=tuple(out))])
        return out

    def _current(self, conn: Connection, sheet: Sheet, record_id: str) -> Record:
        table = self.tables[sheet.key]
        row = conn.execute(
            sa.select(*[table.c[k] for k in sheet.keys]).where(table.c[ID] == record_id)
            .with_for_update()
        ).first()
        if row is None:
            raise not_found(sheet, record_id)
        record = dict(zip(sheet.keys, row, strict=True))
        for column in sheet.columns:
            if isinstance(column.type, Timestamp) and record[column.key]:
                record[column.key] = column.type.parse(record[column.key])
        return record

    def update_batch(self, batch: Mapping[str, Sequence[Update]], actor: str) -> dict[
        str, list[Record]
    ]:
        """Apply every update of every sheet in one transaction: one refusal, nothing written."""
        out: dict[str, list[Record]] = {}
        with self._write() as conn:
            self._queue(conn, batch)
            for sheet_key, updates in batch.items():
                sheet = SHEETS[sheet_key]
                table = self.tables[sheet_key]
                out[sheet_key] = []
                for record_id, changes, expected in updates:
                    changes = {k: v for k, v in changes.items() if sheet.has(k) and k != ID}
                    current = self._current(conn, sheet, record_id)
                    if changed := changed_columns(sheet, current, expected):
                        raise conflict(sheet, changed)
                    after = {**current, **changes}
                    values = {k: v for k, v in _to_db(sheet, after).items() if k in changes}
                    if values:
                        conn.execute(table.update().where(table.c[ID] == record_id)
                                     .values(**values))
                    self._insert(conn, SHEETS["audit"], [audit_record(
                        edit_action(changes), sheet, record_id, actor, current, after)])
                    out[sheet_key].append(after)
                touched = {k for _, changes, _ in updates for k in changes}
                if error := self._duplicates(conn, sheet, out[sheet_key], touched):
                    raise error
        self._written([Written(k, updated=tuple(v)) for k, v in out.items()])
        return out

    def delete(self, sheet_key: str, record_id: str, expected: Mapping[str, Any],
               actor: str) -> None:
        """Delete one row if it still holds what the person saw."""
        sheet = SHEETS[sheet_key]
        with self._write() as conn:
            current = self._current(conn, sheet, record_id)
            if changed := changed_columns(sheet, current, expected):
                raise conflict(sheet, changed)
            table = self.tables[sheet_key]
            conn.execute(table.delete().where(table.c[ID] == record_id))
            self._insert(conn, SHEETS["audit"],
                         [audit_record(AuditAction.XOA, sheet, record_id, actor, current, None)])
        self._written([Written(sheet_key, deleted=(record_id,))])

    def load(self, data: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Insert records in bulk, one transaction for all sheets, without audit rows."""
        with self._write() as conn:
            for key, records in data.items():
                sheet = SHEETS[key]
                rows = with_ids(sheet, records)
                self._insert(conn, sheet, rows)

    def is_empty(self) -> bool:
        """Tell whether no table has a row."""
        with self.engine.connect() as conn:
            return all(
                conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() == 0
                for t in self.tables.values()
            )

    def clear(self) -> None:
        """Delete every row of every table (for `cli demo` recreating the store)."""
        with self._write() as conn:
            for table in self.tables.values():
                conn.execute(table.delete())

    def describe(self) -> str:
        """Say where the data lives, without credentials."""
        return f"Cơ sở dữ liệu nhúng ({self.address})"


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return _server_engine(url)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, open transactions, so a write can BEGIN IMMEDIATE and
        # take the lock up front: two writers then queue instead of failing mid-transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Reads take no lock at all (WAL); writes take the write lock up front.
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@functools.cache
def _server_engine(url: str) -> Engine:
    """Return one engine (one connection pool) per database server and database.

    Every ward's store in a shared database (a schema each) borrows from the same pool, so an
    upper level reading a hundred wards does not open a hundred pools' worth of connections.
    """
    return sa.create_engine(url, pool_pre_ping=True)

"""The live path's statements, compiled once and run on the driver's own cursor (and an
import's new rows, made ready for the driver before its write transaction: PreparedRows).

A mark runs some six statements (docs/design.md, "the live path"). A one-row SELECT through
SQLAlchemy's Core cost 0.085 ms of CPU on SQLite, where the driver alone took 0.013 ms: the
cache key, an execution context, a result object (bench/bench_mark_path.py sets the whole
mark path beside the driver). A `Prepared` statement is compiled by SQLAlchemy once per dialect:
its SQL, the order of its parameters, what converts each value to the driver's type and each
column back (the models' types: UTCDateTime, exact marks). It is then run on the DBAPI
connection behind a SQLAlchemy connection, inside that connection's transaction.

What the caller still gets from SQLAlchemy: its exceptions (an IntegrityError is
sqlalchemy.exc.IntegrityError), a lost connection invalidated as SQLAlchemy would, and the
engine's `before_cursor_execute` listeners told of each statement (as observers: what they
return is not used). Statements that take a list (`IN`), or whose columns repeat a name, are
refused when they are prepared.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any
from weakref import WeakKeyDictionary

import sqlalchemy as sa


class Prepared:
    """One Core statement (a SELECT, or DML with or without RETURNING) to run many times."""

    __slots__ = ("statement", "_compiled", "_Row")

    def __init__(self, statement: sa.Executable):
        self.statement = statement
        self._compiled: WeakKeyDictionary = WeakKeyDictionary()  # dialect -> _Compiled
        # its rows: named tuples, by SQLAlchemy's keys of its columns (a repeated name gets
        # `_1`; a name that is no identifier is refused here)
        names = [name for name, _column in _columns(statement)]
        self._Row = namedtuple("Row", names) if names else None

    def first(self, connection, params: dict[str, Any]):
        """The first row (a named tuple), or None."""
        rows = self._run(connection, params, 1)
        return rows[0] if rows else None

    def one(self, connection, params: dict[str, Any]):
        rows = self._run(connection, params, 2)
        if len(rows) != 1:
            raise sa.exc.NoResultFound("no row") if not rows else \
                sa.exc.MultipleResultsFound("more than one row")
        return rows[0]

    def all(self, connection, params: dict[str, Any]) -> list:
        return self._run(connection, params, None)

    def execute(self, connection, params: dict[str, Any]) -> int | None:
        """Run a statement that returns no rows; the new row's id of an INSERT on SQLite."""
        return self._run(connection, params, 0)

    # --- how ---------------------------------------------------------------------------------

    def _compiled_for(self, dialect) -> _Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = _Compiled(self.statement, dialect)
        return found

    def _run(self, connection, params: dict[str, Any], rows: int | None):
        dialect = connection.dialect
        compiled = self._compiled_for(dialect)
        values = compiled.values(params)
        cursor = connection.connection.cursor()  # the pooled DBAPI connection's
        try:
            _execute(connection, cursor, compiled.sql, values)
            if rows == 0:
                return cursor.lastrowid if dialect.name == "sqlite" else None
            fetched = cursor.fetchall() if rows is None else cursor.fetchmany(rows)
            if not fetched:
                return []
            convert = compiled.converters(dialect, cursor.description)
            row = self._Row
            return [row._make([value if to is None else to(value)
                               for to, value in zip(convert, raw, strict=True)])
                    for raw in fetched]
        finally:
            cursor.close()


class PreparedRows:
    """Many rows for one table, INSERTed by one executemany, made ready outside the write
    transaction: the columns' Python defaults filled in, every value converted to what the
    driver takes. Inside, only the driver's work is left: an import's write transaction holds
    the write lock that judges' marks wait for (SQLAlchemy's executemany spent as long building
    2,000 competitors' parameters as SQLite spent inserting them). Every row names the same
    columns."""

    __slots__ = ("sql", "values", "_dialect", "_staging", "_staged")

    def __init__(self, table: sa.Table, rows: list[dict[str, Any]], dialect):
        names = rows[0].keys() if rows else {}.keys()
        filled = {}  # the columns left out that have a default of Python's
        for column in table.columns:
            if column.key in names or column.default is None:
                continue
            default = column.default
            if not (default.is_scalar or default.is_callable):
                raise ValueError(f"{table.name}.{column.key}: its default is not Python's")
            filled[column.key] = default
        statement = sa.insert(table).values(
            {name: sa.bindparam(name, type_=table.c[name].type) for name in [*names, *filled]})
        compiled = _Compiled(statement, dialect)
        self.sql, self._dialect, self.values = compiled.sql, dialect, []
        self._staging = _Staging(table, [*names, *filled], compiled, dialect) \
            if dialect.name == "sqlite" and rows else None
        self._staged = None  # the driver connection whose TEMP table holds the rows
        for row in rows:
            if row.keys() != names:
                raise ValueError(f"every row of {table.name} names the columns {list(names)}")
            self.values.append(compiled.values({**row, **{
                name: default.arg if default.is_scalar else default.arg(None)
                for name, default in filled.items()}}))

    def stage(self, driver_connection) -> None:
        """SQLite: write the rows into a TEMP table of `driver_connection` (sqlite3's), in a
        transaction of its own that takes no lock of the database, so that `run` on the same
        connection copies them in with one INSERT … SELECT. The write lock is then held for the
        database's own work on the rows (their indexes, their keys), not also for an INSERT
        run once per row (bench/README.md has the figures). Elsewhere nothing. A TEMP table
        left by a write that failed is dropped by the next staging."""
        if self._staging is None:
            return
        self._staging.fill(driver_connection, self.values)
        self._staged = driver_connection

    def run(self, connection) -> None:
        """Insert the rows in the transaction of `connection` (SQLAlchemy's), of the dialect
        they were made ready for: copied from the TEMP table when they were staged on this
        connection, else one executemany."""
        if not self.values:
            return
        if connection.dialect is not self._dialect:
            raise ValueError("the rows were made ready for another database")
        staged = self._staged is not None and \
            self._staged is connection.connection.driver_connection
        cursor = connection.connection.cursor()
        try:
            if staged:
                _execute(connection, cursor, self._staging.copy, ())
                cursor.execute(self._staging.drop)
            else:
                _execute(connection, cursor, self.sql, self.values, many=True)
        finally:
            cursor.close()
            self._staged = None


class _Staging:
    """The TEMP table that rows for `table` are staged in (PreparedRows.stage), its columns
    those of the rows, in the order of their INSERT's parameters."""

    __slots__ = ("create", "insert", "copy", "drop")

    def __init__(self, table: sa.Table, keys: list[str], compiled: _Compiled, dialect):
        order = [key for key in (column.key for column in table.columns) if key in keys]
        staged = sa.Table(f"staged_{table.name}", sa.MetaData(),
                          *[sa.Column(table.c[key].name, table.c[key].type, key=key)
                            for key in order], prefixes=["TEMPORARY"])
        insert = _Compiled(sa.insert(staged).values(
            {key: sa.bindparam(key, type_=table.c[key].type) for key in order}), dialect)
        if insert._names != compiled._names:  # the rows' values are the INSERT's, in its order
            raise ValueError(f"{table.name}: the staged columns differ from the INSERT's")
        self.create = str(sa.schema.CreateTable(staged).compile(dialect=dialect))
        self.insert = insert.sql
        self.copy = str(sa.insert(table).from_select(
            [table.c[key] for key in order],
            sa.select(*[staged.c[key] for key in order]).order_by(sa.literal_column("rowid")))
            .compile(dialect=dialect))
        self.drop = f"DROP TABLE IF EXISTS temp.{dialect.identifier_preparer.quote(staged.name)}"

    def fill(self, driver_connection, values: list) -> None:
        driver_connection.execute(self.drop)  # one left by an import that failed
        driver_connection.execute(self.create)
        driver_connection.execute("BEGIN")
        try:
            driver_connection.executemany(self.insert, values)
            driver_connection.execute("COMMIT")
        except BaseException:
            driver_connection.execute("ROLLBACK")
            raise


def _execute(connection, cursor, sql: str, values, many: bool = False) -> None:
    """Run on the DBAPI cursor as SQLAlchemy would: its listeners told first, a driver's error
    raised as SQLAlchemy's, a lost connection invalidated."""
    dialect = connection.dialect
    listeners = connection.dispatch.before_cursor_execute
    if listeners:
        listeners(connection, cursor, sql, values, None, many)
    try:
        if many:
            cursor.executemany(sql, values)
        else:
            cursor.execute(sql, values)
    except dialect.loaded_dbapi.Error as error:
        lost = dialect.is_disconnect(error, connection.connection, cursor)
        if lost:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            sql, values, error, dialect.loaded_dbapi.Error,
            connection_invalidated=lost, dialect=dialect) from error


def _columns(statement) -> list[tuple[str, sa.ColumnElement]]:
    """(key, column) of each column the statement returns (none for an INSERT … SELECT)."""
    return list(getattr(statement, "exported_columns", {}).items())


class _Compiled:
    """A statement as one dialect runs it."""

    __slots__ = ("sql", "_names", "_fixed", "_bind", "_positional", "_columns", "_converters")

    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._positional = compiled.positional
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        if any(bind.expanding for bind in binds.values()):
            raise ValueError("a prepared statement takes no list parameter (IN)")
        self._names = tuple(compiled.positiontup) if compiled.positional else tuple(binds)
        # values written into the statement (`version + 1`), and each parameter's conversion
        self._fixed = {name: bind.value for name, bind in binds.items() if not bind.required}
        self._bind = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                      for name, bind in binds.items()}
        self._columns = [column.type for _name, column in _columns(statement)]
        self._converters = None

    def values(self, params: dict[str, Any]):
        fixed, bind = self._fixed, self._bind
        converted = []
        for name in self._names:
            value = params[name] if name in params else fixed[name]
            to = bind[name]
            converted.append(value if to is None else to(value))
        return converted if self._positional else dict(zip(self._names, converted, strict=True))

    def converters(self, dialect, description) -> list:
        """Each column's conversion from the driver's value; the first run's cursor tells the
        database's own type of each (PostgreSQL's numeric conversions depend on it)."""
        if self._converters is None:
            self._converters = [
                kind.dialect_impl(dialect).result_processor(dialect, described[1])
                for kind, described in zip(self._columns, description, strict=True)]
        return self._converters

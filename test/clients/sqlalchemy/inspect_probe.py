"""SQLAlchemy's inspect() in full, as Superset browses a database (SQLAlchemy 1.4 with
psycopg2, Debian's python3-sqlalchemy): schemas, tables, views, then each table's
columns, primary key, foreign keys, indexes, unique and check constraints, comment and
options. Prints one JSON line per call: {"check": name, "rows": [...]} or
{"check": name, "error": message}. Argument: an SQLAlchemy URL."""
import json
import sys

import sqlalchemy


def report(name, call):
    try:
        value = call()
        rows = value if isinstance(value, list) else [value]
        print(json.dumps({"check": name, "rows": rows}, default=str))
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        print(json.dumps({"check": name, "error": str(error)}))


engine = sqlalchemy.create_engine(sys.argv[1])
inspector = sqlalchemy.inspect(engine)
report("schemas", inspector.get_schema_names)
report("tables", lambda: sorted(inspector.get_table_names(schema="public")))
report("views", lambda: inspector.get_view_names(schema="public"))
report("has_table", lambda: inspector.has_table("flights", schema="public"))
for table in ("flights", "airports"):
    report(f"columns.{table}", lambda: inspector.get_columns(table, schema="public"))
    report(f"pk.{table}", lambda: inspector.get_pk_constraint(table, schema="public"))
    report(f"fks.{table}", lambda: inspector.get_foreign_keys(table, schema="public"))
    report(f"indexes.{table}", lambda: inspector.get_indexes(table, schema="public"))
    report(f"unique.{table}", lambda: inspector.get_unique_constraints(table, schema="public"))
    report(f"check.{table}", lambda: inspector.get_check_constraints(table, schema="public"))
    report(f"comment.{table}", lambda: inspector.get_table_comment(table, schema="public"))
    report(f"options.{table}", lambda: inspector.get_table_options(table, schema="public"))
# Reflection of a whole table, as a Superset dataset does.
report("reflect", lambda: [c.name + ":" + str(c.type) for c in sqlalchemy.Table("flights", sqlalchemy.MetaData(), autoload_with=engine, schema="public").columns])

"""psqlODBC's catalog functions through pyodbc: SQLTables, SQLColumns, SQLStatistics,
SQLPrimaryKeys, SQLForeignKeys, SQLSpecialColumns, SQLProcedures and SQLGetTypeInfo,
as BI tools on ODBC (Power BI, Tableau, Excel) call them. Prints one JSON line per
call: {"check": name, "rows": [...]} or {"check": name, "error": message}.
Argument: an ODBC connection string."""
import json
import sys

import pyodbc


def report(name, call):
    try:
        cursor = call()
        columns = [c[0] for c in cursor.description]
        rows = [dict(zip(columns, [None if v is None else str(v) for v in row])) for row in cursor.fetchall()]
        print(json.dumps({"check": name, "rows": rows}))
    except Exception as error:  # noqa: BLE001 - every failure is reported, not raised
        print(json.dumps({"check": name, "error": str(error)}))


connection = pyodbc.connect(sys.argv[1], autocommit=True)
c = connection.cursor
report("tables", lambda: c().tables(schema="public", tableType="TABLE"))
report("tables.all", lambda: c().tables())
report("columns", lambda: c().columns(table="flights", schema="public"))
report("statistics", lambda: c().statistics(table="flights", schema="public"))
report("primaryKeys", lambda: c().primaryKeys(table="flights", schema="public"))
report("foreignKeys", lambda: c().foreignKeys(table="flights", schema="public"))
report("specialColumns", lambda: c().rowIdColumns(table="flights", schema="public"))
report("procedures", lambda: c().procedures(schema="public"))
report("typeInfo", lambda: c().getTypeInfo())
connection.close()

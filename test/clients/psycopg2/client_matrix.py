"""psycopg2 against pondgate: runs each check, prints one JSON line per check.

{"check": name, ...} on success, {"check": name, "error": ..., "sqlstate": ...}
when the check raised. The node test parses and asserts on these lines.
Argument: a libpq connection string.
"""
import datetime
import decimal
import json
import sys
import threading
import time

import psycopg2
import psycopg2.errors


def plain(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) AS n FROM orders")
        (n,) = cur.fetchone()
        names = [d.name for d in cur.description]
        cur.execute("SELECT o_orderkey, o_orderstatus FROM orders ORDER BY o_orderkey LIMIT 3")
        rows = cur.fetchall()
    conn.commit()
    return {"orders": n, "names": names, "rows": [[k, s] for k, s in rows], "status": conn.get_transaction_status()}


def parameters(conn):
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM orders WHERE o_orderkey < %s AND o_orderstatus = %s AND o_orderdate >= %s",
            (5000, "F", datetime.date(1993, 1, 1)),
        )
        (bound,) = cur.fetchone()
        cur.execute("SELECT count(*) FROM orders WHERE o_orderkey < 5000 AND o_orderstatus = 'F' AND o_orderdate >= DATE '1993-01-01'")
        (literal,) = cur.fetchone()
        cur.execute("SELECT %(name)s AS s, %(quote)s AS q", {"name": "x y", "quote": "it's"})
        s, q = cur.fetchone()
    conn.commit()
    return {"bound": bound, "literal": literal, "s": s, "q": q}


SCALARS = (
    "SELECT 1::INTEGER AS i, 9007199254740993::BIGINT AS b, 12.34::DECIMAL(10,2) AS n, 'x y'::VARCHAR AS s, "
    "DATE '2020-01-02' AS d, TIMESTAMP '2020-01-02 03:04:05.5' AS ts, true AS t, 1.5::DOUBLE AS f"
)
ARRAYS = "SELECT [1, 2, 3]::INTEGER[] AS ia, ['a', 'b c']::VARCHAR[] AS sa, [1.5, NULL]::DOUBLE[] AS fa"


def types(conn, sql=SCALARS):
    with conn.cursor() as cur:
        cur.execute(sql)
        row = cur.fetchone()
        names = [d.name for d in cur.description]
    conn.commit()
    out = {}
    for name, value in zip(names, row):
        if isinstance(value, (datetime.date, datetime.datetime)):
            text = value.isoformat()
        elif isinstance(value, (decimal.Decimal, int)) and not isinstance(value, bool):
            text = str(value)  # as text: JSON numbers in JavaScript lose digits past 2^53
        else:
            text = value
        out[name] = {"type": type(value).__name__, "value": text}
    return {"columns": out}


def named_cursor(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), sum(l_orderkey) FROM lineitem")
        expected, expected_sum = cur.fetchone()
    rows = 0
    key_sum = 0
    # A named cursor is a server-side cursor: DECLARE "c" CURSOR ... then FETCH FORWARD itersize.
    with conn.cursor(name="c") as cur:
        cur.itersize = 2000
        cur.execute("SELECT l_orderkey, l_comment FROM lineitem")
        for key, _comment in cur:
            rows += 1
            key_sum += key
    conn.commit()
    batches = []
    with conn.cursor(name="m") as cur:
        cur.execute("SELECT o_orderkey FROM orders ORDER BY o_orderkey LIMIT 1200")
        while True:
            batch = cur.fetchmany(500)
            if not batch:
                break
            batches.append(len(batch))
    conn.commit()
    return {"rows": rows, "expected": expected, "keySum": key_sum, "expectedKeySum": int(expected_sum), "batches": batches}


def cancel(conn):
    def later():
        time.sleep(1.0)
        conn.cancel()

    thread = threading.Thread(target=later)
    started = time.monotonic()
    thread.start()
    outcome = None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM lineitem a, lineitem b WHERE a.l_orderkey < b.l_orderkey")
            cur.fetchone()
    except psycopg2.errors.QueryCanceled as e:
        outcome = "QueryCanceled:" + str(e.pgcode)
    except psycopg2.Error as e:
        outcome = type(e).__name__ + ":" + str(e.pgcode)
    thread.join()
    elapsed_ms = int((time.monotonic() - started) * 1000)
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT 41 + 1")
        (after,) = cur.fetchone()
    conn.commit()
    return {"outcome": outcome, "elapsedMs": elapsed_ms, "after": after}


def error_then_rollback(conn):
    outcome = None
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT * FROM no_such_table")
        except psycopg2.errors.UndefinedTable as e:
            outcome = "UndefinedTable:" + str(e.pgcode)
    aborted = None
    with conn.cursor() as cur:
        try:
            cur.execute("SELECT 1")
        except psycopg2.errors.InFailedSqlTransaction as e:
            aborted = "InFailedSqlTransaction:" + str(e.pgcode)
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM region")
        (after,) = cur.fetchone()
    conn.commit()
    return {"outcome": outcome, "aborted": aborted, "after": after}


CHECKS = [
    ("plain", plain),
    ("parameters", parameters),
    ("types", types),
    ("arrays", lambda conn: types(conn, ARRAYS)),
    ("namedCursor", named_cursor),
    ("cancel", cancel),
    ("error", error_then_rollback),
]


def main():
    conn = psycopg2.connect(sys.argv[1], connect_timeout=10)
    for name, check in CHECKS:
        try:
            record = {"check": name, **check(conn)}
        except Exception as e:  # one check's failure must not hide the others
            record = {"check": name, "error": "%s: %s" % (type(e).__name__, e), "sqlstate": getattr(e, "pgcode", None)}
            try:
                conn.rollback()
            except psycopg2.Error:
                conn = psycopg2.connect(sys.argv[1], connect_timeout=10)
        print(json.dumps(record), flush=True)
    conn.close()


if __name__ == "__main__":
    main()

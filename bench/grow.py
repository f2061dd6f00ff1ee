"""Grow a seeded PostgreSQL benchmark database by copying its county's
townships: ``python -m bench.grow --times 4`` turns the 150,000-household
city into 600,000 households in one county (townships 201…, 301…, 401…),
with members, incomes, measures, monitoring cases, assignments, visits and
card prints copied under new ids. Identity numbers get a new area prefix so
one person stays in one household. Funds, reviews and the audit log are not
copied. PostgreSQL only; for measuring how pages grow with the data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import psycopg2

# Tables copied per household, in dependency order, with how their
# household/member references move.
CHILD_TABLES = [
    "households_member",
    "households_income",
    "households_measure",
    "households_monitoring",
    "households_assignment",
    "households_visit",
    "households_cardprint",
]


def columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def max_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
    return cursor.fetchone()[0]


def copy_table(cursor, table: str, replacements: dict[str, str], where: str = "") -> int:
    names = columns(cursor, table)
    select = ", ".join(replacements.get(name, f'"{name}"') for name in names)
    quoted = ", ".join(f'"{name}"' for name in names)
    cursor.execute(f"INSERT INTO {table} ({quoted}) SELECT {select} FROM {table} {where}")
    return cursor.rowcount


def grow(dsn: str, times: int) -> None:
    connection = psycopg2.connect(dsn)
    connection.autocommit = False
    cursor = connection.cursor()
    cursor.execute("SELECT count(*) FROM households_household")
    base_households = cursor.fetchone()[0]
    cursor.execute("SELECT code FROM villages_area WHERE level = 'county' ORDER BY code LIMIT 1")
    county = cursor.fetchone()[0]
    prefix = county[:6]
    offsets = {table: max_id(cursor, table) + 1 for table in ["villages_area", "households_household", *CHILD_TABLES]}
    original_area_max = offsets["villages_area"]
    original_household_max = offsets["households_household"]
    for k in range(1, times):
        started = time.monotonic()
        area_off = k * offsets["villages_area"]
        household_off = k * offsets["households_household"]
        member_off = k * offsets["households_member"]
        new_code = f"'{prefix}' || lpad((substr(code, 7, 3)::int + {100 * k})::text, 3, '0') || substr(code, 10, 3)"
        copy_table(
            cursor,
            "villages_area",
            {
                "id": f"id + {area_off}",
                "code": new_code,
                "name": f"name || '（{k + 1}）'",
                "parent_id": f"CASE WHEN level = 'township' THEN parent_id ELSE parent_id + {area_off} END",
            },
            f"WHERE level IN ('township', 'village') AND code LIKE '{prefix}%' AND id < {original_area_max}",
        )
        copy_table(
            cursor,
            "households_household",
            {
                "id": f"id + {household_off}",
                "village_id": f"village_id + {area_off}",
                "township_id": f"township_id + {area_off}",
                "number": f"(SELECT v.code FROM villages_area v WHERE v.id = village_id + {area_off}) || substr(number, 13)",
            },
            f"WHERE id < {original_household_max}",
        )
        for table in CHILD_TABLES:
            replacements = {
                "id": f"id + {k * offsets[table]}",
                "household_id": f"household_id + {household_off}",
            }
            if table == "households_member":
                replacements["id_number"] = f"CASE WHEN id_number IS NULL THEN NULL ELSE '{prefix[:5]}{k}' || substr(id_number, 7) END"
            if table == "households_measure":
                replacements["member_id"] = f"member_id + {member_off}"
            copy_table(cursor, table, replacements, f"WHERE household_id < {original_household_max}")
        connection.commit()
        print(f"copy {k}: {time.monotonic() - started:.0f} s", flush=True)
    for table in ["villages_area", "households_household", *CHILD_TABLES]:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    connection.commit()
    cursor.execute("SELECT count(*) FROM households_household")
    print(f"households: {base_households} -> {cursor.fetchone()[0]}")
    cursor.execute("ANALYZE")
    connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=4, help="how many times the seeded county in all (default 4)")
    args = parser.parse_args(argv)
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        print("DATABASE_URL must name a PostgreSQL database", file=sys.stderr)
        return 2
    grow(dsn, args.times)
    return 0


if __name__ == "__main__":
    sys.exit(main())

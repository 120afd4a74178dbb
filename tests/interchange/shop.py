"""The hand-written dbt project `tests/fixtures/dbt/shop`, its import, and the DuckDB tables it reads.

The rows are few enough that every expected value in the tests is computed by hand from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb

FIXTURES = Path(__file__).parent.parent / "fixtures" / "dbt"
SHOP = FIXTURES / "shop"
EXTENDED_DATE = FIXTURES / "metricflow_extended_date"
BENCH_METRICFLOW = Path(__file__).parent.parent.parent / "bench" / "model" / "metricflow"

TABLES = """
CREATE TABLE customers (customer_id INTEGER, region VARCHAR, signed_up_at TIMESTAMP);
INSERT INTO customers VALUES
  (1, 'north', '2024-01-01 08:00'), (2, 'south', '2024-01-02 09:00'), (3, 'north', '2024-01-05 10:00');
CREATE TABLE orders (order_id INTEGER, customer_id INTEGER, status VARCHAR, is_gift BOOLEAN,
                     amount DECIMAL(10, 2), ordered_at TIMESTAMP);
INSERT INTO orders VALUES
  (10, 1, 'paid', true, 100.00, '2024-01-01 10:00'),
  (11, 1, 'refunded', false, 50.00, '2024-01-02 09:00'),
  (12, 2, 'paid', false, 30.00, '2024-01-04 12:00'),
  (13, NULL, 'paid', true, 20.00, '2024-01-09 08:00'),
  (14, 3, 'open', false, 70.00, '2024-01-09 18:00');
CREATE TABLE visits (visit_id INTEGER, customer_id INTEGER, channel VARCHAR, visited_at TIMESTAMP);
INSERT INTO visits VALUES
  (100, 1, 'ads', '2023-12-31 09:00'), (101, 2, 'seo', '2024-01-01 11:00'),
  (102, 3, 'ads', '2024-01-02 12:00'), (103, 1, 'seo', '2024-01-05 13:00');
"""


def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(":memory:")
    con.execute(TABLES)
    yield con
    con.close()

"""`caliber test`: the standard library passes its golden tests, and a wrong number fails them visibly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.cli import app
from catalog.golden.invariant import parse_invariant
from catalog.golden.spec import find_tests
from catalog.lint import lint_paths

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "metric_defs"

SHOP = """\
sources:
  orders:
    table: shop.orders
    time: paid_at
    columns: {order_id: integer, paid_at: timestamp, amount: decimal, city: string}
dimensions:
  city:
    source: orders
    expr: city
    label: {en: City, zh: 城市}
metrics:
  revenue:
    type: atomic
    source: orders
    agg: sum
    expr: amount
    label: {en: Revenue, zh: 收入}
    description: Amount of every order.
    stage: revenue
    owner: finance
  orders_count:
    type: atomic
    source: orders
    agg: count
    label: {en: Orders, zh: 订单数}
    description: Every order.
    stage: revenue
    owner: finance
tests:
"""


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", *map(str, args)])
    return result.exit_code, result.output


def library_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "metric_defs"
    shutil.copytree(LIBRARY, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")


def shop(tmp_path: Path, tests: str, files: dict[str, str] | None = None) -> Path:
    folder = tmp_path / "defs" / "shop"
    folder.mkdir(parents=True)
    (folder / "defs.yaml").write_text(SHOP + tests, "utf-8")
    for name, text in (files or {}).items():
        (folder / name).write_text(text, "utf-8")
    return tmp_path / "defs"


def test_the_standard_library_passes_its_golden_tests() -> None:
    code, output = run(LIBRARY)
    lines = output.splitlines()
    assert code == 0, output
    assert lines[-1] == f"{len(lines) - 1} passed, 0 failed, 0 error(s)"
    assert len(lines) - 1 >= 20 and all(line.startswith("PASS metric_defs/") for line in lines[:-1])


def test_every_standard_metric_has_a_golden_test() -> None:
    catalog = lint_paths([LIBRARY]).catalog
    tested: set[str] = set()
    for test in find_tests([LIBRARY]):
        names = list(test.definition.query.metrics)
        if test.definition.invariant:
            names += [r.split("__")[0] for r in parse_invariant(test.definition.invariant).refs]
        for name in names:
            (key,) = catalog.find("metrics", name)
            tested.add(key)
    standard = {key for key, metric in catalog.metrics.items() if metric.standard}
    assert len(standard) >= 25
    assert standard - tested == set()


def test_a_wrong_expected_value_fails_with_expected_got_and_the_sql(tmp_path: Path) -> None:
    copy = library_copy(tmp_path)
    edit(copy / "finance" / "period.yaml", "gmv: 4200, gmv_mom: 1.8}", "gmv: 4200, gmv_mom: 1.7}")
    code, output = run(copy)
    assert code == 1
    failing = output.split("FAIL ", 1)[1]
    assert failing.startswith(f"{copy / 'finance' / 'period.yaml'}:")
    assert (
        ": gmv_month_over_month\n    T005 1 difference(s) from the expected rows\n    expected (3 rows):"
        in failing
    )
    assert "      metric_time=2024-02-01 gmv=4200 gmv_mom=1.7\n" in failing
    assert "    got (3 rows):\n      metric_time=2024-01-01 gmv=1500.0 gmv_mom=NULL\n" in failing
    assert (
        "    differences:\n      metric_time=2024-02-01: gmv_mom expected 1.7, got 1.8\n    sql:\n" in failing
    )
    assert 'FROM "dw"."fact_orders"' in failing
    assert output.splitlines()[-1].endswith(" passed, 1 failed, 0 error(s)")


def test_a_changed_caliber_fails_the_tests_of_its_numbers(tmp_path: Path) -> None:
    copy = library_copy(tmp_path)
    # GMV before the coupon instead of after it: every test that reads GMV in January must notice.
    revenue = copy / "finance" / "revenue.yaml"
    text = revenue.read_text("utf-8")
    revenue.write_text(text.replace("    expr: amount\n", "    expr: amount + coupon_amount\n", 1), "utf-8")
    code, output = run(copy)
    assert code == 1
    assert "metric_time=2024-01-01: gmv expected 1500, got 1550.0; arppu expected 750, got 775.0" in output
    failed = {line.split(": ")[-1] for line in output.splitlines() if line.startswith("FAIL ")}
    assert {"revenue_by_month", "gmv_month_over_month", "gmv_by_channel_of_the_payer"} <= failed


def test_a_broken_invariant_lists_the_rows_that_break_it(tmp_path: Path) -> None:
    copy = library_copy(tmp_path)
    edit(
        copy / "finance" / "revenue.yaml",
        "invariant: finance.gmv >= finance.net_gmv",
        "invariant: gmv < net_gmv",
    )
    code, output = run(copy)
    assert code == 1
    assert (
        "    T005 the invariant does not hold on 2 row(s)\n"
        "    rows where `gmv < net_gmv` is false (2 of 5):\n"
        "      metric_time=2024-02-01 gmv=4200.0 net_gmv=3700.0\n"
        "      metric_time=2024-03-01 gmv=2000.0 net_gmv=1000.0\n"
    ) in output


def test_csv_and_sql_data_on_the_default_duckdb(tmp_path: Path) -> None:
    tests = """\
  by_city_from_csv:
    data: {shop.orders: orders.csv}
    query: {metrics: [revenue, orders_count], by: [city], grain: month}
    expected:
      - {metric_time: 2024-01-01, city: 北京, revenue: 30.5, orders_count: 2}
      - {metric_time: 2024-01-01, city: null, revenue: null, orders_count: 1}
      - {metric_time: 2024-02-01, city: 上海, revenue: 5, orders_count: 1}
  total_from_sql:
    data: orders.sql
    query: {metrics: [revenue], time_range: {start: 2024-01-01, end: 2024-02-01}}
    expected:
      - {revenue: 7}
  revenue_is_positive:
    data: orders.sql
    query: {by: [city]}
    invariant: revenue > 0 OR city IS NULL
"""
    files = {
        "orders.csv": "order_id,paid_at,amount,city\n1,2024-01-05 10:00:00,10.5,北京\n"
        "2,2024-01-31 23:59:59,20,北京\n3,2024-01-10 00:00:00,,\n4,2024-02-01 00:00:00,5,上海\n",
        "orders.sql": "CREATE TABLE shop.orders (order_id BIGINT, paid_at TIMESTAMP, amount DECIMAL(12,2), city TEXT);\n"
        "INSERT INTO shop.orders VALUES (1, '2024-01-05 10:00:00', 3, 'it''s'), (2, '2024-01-06', 4, NULL),\n"
        "  (3, '2024-02-01', 100, '北京');\n",
    }
    code, output = run(shop(tmp_path, tests, files))
    assert (code, output.splitlines()[-1]) == (0, "3 passed, 0 failed, 0 error(s)"), output


def test_three_part_table_names_load_into_an_attached_in_memory_database(tmp_path: Path) -> None:
    folder = tmp_path / "defs" / "lake"
    folder.mkdir(parents=True)
    definitions = SHOP.replace("table: shop.orders", "table: lake.sales.orders")
    test = """\
  from_the_lake:
    data: {lake.sales.orders: orders.csv}
    query: {metrics: [revenue]}
    expected: [{revenue: 3}]
"""
    (folder / "defs.yaml").write_text(definitions + test, "utf-8")
    (folder / "orders.csv").write_text("order_id,amount\n1,1\n2,2\n", "utf-8")
    code, output = run(tmp_path / "defs")
    assert (code, output.splitlines()[-1]) == (0, "1 passed, 0 failed, 0 error(s)"), output


def test_data_problems_are_errors_with_codes_and_do_not_stop_other_tests(tmp_path: Path) -> None:
    tests = """\
  missing_data:
    data: nothing.csv
    query: {metrics: [revenue]}
    expected: [{revenue: 1}]
  bad_value:
    data: {shop.orders: orders.csv}
    query: {metrics: [revenue]}
    expected: [{revenue: 1}]
  unknown_metric:
    data: good.sql
    query: {metrics: [revenu]}
    expected: [{revenu: 1}]
  passes:
    data: good.sql
    query: {metrics: [revenue]}
    expected: [{revenue: 1}]
"""
    files = {
        "orders.csv": "order_id,amount\n1,one\n",
        "good.sql": "INSERT INTO shop.orders VALUES (1, '2024-01-01', 1, 'x');\n",
    }
    folder = shop(
        tmp_path,
        tests,
        {
            **files,
            "good.sql": "CREATE TABLE shop.orders (order_id INT, paid_at TIMESTAMP, amount INT, city TEXT);\n"
            + files["good.sql"],
        },
    )
    code, output = run(folder)
    assert code == 1
    assert "ERROR " in output and "    T001 data 'nothing.csv' does not exist" in output
    assert "    T001 orders.csv: amount 'one' is not a decimal (" in output
    assert "    T004 the query cannot be compiled: E001 unknown metric 'revenu'" in output
    assert "PASS " in output and output.splitlines()[-1] == "1 passed, 0 failed, 3 error(s)"


def test_definitions_with_errors_are_not_tested(tmp_path: Path) -> None:
    copy = library_copy(tmp_path)
    edit(
        copy / "finance" / "revenue.yaml",
        "  gmv:\n    type: atomic\n    source: orders\n    agg: sum\n",
        "  gmv:\n    type: atomic\n    source: orders\n    agg: summ\n",
    )
    code, output = run(copy)
    assert code == 1 and "S004" in output and "PASS" not in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/folder"], "no such file or folder"),
        (["{empty}"], "no golden tests under"),
        (
            [str(LIBRARY), "--warehouse", "postgresql+psycopg://u@127.0.0.1:1/db"],
            "cannot connect to the warehouse",
        ),
        ([str(LIBRARY), "--warehouse", "nonsense"], "not a warehouse URL"),
    ],
)
def test_usage_problems_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "a.yaml").write_text("metrics: {}\n", "utf-8")
    result = CliRunner().invoke(app, ["test", *(a.format(empty=tmp_path / "empty") for a in args)])
    assert result.exit_code == 2
    assert message in result.output

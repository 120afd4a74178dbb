"""`caliber explain-change`: load the catalog, run the attribution on a warehouse, print it.

caliber explain-change --metric gmv --from 2025-01 --to 2025-02 --by channel --format json
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from catalog.attribution import Explanation, explain_change
from catalog.compile import CompileError
from catalog.connect import ConnectError, open_warehouse
from catalog.snapshot import load_catalog
from catalog.warehouse_url import warehouse_url

FORMATS = ("text", "json")


def run(
    metric: str,
    from_period: str,
    to_period: str,
    by: Sequence[str],
    fmt: str,
    warehouse: str | None,
    defs: Sequence[Path],
) -> tuple[str, int]:
    """The text to print and the exit code: 0 done, 1 the change cannot be explained, 2 usage or I/O."""
    if fmt not in FORMATS:
        return f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", 2
    result = load_catalog(list(defs))
    if any(i.code == "Y005" for i in result.issues):
        return "\n".join(i.message for i in result.issues if i.code == "Y005"), 2
    try:
        with open_warehouse(warehouse_url(warehouse)) as connection:
            found = explain_change(
                result.catalog, metric, from_period, to_period, by, connection.execute, connection.dialect
            )
    except ConnectError as err:
        return f"{err}\n  hint: {err.hint}", 2
    except CompileError as err:
        return "\n".join(f"{i.code} {i.message}\n  hint: {i.hint}" for i in err.issues), 1
    return (json.dumps(found.as_dict(), ensure_ascii=False, indent=2) if fmt == "json" else text(found)), 0


def text(found: Explanation) -> str:
    """A table per dimension, largest contribution first."""
    lines = [
        f"{found.metric} ({found.kind}): {_num(found.from_total)} in {found.from_period.text} → "
        f"{_num(found.to_total)} in {found.to_period.text}, change {found.total_change:+,.6g}"
    ]
    dimension = None
    for c in found.contributions:
        if c.dimension != dimension:
            dimension = c.dimension
            lines.append(f"\nby {dimension}:")
        value = "(null)" if c.value is None else str(c.value)
        effects = (
            f"  (rate {c.rate_effect:+,.6g}, mix {c.mix_effect:+,.6g})" if c.rate_effect is not None else ""
        )
        lines.append(f"  {value:<24} {c.contribution:+16,.6g}{effects}")
    return "\n".join(lines)


def _num(value: float | None) -> str:
    return "no data" if value is None else f"{value:,.6g}"

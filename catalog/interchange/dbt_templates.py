"""MetricFlow's filter templates — `{{ Dimension('order__status') }}`, `{{ TimeDimension('metric_time', 'day') }}`,
`{{ Entity('user') }}`, `{{ Metric('orders', ['user']) }}` — read without running Jinja.

Each `{{ … }}` is parsed as a Python expression with `ast` (never evaluated) and turned into a `Template`; the
filter text becomes SQL with a placeholder per template, which the importer replaces by a column of the
metric's own source, or refuses with a reason code.

    >>> sql, found = split_templates("{{ Dimension('order__status') }} IN ('paid')")
    >>> sql, found[0].kind, found[0].path, found[0].name
    ("__tpl_0__ IN ('paid')", 'Dimension', ('order',), 'status')
    >>> split_templates("{{ TimeDimension('order__paid_at', 'month') }} > '2024-01-01'")[1][0].grain
    'month'
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_KINDS = ("Dimension", "TimeDimension", "Entity", "Metric")


class TemplateError(ValueError):
    """A `{{ … }}` that is not one of MetricFlow's templates."""


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    """Dimension, TimeDimension, Entity or Metric."""
    path: tuple[str, ...]
    """Entities before the name: `listing__user__country` → ('listing', 'user')."""
    name: str
    grain: str | None = None
    placeholder: str = ""


def split_templates(text: str) -> tuple[str, list[Template]]:
    """The filter with each template replaced by a placeholder identifier, and the templates in order."""
    found: list[Template] = []

    def replace(match: re.Match[str]) -> str:
        placeholder = f"__tpl_{len(found)}__"
        found.append(_parse(match.group(1).strip(), placeholder))
        return placeholder

    return _TEMPLATE.sub(replace, text), found


def _parse(text: str, placeholder: str) -> Template:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise TemplateError(f"`{{{{ {text} }}}}` is not a template call: {err.msg}") from None
    methods: dict[str, list[str]] = {}
    # `Dimension('x__ds').grain('month')`: the outer calls are methods on the inner template.
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        methods[node.func.attr] = _strings(node.args)
        node = node.func.value
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _KINDS):
        raise TemplateError(f"`{{{{ {text} }}}}` is not one of {', '.join(_KINDS)}")
    kind = node.func.id
    args = _strings(node.args[:1])
    if not args:
        raise TemplateError(f"`{{{{ {text} }}}}` names nothing")
    keywords = {k.arg: k.value for k in node.keywords if k.arg}
    grain: str | None = None
    if kind == "TimeDimension" and len(node.args) > 1:
        grain = _strings(node.args[1:2])[0]
    if "time_granularity_name" in keywords:
        grain = _strings([keywords["time_granularity_name"]])[0]
    if methods.get("grain"):
        grain = methods["grain"][0]
    if "date_part" in methods or "date_part_name" in keywords:
        raise TemplateError(f"`{{{{ {text} }}}}` extracts a date part")
    if kind == "Metric":
        return Template(kind, (), args[0], None, placeholder)
    parts = args[0].split("__")
    entity_path: tuple[str, ...] = tuple(parts[:-1])
    if "entity_path" in keywords:
        extra = keywords["entity_path"]
        if not isinstance(extra, ast.List | ast.Tuple):
            raise TemplateError(f"`{{{{ {text} }}}}` has an entity_path that is not a list")
        entity_path = tuple(_strings(list(extra.elts))) + entity_path
    if kind == "Entity":
        return Template(kind, entity_path, parts[-1], None, placeholder)
    return Template(kind, entity_path, parts[-1], grain.lower() if grain else None, placeholder)


def _strings(nodes: list[ast.expr]) -> list[str]:
    values = []
    for node in nodes:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            raise TemplateError("template arguments must be quoted names")
        values.append(node.value)
    return values

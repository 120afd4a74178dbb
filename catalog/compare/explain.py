"""What differs between two canonical forms, as structured data and as one sentence in English and Chinese.

Atomic forms differ by source table, aggregation, expression, filter terms present on one side only and
time column. Formulas are walked side by side (numerator against numerator…) down to the atomic leaves that
differ; other metric types compare their parameters and their parts by role.

    >>> [d.aspect for d in differences(form("finance.gmv"), form("bi.gmv"))]     # doctest: +SKIP
    ['time column']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from catalog.compare.canonical import Canonical
from catalog.compare.normalize import render
from catalog.sqlexpr import DEFINITION_DIALECT, clone

ASPECTS_ZH = {
    "type": "指标类型",
    "source table": "来源表",
    "aggregation": "聚合方式",
    "expression": "聚合表达式",
    "filter": "过滤条件",
    "time column": "时间字段",
    "formula": "公式",
    "components": "组成指标",
    "window": "窗口",
    "entity": "实体",
    "calculation": "计算方式",
    "offset": "间隔",
    "compare_to": "对比周期",
    "steps": "步骤",
}
_ROLES_ZH = {
    "numerator": "分子",
    "denominator": "分母",
    "metric": "指标",
    "base": "起始事件",
    "conversion": "转化事件",
    "cohort": "同期群事件",
    "activity": "活跃事件",
    "left operand": "左操作数",
    "right operand": "右操作数",
}
_OPERAND_ROLES: dict[type[exp.Expr], tuple[str, str]] = {exp.Div: ("numerator", "denominator")}


@dataclass(frozen=True, slots=True)
class Difference:
    """One way two definitions differ. `left`/`right` is None when the thing exists on one side only."""

    aspect: str
    left: str | None
    right: str | None
    part: str = ""
    """Which component differs (`denominator`, `step 2`…); empty for the metric itself."""

    def as_dict(self) -> dict[str, str | None]:
        return {"aspect": self.aspect, "part": self.part, "left": self.left, "right": self.right}

    def sentence(self, left_name: str, right_name: str) -> str:
        where = f"{self.part}: " if self.part else ""
        if self.left is None or self.right is None:
            side, value = (left_name, self.left) if self.right is None else (right_name, self.right)
            return f"{where}{self.aspect} `{value}` only in {side}"
        return f"{where}{self.aspect} `{self.left}` vs `{self.right}`"

    def sentence_zh(self, left_name: str, right_name: str) -> str:
        where = f"{_part_zh(self.part)}：" if self.part else ""
        aspect = ASPECTS_ZH.get(self.aspect, self.aspect)
        if self.left is None or self.right is None:
            side, value = (left_name, self.left) if self.right is None else (right_name, self.right)
            return f"{where}{aspect}`{value}`仅见于 {side}"
        return f"{where}{aspect} `{self.left}` 对 `{self.right}`"


def differences(
    left: Canonical, right: Canonical, names: Mapping[str, str] | None = None, part: str = ""
) -> list[Difference]:
    """Differences between two forms; empty when they are equivalent.

    `names` maps a fingerprint to a metric key, so formulas read `finance.gmv / finance.paying_users`.
    """
    if left.fingerprint == right.fingerprint:
        return []
    names = names or {}
    if left.kind != right.kind:
        return [Difference("type", _reading(left, names), _reading(right, names), part)]
    if left.kind == "atomic":
        return _atomic(left, right, part)
    if left.formula is not None and right.formula is not None:
        leaves = {leaf.placeholder: leaf for side in (left, right) for leaf in _named_leaves(side)}
        return _formula(_tree(left.formula), _tree(right.formula), leaves, names, part)
    found = [
        Difference(k, dict(left.params).get(k), dict(right.params).get(k), part)
        for k in dict.fromkeys([*dict(left.params), *dict(right.params)])
        if dict(left.params).get(k) != dict(right.params).get(k)
    ]
    left_roles, right_roles = [r for r, _ in left.parts], [r for r, _ in right.parts]
    if left_roles != right_roles:
        found.append(Difference("steps", str(len(left_roles)), str(len(right_roles)), part))
        return found
    for (role, a), (_, b) in zip(left.parts, right.parts, strict=True):
        found.extend(differences(a, b, names, _join(part, role)))
    return found


def _atomic(left: Canonical, right: Canonical, part: str) -> list[Difference]:
    found: list[Difference] = []
    if left.table != right.table:
        found.append(Difference("source table", left.table, right.table, part))
    if left.agg != right.agg:
        found.append(Difference("aggregation", left.agg, right.agg, part))
    if left.expr != right.expr:
        found.append(Difference("expression", left.expr or "*", right.expr or "*", part))
    left_terms, right_terms = left.filter - left.implied, right.filter - right.implied
    found.extend(Difference("filter", t, None, part) for t in sorted(left_terms - right_terms))
    found.extend(Difference("filter", None, t, part) for t in sorted(right_terms - left_terms))
    if left.time != right.time:
        found.append(Difference("time column", left.time, right.time, part))
    if not found:
        # Same reading but another fingerprint: the implied not-null terms of different expressions.
        found.append(
            Difference("filter", " AND ".join(sorted(left.filter)), " AND ".join(sorted(right.filter)), part)
        )
    return found


def _formula(
    left: exp.Expr, right: exp.Expr, leaves: Mapping[str, Canonical], names: Mapping[str, str], part: str
) -> list[Difference]:
    if render(left) == render(right):
        return []
    if (
        isinstance(left, exp.Column)
        and isinstance(right, exp.Column)
        and left.name in leaves
        and right.name in leaves
    ):
        return differences(leaves[left.name], leaves[right.name], names, part)
    if type(left) is type(right) and isinstance(left, exp.Binary):
        roles = _OPERAND_ROLES.get(type(left), ("left operand", "right operand"))
        pairs = ((left.this, right.this, roles[0]), (left.expression, right.expression, roles[1]))
        return [
            d for a, b, role in pairs for d in _formula(_bare(a), _bare(b), leaves, names, _join(part, role))
        ]
    return [Difference("formula", _readable(left, leaves, names), _readable(right, leaves, names), part)]


def _named_leaves(form: Canonical) -> tuple[Canonical, ...]:
    """Everything a formula may name with a placeholder: atomic leaves and non-formula parts."""
    found: list[Canonical] = []
    for _, child in form.parts:
        found.append(child)
        if child.formula is not None:
            found.extend(_named_leaves(child))
    return tuple(found)


def _readable(tree: exp.Expr, leaves: Mapping[str, Canonical], names: Mapping[str, str]) -> str:
    tree = clone(tree)
    for column in list(tree.find_all(exp.Column)):
        leaf = leaves.get(column.name)
        if leaf is not None:
            label = names.get(leaf.fingerprint) or f"[{leaf.describe()}]"
            replacement = exp.column(label, quoted=False)
            if column is tree:
                return label
            column.replace(replacement)
    return render(tree)


def _reading(form: Canonical, names: Mapping[str, str]) -> str:
    key = names.get(form.fingerprint)
    return f"{form.kind} ({key})" if key else form.kind


def _tree(formula: str) -> exp.Expr:
    return _bare(sqlglot.parse_one(formula, read=DEFINITION_DIALECT))


def _bare(node: exp.Expr) -> exp.Expr:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _part_zh(part: str) -> str:
    roles = part.split(" > ")
    return " > ".join(f"第{r.split()[1]}步" if r.startswith("step ") else _ROLES_ZH.get(r, r) for r in roles)


def _join(part: str, role: str) -> str:
    return f"{part} > {role}" if part else role

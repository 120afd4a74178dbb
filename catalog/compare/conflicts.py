"""Conflicts and duplicates across teams: same name or label with another caliber, or one caliber twice.

Metrics are bucketed by normalised name, English label and Chinese label (NFKC, case-folded, without
spaces) and by fingerprint, with dictionaries: each metric of a bucket is compared with the bucket's anchor
(its standard metric, else its first key), never all pairs, so detection stays near-linear in the number of
metrics. A metric that declares a valid `overrides:` of a standard metric is not in conflict with it.

    >>> findings = find_conflicts(lint_paths(["tests/fixtures/conflicts"]).catalog)   # doctest: +SKIP
    >>> findings[0].kind, findings[0].left, findings[0].right                        # doctest: +SKIP
    ('conflict', 'bi.learners_in_class', 'ops.active_learners')
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, get_args

from catalog.compare.canonical import Canonicalizer
from catalog.compare.explain import Difference, differences
from catalog.issues import Location
from catalog.memo import PerCatalog
from catalog.model import Catalog, Metric

Kind = Literal["conflict", "duplicate", "standard_override_missing", "override_invalid"]
KINDS: tuple[Kind, ...] = get_args(Kind)
REASONS_ZH = {"name": "名称", "label_en": "英文名", "label_zh": "中文名", "same caliber": "口径"}
_BUCKETS: tuple[tuple[str, Callable[[Metric], str]], ...] = (
    ("name", lambda metric: normalise_label(metric.name)),
    ("label_en", lambda metric: normalise_label(metric.label.en)),
    ("label_zh", lambda metric: normalise_label(metric.label.zh)),
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: Kind
    left: str
    """The reference side: the standard metric, or the first key of the group."""
    right: str
    """The side that should change (rename, declare an override, or reuse `left`)."""
    reasons: tuple[str, ...]
    """What the two share: name, label_en, label_zh, same caliber."""
    differences: tuple[Difference, ...]
    message: str
    message_zh: str
    hint: str
    left_location: Location
    right_location: Location

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "left": self.left,
            "right": self.right,
            "reasons": list(self.reasons),
            "differences": [d.as_dict() for d in self.differences],
            "message": self.message,
            "message_zh": self.message_zh,
            "hint": self.hint,
            "left_location": _location(self.left_location),
            "right_location": _location(self.right_location),
        }


def normalise_label(text: str) -> str:
    """`normalise_label("Ｐａｙｉｎｇ  Users")` → 'payingusers' (full-width folded, case-folded, no space)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def find_conflicts(catalog: Catalog) -> list[Finding]:
    """Every conflict, duplicate and override problem in the catalog, sorted by kind and keys."""
    return _Detector(catalog).run()


# A Catalog is immutable (the store builds one per revision), so its findings can be kept while it lives.
_found: PerCatalog[list[list[Finding]]] = PerCatalog(list)


def findings_for(catalog: Catalog) -> list[Finding]:
    """`find_conflicts(catalog)`, found once per catalog object: the lint pipeline's conflict check, the API
    (`GET /v1/conflicts`, a metric's conflicts) and the web pages all read the same list. Do not change it."""
    kept = _found(catalog)
    if not kept:  # filled outside the memo's lock, which other catalogs' lookups take too
        kept.append(find_conflicts(catalog))
    return kept[0]


def findings_of_metric(
    catalog: Catalog,
    key: str,
    findings: Iterable[Finding] | None = None,
) -> list[Finding]:
    """Findings that involve metric `key` (of `findings_for(catalog)` unless `findings` are given)."""
    every = findings_for(catalog) if findings is None else findings
    return [f for f in every if key in (f.left, f.right)]


class _Detector:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.metrics = catalog.metrics
        self.forms = Canonicalizer(catalog)
        self.pairs: dict[tuple[str, str], tuple[Kind, list[str]]] = {}  # (left, right) → (kind, reasons)
        self.invalid: list[Finding] = []

    def run(self) -> list[Finding]:
        self._check_overrides()
        for reason, bucket_of in _BUCKETS:
            buckets: dict[str, list[str]] = {}
            for key, metric in self.metrics.items():
                buckets.setdefault(bucket_of(metric), []).append(key)
            for members in buckets.values():
                if len(members) > 1 and (
                    len({self.metrics[k].namespace for k in members}) > 1
                    or any(self.metrics[k].standard for k in members)
                ):
                    self._shared(members, reason)
        by_caliber: dict[str, list[str]] = {}
        for key in self.metrics:
            by_caliber.setdefault(self.forms(key).fingerprint, []).append(key)
        for members in by_caliber.values():
            if len(members) > 1:
                self._same_caliber(members)
        names = {form.fingerprint: key for key, form in sorted(self.forms.forms.items(), reverse=True)}
        found = [
            self._finding(left, right, kind, reasons, names)
            for (left, right), (kind, reasons) in self.pairs.items()
        ]
        found.extend(self.invalid)
        return sorted(found, key=lambda f: (KINDS.index(f.kind), f.left, f.right))

    def _check_overrides(self) -> None:
        for key, metric in self.metrics.items():
            if metric.overrides is None:
                continue
            target = self.metrics.get(metric.overrides.metric)
            if target is not None and target.standard:
                continue
            what = "is not marked `standard: true`" if target is not None else "is not in the catalog"
            self.invalid.append(
                Finding(
                    "override_invalid",
                    metric.overrides.metric,
                    key,
                    (),
                    (),
                    f"{key} overrides {metric.overrides.metric}, which {what}",
                    f"{key} 声明覆盖 {metric.overrides.metric}，但后者不是标准指标",
                    "only a standard metric can be overridden: point `overrides` at one, or remove it",
                    target.location if target is not None else Location(),
                    metric.location,
                )
            )

    def _anchor_order(self, members: list[str]) -> list[str]:
        return sorted(members, key=lambda k: (not self.metrics[k].standard, k))

    def _shared(self, members: list[str], reason: str) -> None:
        ordered = self._anchor_order(members)
        standard = ordered[0] if self.metrics[ordered[0]].standard else None
        for key in ordered[1:]:
            namespace = self.metrics[key].namespace
            if standard is not None and not self.metrics[key].standard:
                anchor = standard  # the certified caliber binds its own namespace too
            else:
                anchor = next(k for k in ordered if k == key or self.metrics[k].namespace != namespace)
            if anchor == key or self._overrides(key, anchor):
                continue
            if self.forms(key).fingerprint == self.forms(anchor).fingerprint:
                if not (self.metrics[key].deprecated or self.metrics[anchor].deprecated):
                    self._add(anchor, key, "duplicate", reason)
            elif self.metrics[anchor].standard and not self.metrics[key].standard:
                self._add(anchor, key, "standard_override_missing", reason)
            else:
                self._add(anchor, key, "conflict", reason)

    def _same_caliber(self, members: list[str]) -> None:
        live = [k for k in self._anchor_order(members) if not self.metrics[k].deprecated]
        for key in live[1:]:
            self._add(live[0], key, "duplicate", "same caliber")

    def _overrides(self, key: str, other: str) -> bool:
        """A declared override of a standard metric, either way round, settles the pair."""
        a, b = self.metrics[key], self.metrics[other]
        return (a.overrides is not None and a.overrides.metric == other and b.standard) or (
            b.overrides is not None and b.overrides.metric == key and a.standard
        )

    def _add(self, left: str, right: str, kind: Kind, reason: str) -> None:
        for pair in ((left, right), (right, left)):
            if pair in self.pairs:
                if reason not in self.pairs[pair][1]:
                    self.pairs[pair][1].append(reason)
                return
        self.pairs[(left, right)] = (kind, [reason])

    def _finding(
        self,
        left: str,
        right: str,
        kind: Kind,
        reasons: list[str],
        names: dict[str, str],
    ) -> Finding:
        a, b = self.metrics[left], self.metrics[right]
        found = tuple(differences(self.forms(left), self.forms(right), names))
        shared = [r for r in reasons if r != "same caliber"]
        what = " and ".join(
            {
                "name": f"name {a.name!r}",
                "label_en": f"English label {a.label.en!r}",
                "label_zh": f"Chinese label {a.label.zh!r}",
            }[r]
            for r in shared
        )
        what_zh = "、".join(REASONS_ZH[r] for r in shared)
        detail = "; ".join(d.sentence(left, right) for d in found)
        detail_zh = "；".join(d.sentence_zh(left, right) for d in found)
        if kind == "duplicate":
            message = f"{right} computes the same as {left}" + (f" (they share the {what})" if shared else "")
            message_zh = f"{right} 与 {left} 口径相同" + (f"（{what_zh}也相同）" if shared else "")
            hint = f"reuse {left} instead of defining the same caliber again"
        else:
            message = f"{left} and {right} share the {what} but differ: {detail}"
            message_zh = f"{left} 与 {right} 的{what_zh}相同但口径不同：{detail_zh}"
            if kind == "standard_override_missing":
                hint = (
                    f"{left} is the standard caliber: reuse it, rename {right}, or declare "
                    f"`overrides: {{metric: {left}, reason: ...}}` on {right}"
                )
            else:
                hint = (
                    "rename one of them, make them compute the same, or mark the agreed one "
                    "`standard: true` and declare `overrides:` with a reason on the other"
                )
        return Finding(
            kind, left, right, tuple(reasons), found, message, message_zh, hint, a.location, b.location
        )


def _location(location: Location) -> dict[str, object]:
    return {"file": location.file, "line": location.line, "col": location.col}

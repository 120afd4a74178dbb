"""UI strings of the web catalog in Chinese and English, and how a request's language is chosen.

A plain dict is enough for a few dozen strings and needs no gettext toolchain. Chinese is the default: most
operators read it first.

    >>> t = translator("en")
    >>> t("search"), translator("zh")("search")
    ('Search', '搜索')
    >>> choose_language(query=None, cookie=None, accept_language="en-US,en;q=0.9")
    'en'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from catalog.metric_types.registry import METRIC_TYPES

Lang = Literal["zh", "en"]
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Lang = "zh"
COOKIE = "caliber_lang"

# key -> (zh, en). Placeholders use str.format names. Each metric type brings its own words (its name
# `type_<name>`, the phrases of its formula and roles): `MetricType.words`.
_PAGES: dict[str, tuple[str, str]] = {
    "app_name": ("Caliber 指标口径目录", "Caliber metric catalog"),
    "search": ("搜索", "Search"),
    "search_placeholder": ("指标名、中英文名称或描述", "Name, Chinese or English label, description"),
    "all_metrics": ("全部指标", "All metrics"),
    "by_stage": ("按 AARRR 阶段", "By AARRR stage"),
    "by_namespace": ("按团队命名空间", "By namespace"),
    "results": ("{count} 个指标", "{count} metrics"),
    "results_for": ("“{text}” 的结果：{count} 个", "{count} results for “{text}”"),
    "no_results": ("没有匹配的指标。", "No metric matches."),
    "showing": ("第 {first}–{last} 个，共 {total} 个", "{first}–{last} of {total}"),
    "previous": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "clear_filters": ("清除筛选", "Clear filters"),
    "conflicts": ("冲突与重复", "Conflicts & duplicates"),
    "conflicts_intro": (
        "不同团队之间尚未解决的口径冲突与重复定义。",
        "Open caliber conflicts and duplicate definitions across teams.",
    ),
    "no_conflicts": ("没有未解决的冲突或重复。", "No open conflict or duplicate."),
    "check_failed": (
        "冲突检查出错，暂时无法列出冲突：{error}",
        "The conflict check failed, so conflicts cannot be listed: {error}",
    ),
    "language": ("语言", "Language"),
    "stage": ("阶段", "Stage"),
    "namespace": ("命名空间", "Namespace"),
    "owner": ("负责人", "Owner"),
    "unit": ("单位", "Unit"),
    "type": ("类型", "Type"),
    "status": ("状态", "Status"),
    "standard": ("标准指标", "Standard"),
    "deprecated": ("已废弃", "Deprecated"),
    "active": ("生效中", "Active"),
    "caliber": ("口径", "Caliber"),
    "caliber_plain": ("口径说明", "The caliber in plain words"),
    "formula": ("计算公式", "Formula"),
    "components": ("组成部分", "Components"),
    "dimensions": ("可用维度", "Allowed dimensions"),
    "no_dimensions": ("没有可用维度。", "No dimension can slice this metric."),
    "sql": ("编译后的 SQL", "Compiled SQL"),
    "dialect": ("SQL 方言", "SQL dialect"),
    "show": ("显示", "Show"),
    "copy": ("复制", "Copy"),
    "copied": ("已复制", "Copied"),
    "sql_unavailable": ("无法编译该指标：{reason}", "This metric cannot be compiled: {reason}"),
    "history": ("版本历史", "Version history"),
    "recent_values": ("最近 12 个月的数值（服务的数据仓库）", "The last 12 months (the service's warehouse)"),
    "total_value": (
        "全部数据的数值（服务的数据仓库）",
        "Its value over all the data (the service's warehouse)",
    ),
    "version_n": ("版本 {n}", "version {n}"),
    "viewing_version": (
        "正在查看历史版本 {n}（当前为版本 {current}）。",
        "You are viewing version {n} (the current one is {current}).",
    ),
    "view_current": ("查看当前版本", "View the current version"),
    "current": ("当前", "current"),
    "first_version": ("首个版本", "First version"),
    "no_history": ("尚无已发布的版本。", "No published version yet."),
    "field": ("字段", "Field"),
    "before": ("之前", "Before"),
    "after": ("之后", "After"),
    "findings": ("冲突与重复说明", "Conflicts and duplicates"),
    "no_findings": ("没有与其他指标的冲突或重复。", "No conflict or duplicate with another metric."),
    "involves": ("涉及", "Involves"),
    "how_to_fix": ("处理建议", "How to fix"),
    "not_found_title": ("找不到该指标", "Metric not found"),
    "not_found": ("目录中没有 {key} 这个指标。", "There is no metric {key} in the catalog."),
    "version_not_found": ("指标 {key} 没有版本 {n}。", "Metric {key} has no version {n}."),
    "version_unresolved": (
        "指标 {key} 的版本 {n} 所引用的指标已不在目录中，无法显示。",
        "Version {n} of {key} uses metrics that are no longer in the catalog.",
    ),
    "back_home": ("返回目录", "Back to the catalog"),
    "tags": ("标签", "Tags"),
    "overrides": ("覆盖标准指标", "Overrides the standard metric"),
    "skip_to_content": ("跳到正文", "Skip to content"),
    "conflict": ("冲突", "conflict"),
    "finding_conflict": ("同名不同口径", "Same name or label, different caliber"),
    "finding_duplicate": ("同一口径重复定义", "Same caliber defined twice"),
    "finding_standard_override_missing": (
        "与标准指标同名但未声明覆盖",
        "Shares a standard metric's name without an override",
    ),
    "finding_override_invalid": ("覆盖声明无效", "Invalid override"),
    "caliber_changed": ("口径变更", "caliber changed"),
    "metadata_only": ("仅元数据变更", "metadata only"),
    "duplicate": ("重复", "duplicate"),
    # AARRR stages
    "stage_acquisition": ("获客", "Acquisition"),
    "stage_activation": ("激活", "Activation"),
    "stage_retention": ("留存", "Retention"),
    "stage_revenue": ("收入", "Revenue"),
    "stage_referral": ("推荐", "Referral"),
    "unknown_metric": ("（未知指标 {key}）", "(unknown metric {key})"),
}
STRINGS: dict[str, tuple[str, str]] = {
    **_PAGES,
    **{key: (zh, en) for kind in METRIC_TYPES for key, zh, en in kind.words.strings},
}


def translator(lang: Lang) -> Callable[..., str]:
    """`t(name, **values)` in `lang`; an unknown name is shown as itself so a missing string is visible."""
    index = 0 if lang == "zh" else 1

    def t(name: str, /, **values: object) -> str:
        pair = STRINGS.get(name)
        text = pair[index] if pair else name
        return text.format(**values) if values else text

    return t


def normalize(code: str | None) -> Lang | None:
    """`"en-US"` → `"en"`, `"zh_Hans"` → `"zh"`, anything else → None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return base if base in LANGUAGES else None  # type: ignore[return-value]


def choose_language(query: str | None, cookie: str | None, accept_language: str | None) -> Lang:
    """`?lang=` first, then the remembered cookie, then the browser's `Accept-Language`, else Chinese."""
    for explicit in (query, cookie):
        lang = normalize(explicit)
        if lang:
            return lang
    for part in _by_quality(accept_language or ""):
        lang = normalize(part)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def _by_quality(header: str) -> list[str]:
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        code, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if code:
            ranked.append((-quality, position, code))
    return [code for _, _, code in sorted(ranked)]

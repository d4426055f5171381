"""Charts as inline SVG rendered on the server by pygal: no script, no network, nothing to download.

Line widths are set by the page's CSS (stats/_style.html): pygal's own rule for its reactive paths
(stroke-width 1) would override a series' stroke_style width.

pygal embeds a small configuration <script> for its optional tooltips even when no JS file is
configured; it is stripped, so the SVG is static markup (values are in the table under each chart).
"""

import re
from html import escape

import pygal
from pygal.style import Style

from .kpis import KPI, Period

FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", sans-serif'
COLOURS = ("#1d5c96", "#1b7f4b", "#b44d12", "#7a3e9d", "#b42318", "#2a8a9c", "#8a6d1d")
STYLE = Style(
    font_family=FONTS, background="#ffffff", plot_background="#ffffff", foreground="#1f2933",
    foreground_strong="#1f2933", foreground_subtle="#d9e2ec", colors=COLOURS, opacity=".85", opacity_hover=".95",
    label_font_size=15, major_label_font_size=15, legend_font_size=15, title_font_size=16, value_font_size=14,
    tooltip_font_size=12, guide_stroke_color="#c5d0dc", major_guide_stroke_color="#9aa9b8",
)
RANK_STYLE = Style(**{**{k: getattr(STYLE, k) for k in ("font_family", "background", "plot_background", "foreground",
                                                       "foreground_strong", "foreground_subtle", "label_font_size",
                                                       "major_label_font_size", "value_font_size",
                                                       "guide_stroke_color", "major_guide_stroke_color")},
                       "colors": ("#8dbbe6",), "value_colors": ("#10243a",), "opacity": "1", "opacity_hover": "1"})
TREND_KEYS = ("management", "standard_management", "face_to_face", "medication", "stable")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _config(**extra) -> dict:
    return {"js": [], "disable_xml_declaration": True, "style": STYLE, "show_legend": False,
            "truncate_label": -1, "margin": 10, "show_minor_x_labels": True} | extra


def _svg(chart, title: str) -> str:
    """The chart's SVG without script or comments, titled in words (pygal's own title is its name)."""
    svg = chart.render(is_unicode=True).replace("<title>Pygal</title>", f"<title>{escape(title)}</title>", 1)
    return _COMMENT.sub("", _SCRIPT.sub("", svg))


def legend(names: list[str]) -> list[tuple[str, str]]:
    """(colour, name) pairs in series order, for the HTML legend above a chart."""
    return [(COLOURS[i % len(COLOURS)], name) for i, name in enumerate(names)]


def month_label(period: Period) -> str:
    return f"{period.end:%Y-%m}"


def _text_width(labels: list[str], size: int) -> int:
    """Rough width of the longest label: CJK characters are a full em, others about half."""
    return max((sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in label) for label in labels), default=0)


# Each chart comes in two sizes: "wide" for screens, "narrow" for phones (picked by CSS), so that the
# text stays legible at either width.
SIZES = {"wide": {"width": 900, "scale": 1.0}, "narrow": {"width": 440, "scale": 0.85}}


def _sized(size: str, height: int, **extra) -> dict:
    s = SIZES[size]
    rotation = -35 if size == "wide" else -55
    return _config(width=s["width"], height=int(height * s["scale"]) + (0 if size == "wide" else 40),
                   x_label_rotation=rotation, **extra)


def trend_chart(trend: list[tuple[Period, list[KPI]]], keys=TREND_KEYS, size: str = "wide") -> str:
    chart = pygal.Line(**_sized(size, 380, range=(0, 100), dots_size=3, y_labels=[0, 20, 40, 60, 80, 100],
                                value_formatter=lambda v: f"{v:.1f}%"))
    chart.x_labels = [month_label(p) for p, _ in trend]
    for key in keys:
        series = [next(k for k in ks if k.key == key) for _, ks in trend]
        chart.add(series[0].name if series else key, [None if k.value is None else round(k.value, 1) for k in series])
    return _svg(chart, "主要指标逐月趋势")


def trend_legend(trend, keys=TREND_KEYS) -> list:
    names = [next(k for k in trend[0][1] if k.key == key).name for key in keys] if trend else []
    return legend(names)


def prevalence_chart(trend: list[tuple[Period, list[KPI]]], target: float | None = None, size: str = "wide") -> str:
    series = [next(k for k in ks if k.key == "prevalence") for _, ks in trend]
    values = [None if k.value is None else round(k.value, 2) for k in series]
    top = max([v for v in values if v is not None] + [target or 0, 1])
    chart = pygal.Line(**_sized(size, 320, range=(0, round(top * 1.25, 1)), dots_size=3,
                                value_formatter=lambda v: f"{v:.2f}‰"))
    chart.x_labels = [month_label(p) for p, _ in trend]
    chart.add("报告患病率（‰）", values)
    if target is not None:
        chart.add(f"目标 ≥{target:g}‰", [target] * len(values), show_dots=False, stroke_style={"dasharray": "8, 6"})
    return _svg(chart, "报告患病率逐月趋势")


def prevalence_legend(target: float | None) -> list:
    return legend(["报告患病率（‰）", *([f"目标 ≥{target:g}‰"] if target is not None else [])])


def ranking_chart(rows: list[tuple[str, KPI]], size: str = "wide") -> str:
    """Horizontal bars, one per child region; ``rows`` best first, drawn top down."""
    unit = rows[0][1].unit if rows else "%"
    rows = list(reversed(rows))  # pygal draws the first label at the bottom
    values = [None if k.value is None else round(k.value, 2 if unit == "‰" else 1) for _, k in rows]
    top = 100 if unit == "%" else max([v for v in values if v is not None] + [1]) * 1.2
    if size == "narrow" and unit == "%":
        ticks = [0, 50, 100]
    elif unit == "%":
        ticks = [0, 20, 40, 60, 80, 100]
    else:
        ticks = None
    labels = [name for name, _ in rows]
    chart = pygal.HorizontalBar(**_config(
        style=RANK_STYLE, y_labels=ticks, margin_right=28,
        width=SIZES[size]["width"], height=max(200, 70 + 44 * len(rows)) if size == "wide" else max(260, 80 + 50 * len(rows)),
        range=(0, top), print_values=True,
        margin_left=10 + int(_text_width(labels, STYLE.label_font_size) * 0.45),
        value_formatter=lambda v: f"{v:.1f}{unit}" if unit == "%" else f"{v:.2f}{unit}"))
    chart.x_labels = labels
    chart.add(rows[0][1].name if rows else "", values)
    return _svg(chart, f"{rows[0][1].name}：各地区排名" if rows else "各地区排名")


def both(render, *args, **kwargs) -> dict:
    return {size: render(*args, size=size, **kwargs) for size in SIZES}

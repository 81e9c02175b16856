"""Charts drawn on the server as inline SVG, with the same numbers as a table and as CSV.

The builders compute every coordinate; the templates in templates/charts/ only print them.
A chart is drawn twice, in a wide and a narrow frame, and charts.css shows the one that fits
its box (a container query): an SVG scales its text with its width, so a single drawing cannot
keep 12 px labels readable both in a desktop card and on a 390 px phone.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import localize, number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Number = int | float | Decimal
ValueFormat = Callable[[Number], str]

WIDE = 600
NARROW = 360
SERIES_COLOURS = 8  # .chart-series-0 … -7 in charts.css
MISSING = "\u2013"  # en dash: a value that is not known
LABEL_SHARE = 0.4  # a label column takes at most this share of the width
GAP = 6


def text_width(text: str) -> float:
    """Width of `text` at 12 px, estimated on the wide side (DejaVu Sans) so nothing overflows."""
    em = 0.0
    for char in text:
        if char in " .,:;'!|iljI":
            em += 0.32
        elif char in "frt()[]-/":
            em += 0.42
        elif char in "mwMW%@":
            em += 0.92
        elif char.isupper():
            em += 0.72
        else:
            em += 0.62
    return em * 12


def fit(text: str, room: float) -> tuple[str, str]:
    """(shown, full): `text` cut with an ellipsis to fit `room`; `full` is set only when cut."""
    if text_width(text) <= room:
        return text, ""
    shown = text
    while shown and text_width(shown + "…") > room:
        shown = shown[:-1]
    return shown.rstrip() + "…", text


def segment_class(key: str) -> str:
    """CSS class of an RFM segment key (`potential_loyalist` → `chart-seg-potential-loyalist`)."""
    return "chart-seg-" + key.replace("_", "-")


def nice_ticks(lo: float, hi: float) -> list[float]:
    """3 to 5 round tick values (steps of 1, 2, 2.5 or 5 x 10^n) covering lo..hi."""
    if lo == hi:
        lo, hi = (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1) if lo else (0.0, 1.0)
    magnitude = 10 ** math.floor(math.log10((hi - lo) / 4))
    for multiple in (1, 2, 2.5, 5, 10, 20):
        step = multiple * magnitude
        first, last = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        count = round((last - first) / step) + 1
        if count <= 5:
            break
    ticks = [round(first + i * step, 10) for i in range(count)]
    # Whole ticks stay ints so a value_format for counts or money does not show ",0".
    return [int(t) if float(step).is_integer() and float(t).is_integer() else t for t in ticks]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]
    css_class: str = ""


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    css: str = ""
    anchor: str = "start"
    full: str = ""  # the whole label when `text` was cut; shown as a tooltip


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    tip: str = ""


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    css: str
    tip: str


@dataclass(frozen=True)
class Line:
    d: str
    css: str


@dataclass
class Frame:
    """One drawing of a chart at one viewBox width."""

    id: str
    size: str  # "wide" or "narrow": picks the CSS that shows it
    width: float
    height: float = 0
    grid: list[Rule] = field(default_factory=list)
    bars: list[Rect] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    swatches: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)


@dataclass(kw_only=True)
class Chart:
    kind: str
    title: str
    desc: str
    columns: list[str]
    rows: list[list[str]]
    raw_rows: list[list[str | Number | None]] = field(repr=False)
    frames: list[Frame] = field(default_factory=list)
    uid: str = field(default_factory=lambda: f"chart-{uuid.uuid4().hex[:8]}")

    @property
    def template_name(self) -> str:
        return f"charts/{self.kind}.html"

    @property
    def is_empty(self) -> bool:
        return not self.frames

    def csv_rows(self) -> list[list[str | Number]]:
        """Header and rows with raw numbers (None as ""), for csv.writer."""
        return [[str(c) for c in self.columns], *[["" if v is None else v for v in row] for row in self.raw_rows]]


def _fmt(value: Number | None, value_format: ValueFormat) -> str:
    return MISSING if value is None else value_format(value)


def _percent(share: float) -> str:
    return number_format(round(share * 100), 0) + "%"


def _frames(uid: str, width: int) -> list[Frame]:
    if width <= NARROW:
        return [Frame(id=f"{uid}-a", size="any", width=width)]
    return [Frame(id=f"{uid}-w", size="wide", width=width), Frame(id=f"{uid}-n", size="narrow", width=NARROW)]


def _extremes(pairs: Sequence[tuple[str, Number | None]], value_format: ValueFormat) -> str:
    known = [(label, value) for label, value in pairs if value is not None]
    if not known:
        return gettext("No data for this selection.")
    high, low = max(known, key=lambda p: p[1]), min(known, key=lambda p: p[1])
    parts = [gettext("Highest: %(label)s, %(value)s.") % {"label": high[0], "value": value_format(high[1])}]
    if len(known) > 1:
        parts.append(gettext("Lowest: %(label)s, %(value)s.") % {"label": low[0], "value": value_format(low[1])})
    return " ".join(parts)


def _scale(lo: float, hi: float, start: float, end: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: round(start + (float(v) - lo) / span * (end - start), 1)


def _legend(frame: Frame, series: Sequence[Series]) -> float:
    """Swatches in rows that wrap at the frame width; returns the height they take."""
    x, y = 0.0, 0.0
    for index, one in enumerate(series):
        label, full = fit(one.name, frame.width - 14)
        item = 14 + text_width(label) + 16
        if x and x + item > frame.width:
            x, y = 0.0, y + 18
        frame.swatches.append(Rect(x, y + 3, 10, 10, _series_class(one, index)))
        frame.texts.append(Text(x + 14, y + 12, label, "chart-legend", full=full))
        x += item
    return y + 30


def _series_class(series: Series, index: int) -> str:
    return series.css_class or f"chart-series-{index % SERIES_COLOURS}"


@dataclass(frozen=True)
class _Rows:
    """Vertical rhythm of one bar per category: labels left of the bars when they fit, else above."""

    label_room: float
    plot_start: float
    height: float
    bar_y: float
    bar_height: float
    label_y: float

    @classmethod
    def for_labels(cls, labels: Sequence[str], width: float) -> _Rows:
        longest = max((text_width(label) for label in labels), default=0)
        if longest <= width * LABEL_SHARE:
            return cls(label_room=longest, plot_start=longest + 12, height=28, bar_y=6, bar_height=16, label_y=18)
        return cls(label_room=width, plot_start=0, height=40, bar_y=19, bar_height=14, label_y=13)


def _draw_bars(
    frame: Frame, labels: list[str], values: list[Number | None], classes: list[str], texts: list[str]
) -> None:
    rows = _Rows.for_labels(labels, frame.width)
    room = max(text_width(t) for t in texts) + GAP + 2
    numbers = [float(v) for v in values if v is not None]
    lo, hi = min(0.0, *numbers), max(0.0, *numbers)
    x = _scale(lo, hi, rows.plot_start + (room if lo < 0 else 0), frame.width - room)
    for index, (label, value, css, text) in enumerate(zip(labels, values, classes, texts, strict=True)):
        top = index * rows.height
        shown, full = fit(label, rows.label_room)
        frame.texts.append(Text(0, top + rows.label_y, shown, "chart-label", full=full))
        mid = top + rows.bar_y + rows.bar_height / 2 + 4
        if value is None:
            frame.texts.append(Text(x(0) + GAP, mid, text, "chart-value chart-missing"))
            continue
        start, end = sorted((x(0), x(value)))
        if end > start:
            bar_css = css or ("chart-negative" if value < 0 else "chart-series-0")
            tip = f"{label}: {text}"
            frame.bars.append(Rect(start, top + rows.bar_y, round(end - start, 1), rows.bar_height, bar_css, tip))
        if value < 0:
            frame.texts.append(Text(start - GAP, mid, text, "chart-value", anchor="end"))
        else:
            frame.texts.append(Text(end + GAP, mid, text, "chart-value"))
    frame.height = len(labels) * rows.height
    frame.grid.append(Rule(x(0), 0, x(0), frame.height, "chart-zero"))


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, Number | None]],
    value_format: ValueFormat,
    key: Sequence[str | None] | None = None,
    label_column: str = _("Category"),
    value_column: str = _("Value"),
    width: int = WIDE,
) -> Chart:
    """Horizontal bars with the value at each bar's end; `key` gives each item a CSS class
    (e.g. `segment_class("champion")`); negative values run left of the zero line."""
    labels = [str(label) for label, _value in items]
    values = [value for _label, value in items]
    texts = [_fmt(v, value_format) for v in values]
    chart = Chart(
        kind="bar",
        title=title,
        desc=_extremes(list(zip(labels, values, strict=True)), value_format),
        columns=[label_column, value_column],
        rows=[[label, text] for label, text in zip(labels, texts, strict=True)],
        raw_rows=[[label, value] for label, value in zip(labels, values, strict=True)],
    )
    if any(v is not None for v in values):
        classes = [css or "" for css in key] if key else [""] * len(labels)
        chart.frames = _frames(chart.uid, width)
        for frame in chart.frames:
            _draw_bars(frame, labels, values, classes, texts)
    return chart


def _table(
    categories: list[str], series: Sequence[Series], value_format: ValueFormat
) -> tuple[list[list[str]], list[list[str | Number | None]]]:
    rows = [[c, *(_fmt(s.values[i], value_format) for s in series)] for i, c in enumerate(categories)]
    raw = [[c, *(s.values[i] for s in series)] for i, c in enumerate(categories)]
    return rows, raw


def grouped_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_format: ValueFormat,
    label_column: str = _("Category"),
    width: int = WIDE,
) -> Chart:
    """One group of horizontal bars per category (label above the group), one bar per series."""
    categories = [str(c) for c in categories]
    rows, raw = _table(categories, series, value_format)
    pairs = [(f"{c} ({s.name})", s.values[i]) for s in series for i, c in enumerate(categories)]
    chart = Chart(
        kind="grouped_bar",
        title=title,
        desc=_extremes(pairs, value_format),
        columns=[label_column, *(s.name for s in series)],
        rows=rows,
        raw_rows=raw,
    )
    numbers = [float(v) for _label, v in pairs if v is not None]
    if not numbers:
        return chart
    chart.frames = _frames(chart.uid, width)
    lo, hi = min(0.0, *numbers), max(0.0, *numbers)
    room = max(text_width(_fmt(v, value_format)) for _label, v in pairs) + GAP + 2
    for frame in chart.frames:
        y = _legend(frame, series) if len(series) > 1 else 0
        x = _scale(lo, hi, room if lo < 0 else 0, frame.width - room)
        top = y
        for index, category in enumerate(categories):
            shown, full = fit(category, frame.width)
            frame.texts.append(Text(0, y + 13, shown, "chart-label", full=full))
            y += 20
            for number, one in enumerate(series):
                value, text = one.values[index], _fmt(one.values[index], value_format)
                start, end = sorted((x(0), x(value or 0)))
                if end > start:
                    tip = f"{one.name}: {text}"
                    frame.bars.append(Rect(start, y, round(end - start, 1), 12, _series_class(one, number), tip))
                if value is not None and value < 0:
                    frame.texts.append(Text(start - GAP, y + 10, text, "chart-value", anchor="end"))
                else:
                    missing = " chart-missing" if value is None else ""
                    frame.texts.append(Text(end + GAP, y + 10, text, "chart-value" + missing))
                y += 16
            y += 12
        frame.grid.append(Rule(x(0), top, x(0), y - 12, "chart-zero"))
        frame.height = y - 8
    return chart


def stacked_bar_chart(
    *,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    value_format: ValueFormat,
    percent: bool = False,
    label_column: str = _("Category"),
    width: int = WIDE,
) -> Chart:
    """One horizontal bar per category, a segment per series; with `percent`, every bar is
    100 % (shares of the category's total) on a percentage axis, else the total is at its end."""
    categories = [str(c) for c in categories]
    rows, raw = _table(categories, series, value_format)
    totals: list[Number | None] = []
    for index, row in enumerate(raw):
        known = [v for v in row[1:] if v is not None]
        totals.append(sum(known) if known else None)
        rows[index].append(_fmt(totals[-1], value_format))
        row.append(totals[-1])
    # A share is of the sum of magnitudes, so mixed signs still add up to 100 %.
    shares = [
        [
            None if s.values[i] is None else float(s.values[i]) / (sum(abs(float(v)) for v in r[1:-1] if v) or 1)
            for s in series
        ]
        for i, r in enumerate(raw)
    ]
    if percent:
        for row, share_row in zip(rows, shares, strict=True):
            row[1:-1] = [t if p is None else f"{t} ({_percent(p)})" for t, p in zip(row[1:-1], share_row, strict=True)]
    chart = Chart(
        kind="stacked_bar",
        title=title,
        desc=_extremes(list(zip(categories, totals, strict=True)), value_format),
        columns=[label_column, *(s.name for s in series), gettext("Total")],
        rows=rows,
        raw_rows=raw,
    )
    if all(t is None for t in totals):
        return chart
    stacks = []  # per category: ([(series index, start, end)], end of negatives, end of positives)
    for index in range(len(categories)):
        below = above = 0.0
        stack = []
        for number, one in enumerate(series):
            value = shares[index][number] if percent else one.values[index]
            if not value:
                continue
            if value > 0:
                stack.append((number, above, above + float(value)))
                above += float(value)
            else:
                stack.append((number, below + float(value), below))
                below += float(value)
        stacks.append((stack, below, above))
    lo, hi = min(0.0, *(s[1] for s in stacks)), max(0.0, *(s[2] for s in stacks))
    room = 4 if percent else max(text_width(_fmt(t, value_format)) for t in totals) + GAP + 2
    chart.frames = _frames(chart.uid, width)
    for frame in chart.frames:
        y = _legend(frame, series) if len(series) > 1 else 0
        layout = _Rows.for_labels(categories, frame.width)
        left = layout.plot_start + (room if lo < 0 and not percent else 0)
        x = _scale(lo, hi, left, frame.width - room)
        top = y
        for index, (category, (stack, below, above)) in enumerate(zip(categories, stacks, strict=True)):
            shown, full = fit(category, layout.label_room)
            frame.texts.append(Text(0, y + layout.label_y, shown, "chart-label", full=full))
            for number, start, end in stack:
                one = series[number]
                tip = f"{one.name}: {rows[index][number + 1]}"
                width_ = round(x(end) - x(start), 1)
                frame.bars.append(
                    Rect(x(start), y + layout.bar_y, width_, layout.bar_height, _series_class(one, number), tip)
                )
            if not percent:
                mid = y + layout.bar_y + layout.bar_height / 2 + 4
                text = rows[index][-1]
                if above or not below:
                    frame.texts.append(Text(x(above) + GAP, mid, text, "chart-value chart-total"))
                else:
                    frame.texts.append(Text(x(below) - GAP, mid, text, "chart-value chart-total", anchor="end"))
            y += layout.height
        if percent:
            ticks = nice_ticks(lo, hi)
            for number, tick in enumerate(ticks):
                anchor = "start" if number == 0 else "end" if number == len(ticks) - 1 else "middle"
                frame.grid.append(Rule(x(tick), top, x(tick), y, "chart-grid"))
                frame.texts.append(Text(x(tick), y + 14, _percent(tick), "chart-tick", anchor=anchor))
            y += 20
        frame.grid.append(Rule(x(0), top, x(0), y - (20 if percent else 0), "chart-zero"))
        frame.height = y
    return chart


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    value_format: ValueFormat,
    y_min: Number | None = None,
    y_max: Number | None = None,
    label_column: str = _("Period"),
    width: int = WIDE,
) -> Chart:
    """Lines over periods; None leaves a gap. `y_min`/`y_max` pin the axis (a score of 1 to 5)."""
    x_labels = [str(x) for x in x_labels]
    rows, raw = _table(x_labels, series, value_format)
    desc = " ".join(f"{s.name}: {_extremes(list(zip(x_labels, s.values, strict=True)), value_format)}" for s in series)
    chart = Chart(
        kind="line",
        title=title,
        desc=desc,
        columns=[label_column, *(s.name for s in series)],
        rows=rows,
        raw_rows=raw,
    )
    numbers = [float(v) for s in series for v in s.values if v is not None]
    if not numbers:
        return chart
    # A pinned axis still stretches to take in values outside it.
    lo = min(numbers + ([float(y_min)] if y_min is not None else []))
    hi = max(numbers + ([float(y_max)] if y_max is not None else []))
    ticks = nice_ticks(lo, hi)
    tick_texts = [value_format(t) for t in ticks]
    chart.frames = _frames(chart.uid, width)
    for frame in chart.frames:
        top = (_legend(frame, series) if len(series) > 1 else 0) + 10
        bottom = top + (200 if frame.size == "wide" else 160)
        left = min(max(text_width(t) for t in tick_texts), frame.width * LABEL_SHARE) + 10
        y = _scale(ticks[0], ticks[-1], bottom, top)
        for tick, text in zip(ticks, tick_texts, strict=True):
            frame.grid.append(Rule(left, y(tick), frame.width, y(tick), "chart-zero" if tick == 0 else "chart-grid"))
            shown, full = fit(text, left - 10)
            frame.texts.append(Text(left - 8, y(tick) + 4, shown, "chart-tick", anchor="end", full=full))
        band = (frame.width - left) / len(x_labels)
        x = [round(left + band * (i + 0.5), 1) for i in range(len(x_labels))]
        # Thin out period labels that would collide, always keeping the latest one.
        every = max(1, math.ceil((max(text_width(t) for t in x_labels) + 8) / band))
        for index, label in enumerate(x_labels):
            if (len(x_labels) - 1 - index) % every == 0:
                shown, full = fit(label, band * every - 8)
                frame.texts.append(Text(x[index], bottom + 18, shown, "chart-tick", anchor="middle", full=full))
        for number, one in enumerate(series):
            css = _series_class(one, number)
            path, pen_down = [], False
            for index, value in enumerate(one.values):
                if value is None:
                    pen_down = False
                    continue
                path.append(f"{'L' if pen_down else 'M'}{x[index]} {y(value)}")
                pen_down = True
                tip = f"{one.name} · {x_labels[index]}: {value_format(value)}"
                frame.points.append(Point(x[index], y(value), css, tip))
            if path:
                frame.lines.append(Line(" ".join(path), css))
        frame.height = bottom + 26
    return chart


def sparkline(
    *,
    title: str,
    values: Sequence[Number | None],
    value_format: ValueFormat = localize,
    css_class: str = "chart-series-0",
) -> Chart:
    """A tiny trend line for a table cell (80 x 20); None leaves a gap, the last value has a dot."""
    labels = [str(i) for i in range(1, len(values) + 1)]
    known = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    desc = gettext("No data for this selection.")
    if known:
        numbers = [v for v in values if v is not None]
        desc = gettext("Latest: %(latest)s. Highest: %(high)s. Lowest: %(low)s.") % {
            "latest": value_format(numbers[-1]),
            "high": value_format(max(numbers)),
            "low": value_format(min(numbers)),
        }
    chart = Chart(
        kind="sparkline",
        title=title,
        desc=desc,
        columns=[gettext("Point"), title],
        rows=[[label, _fmt(v, value_format)] for label, v in zip(labels, values, strict=True)],
        raw_rows=[[label, v] for label, v in zip(labels, values, strict=True)],
    )
    if not known:
        return chart
    frame = Frame(id=f"{chart.uid}-a", size="any", width=80, height=20)
    lo, hi = min(v for _i, v in known), max(v for _i, v in known)
    step = 76 / max(len(values) - 1, 1)
    y = _scale(lo, hi, 18, 2) if hi > lo else (lambda _v: 10.0)
    indexes = {index for index, _value in known}
    path = []
    for index, value in known:
        x, joined = round(2 + index * step, 1), index - 1 in indexes
        path.append(f"{'L' if joined else 'M'}{x} {y(value)}")
        # A value with gaps on both sides draws no segment, so it gets a dot, as does the latest.
        if (not joined and index + 1 not in indexes) or index == known[-1][0]:
            frame.points.append(Point(x, y(value), css_class, ""))
    frame.lines.append(Line(" ".join(path), css_class))
    chart.frames = [frame]
    return chart

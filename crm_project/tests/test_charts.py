import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from crm_project.charts import (
    Rect,
    Series,
    bar_chart,
    fit,
    grouped_bar_chart,
    line_chart,
    nice_ticks,
    segment_class,
    sparkline,
    stacked_bar_chart,
    text_width,
)

DASH = "\u2013"  # en dash, shown for a missing value


def plain(value) -> str:
    return str(value)


def render(source: str, **context) -> str:
    return Template("{% load charts %}" + source).render(Context(context))


def texts(frame) -> list[str]:
    return [t.text for t in frame.texts]


def test_text_width_counts_narrow_and_wide_characters():
    assert text_width("ab") == pytest.approx(14.88)  # 2 x 0.62 em at 12 px
    assert text_width("Il") == pytest.approx(7.68)
    assert text_width("") == 0


def test_fit_cuts_long_text_with_an_ellipsis_and_keeps_the_full_text():
    assert fit("Juara", 100) == ("Juara", "")
    assert fit("Pelanggan setia potensial", 60) == ("Pelangg…", "Pelanggan setia potensial")


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (1, 5, [1, 2, 3, 4, 5]),
        (0, 100, [0, 25, 50, 75, 100]),
        (0, 0.83, [0, 0.25, 0.5, 0.75, 1]),
        (-120_000_000, 260_000_000, [-200_000_000, 0, 200_000_000, 400_000_000]),
        (0, 0, [0, 0.25, 0.5, 0.75, 1]),
    ],
)
def test_nice_ticks_are_round_and_cover_the_values(lo, hi, expected):
    assert nice_ticks(lo, hi) == expected


def test_nice_ticks_of_whole_steps_are_ints():
    assert all(isinstance(t, int) for t in nice_ticks(0, 900_000))


def test_segment_class_follows_the_segment_key():
    assert segment_class("potential_loyalist") == "chart-seg-potential-loyalist"


def test_bar_chart_geometry():
    chart = bar_chart(title="Revenue", items=[("A", 10), ("B", 5)], value_format=plain)
    wide, narrow = chart.frames
    assert (wide.size, wide.width, wide.height) == ("wide", 600, 56)
    assert (narrow.size, narrow.width) == ("narrow", 360)
    # label column "A" = 8.64 + 12 gap; the value column "10" = 14.88 + 8 keeps 577.1 as the end
    assert wide.bars == [
        Rect(20.6, 6, 556.5, 16, "chart-series-0", "A: 10"),
        Rect(20.6, 34, 278.3, 16, "chart-series-0", "B: 5"),
    ]
    values = [t for t in wide.texts if t.css == "chart-value"]
    assert [(t.x, t.y, t.text, t.anchor) for t in values] == [(583.1, 18.0, "10", "start"), (304.9, 46.0, "5", "start")]
    assert [(r.x1, r.x2, r.css) for r in wide.grid] == [(20.6, 20.6, "chart-zero")]


def test_bar_chart_negative_values_run_left_of_the_zero_line():
    chart = bar_chart(title="Change", items=[("Up", 30), ("Down", -10)], value_format=plain)
    frame = chart.frames[0]
    zero = frame.grid[0].x1
    up, down = frame.bars
    assert up.x == zero and up.css == "chart-series-0"
    assert down.x + down.width == pytest.approx(zero) and down.css == "chart-negative"
    assert up.width == pytest.approx(3 * down.width, abs=0.2)
    label = next(t for t in frame.texts if t.text == "-10")
    assert (label.x, label.anchor) == (round(down.x - 6, 1), "end")
    assert label.x - text_width("-10") >= text_width("Down") + 12  # clear of the label column


def test_bar_chart_none_shows_a_dash_and_no_bar():
    chart = bar_chart(title="Revenue", items=[("A", Decimal("5.5")), ("B", None)], value_format=plain)
    frame = chart.frames[0]
    assert len(frame.bars) == 1
    missing = [t for t in frame.texts if "chart-missing" in t.css]
    assert [t.text for t in missing] == [DASH]
    assert chart.rows == [["A", "5.5"], ["B", DASH]]
    assert chart.csv_rows() == [["Category", "Value"], ["A", Decimal("5.5")], ["B", ""]]


def test_bar_chart_key_gives_each_bar_its_class():
    chart = bar_chart(
        title="Segments",
        items=[("Champions", 3), ("Hibernating", 1)],
        value_format=plain,
        key=[segment_class("champion"), None],
    )
    assert [b.css for b in chart.frames[0].bars] == ["chart-seg-champion", "chart-series-0"]


def test_bar_chart_desc_names_the_highest_and_lowest():
    chart = bar_chart(title="Revenue", items=[("A", 12.5), ("B", 3), ("C", None)], value_format=plain)
    assert chart.desc == "Highest: A, 12.5. Lowest: B, 3."


def test_long_labels_go_above_the_bars_and_are_cut_in_the_narrow_frame():
    label = "Sumatera Utara dan Kepulauan Riau (termasuk Batam) bagian utara"
    chart = bar_chart(title="Regions", items=[(label, 4), ("Bali", 2)], value_format=plain)
    wide, narrow = chart.frames
    assert wide.bars[0].x == 0 and wide.bars[0].y == 19  # label row above the bar
    cut = narrow.texts[0]
    assert cut.text.endswith("…") and cut.full == label
    assert text_width(cut.text) <= 360
    html = render("{% chart c %}", c=chart)
    assert f"<title>{label}</title>" in html


@pytest.mark.parametrize("items", [[], [("A", None), ("B", None)]])
def test_bar_chart_without_values_says_so(items):
    chart = bar_chart(title="Revenue", items=items, value_format=plain)
    assert chart.is_empty
    html = render("{% chart c %}", c=chart)
    assert "No data for this selection." in html
    assert "<svg" not in html


def test_chart_svg_is_accessible_scalable_and_free_of_inline_styles():
    chart = bar_chart(title="Revenue", items=[("A", 10)], value_format=plain)
    html = render("{% chart c %}", c=chart)
    assert html.count('role="img"') == 2  # wide and narrow frames
    assert 'width="100%"' in html and 'viewBox="0 0 600 28"' in html and 'viewBox="0 0 360 28"' in html
    assert "style=" not in html
    for frame in chart.frames:
        assert f'aria-labelledby="{frame.id}-title {frame.id}-desc"' in html
        assert f'<title id="{frame.id}-title">Revenue</title>' in html
        assert f'<desc id="{frame.id}-desc">Highest: A, 10.</desc>' in html
    assert 'rx="2" class="chart-bar chart-series-0"' in html


def test_two_charts_on_a_page_have_distinct_ids():
    first = bar_chart(title="One", items=[("A", 1)], value_format=plain)
    second = bar_chart(title="One", items=[("A", 1)], value_format=plain)
    ids = re.findall(r'id="([^"]+)"', render("{% chart a %}{% chart b %}", a=first, b=second))
    assert len(ids) == 8
    assert len(set(ids)) == 8


def test_labels_are_escaped_in_the_chart_and_the_table():
    chart = bar_chart(title="<b>T</b>", items=[("<script>alert(1)</script>", 1)], value_format=plain)
    html = render("{% chart c %}{% chart_table c %}", c=chart)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_coordinates_stay_unlocalized_in_indonesian():
    chart = bar_chart(title="Revenue", items=[("A", 10), ("B", 5)], value_format=plain)
    with translation.override("id"):
        html = render("{% chart c %}", c=chart)
    assert 'width="278.3"' in html
    assert not re.search(r'(x|y|width|height)="\d+,\d', html)


def test_chart_table_renders_columns_rows_and_caption():
    chart = bar_chart(title="Revenue", items=[("A", 10), ("B", None)], value_format=lambda v: f"Rp {v}")
    html = render("{% chart_table c %}", c=chart)
    assert '<div class="table-responsive">' in html
    assert '<table class="table table-sm chart-table caption-top">' in html
    assert "<caption>Revenue</caption>" in html
    assert re.findall(r"<tr>(.*?)</tr>", html) == [
        '<th scope="col">Category</th><th scope="col" class="text-end">Value</th>',
        '<th scope="row">A</th><td class="text-end">Rp 10</td>',
        '<th scope="row">B</th><td class="text-end">\u2013</td>',
    ]


def test_grouped_bar_chart():
    chart = grouped_bar_chart(
        title="Customers per segment",
        categories=["Champions", "Loyal"],
        series=[Series("Key accounts", [4, None]), Series("Regular", [8, 2], "chart-muted")],
        value_format=plain,
    )
    frame = chart.frames[0]
    # no label column: values run from 0 to 584.56 (600 less the widest value, 7.44 + 8)
    assert [s.css for s in frame.swatches] == ["chart-series-0", "chart-muted"]
    assert [(b.y, b.width, b.css, b.tip) for b in frame.bars] == [
        (50, 292.3, "chart-series-0", "Key accounts: 4"),
        (66, 584.6, "chart-muted", "Regular: 8"),
        (130, 146.1, "chart-muted", "Regular: 2"),  # below the dash row of the missing key accounts
    ]
    assert texts(frame)[:4] == ["Key accounts", "Regular", "Champions", "4"]
    assert chart.columns == ["Category", "Key accounts", "Regular"]
    assert chart.rows == [["Champions", "4", "8"], ["Loyal", DASH, "2"]]
    assert chart.csv_rows()[1:] == [["Champions", 4, 8], ["Loyal", "", 2]]
    assert chart.desc == "Highest: Champions (Regular), 8. Lowest: Loyal (Regular), 2."


def test_stacked_bar_chart_stacks_segments_and_shows_the_total():
    chart = stacked_bar_chart(
        title="Plans",
        categories=["Team A", "Team B"],
        series=[Series("Draft", [2, None]), Series("Approved", [3, 1])],
        value_format=plain,
    )
    frame = chart.frames[0]
    first, second, third = frame.bars
    assert first.x + first.width == pytest.approx(second.x, abs=0.1)
    assert second.width == pytest.approx(first.width * 1.5, abs=0.2)
    assert third.x == first.x
    totals = [t for t in frame.texts if "chart-total" in t.css]
    assert [(t.text, t.x) for t in totals] == [("5", round(second.x + second.width + 6, 1)), ("1", totals[1].x)]
    assert chart.columns == ["Category", "Draft", "Approved", "Total"]
    assert chart.rows == [["Team A", "2", "3", "5"], ["Team B", DASH, "1", "1"]]
    assert chart.csv_rows()[1:] == [["Team A", 2, 3, 5], ["Team B", "", 1, 1]]


def test_stacked_bar_chart_in_percent_fills_the_width_and_shows_shares():
    chart = stacked_bar_chart(
        title="Score change",
        categories=["Team A"],
        series=[Series("Better", [2]), Series("Same", [6]), Series("Worse", [2])],
        value_format=plain,
        percent=True,
    )
    frame = chart.frames[0]
    # plot from 59.04 (label "Team A" = 47.04 + 12) to 596 (4 spare): 536.96 wide
    assert [b.width for b in frame.bars] == pytest.approx([107.4, 322.2, 107.4], abs=0.1)
    assert frame.bars[-1].x + frame.bars[-1].width == pytest.approx(596, abs=0.1)
    assert [t.text for t in frame.texts if t.css == "chart-tick"] == ["0%", "25%", "50%", "75%", "100%"]
    assert chart.rows == [["Team A", "2 (20%)", "6 (60%)", "2 (20%)", "10"]]
    assert chart.csv_rows()[1] == ["Team A", 2, 6, 2, 10]


def test_line_chart_ticks_gaps_and_points():
    chart = line_chart(
        title="Score",
        x_labels=["Q1", "Q2", "Q3", "Q4"],
        series=[Series("Key accounts", [3, None, 4, 5])],
        value_format=lambda v: f"{v:.1f}",
        y_min=1,
        y_max=5,
    )
    frame = chart.frames[0]
    assert [t.text for t in frame.texts if t.anchor == "end"] == ["1.0", "2.0", "3.0", "4.0", "5.0"]
    assert len(frame.grid) == 5
    (line,) = frame.lines
    assert line.d.count("M") == 2  # a gap where Q2 is None
    assert line.d.startswith("M") and " L" not in line.d.split("M")[1]
    assert [p.tip for p in frame.points] == [
        "Key accounts · Q1: 3.0",
        "Key accounts · Q3: 4.0",
        "Key accounts · Q4: 5.0",
    ]
    assert [p.y for p in frame.points] == [110.0, 60.0, 10.0]  # 5 at the top, 1 at y=210
    assert chart.rows == [["Q1", "3.0"], ["Q2", DASH], ["Q3", "4.0"], ["Q4", "5.0"]]
    assert chart.csv_rows() == [["Period", "Key accounts"], ["Q1", 3], ["Q2", ""], ["Q3", 4], ["Q4", 5]]
    assert chart.desc == "Key accounts: Highest: Q4, 5.0. Lowest: Q1, 3.0."
    html = render("{% chart c %}", c=chart)
    assert '<circle cx="' in html and "<title>Key accounts · Q3: 4.0</title>" in html


def test_line_chart_thins_crowded_period_labels_and_keeps_the_latest():
    labels = [f"Month {i}" for i in range(1, 13)]
    chart = line_chart(title="Share", x_labels=labels, series=[Series("Share", list(range(12)))], value_format=plain)
    narrow = chart.frames[1]
    shown = [t.text for t in narrow.texts if t.anchor == "middle"]
    assert shown[-1] == "Month 12"
    assert len(shown) < 12


def test_line_chart_with_negative_values_draws_the_zero_line():
    chart = line_chart(
        title="Profit", x_labels=["2024", "2025"], series=[Series("Profit", [-120, 260])], value_format=plain
    )
    assert [r.css for r in chart.frames[0].grid] == ["chart-grid", "chart-zero", "chart-grid", "chart-grid"]


def test_line_chart_without_values_is_empty():
    chart = line_chart(title="Score", x_labels=["Q1"], series=[Series("A", [None])], value_format=plain)
    assert chart.is_empty
    assert chart.csv_rows() == [["Period", "A"], ["Q1", ""]]


def test_sparkline():
    chart = sparkline(title="Trend", values=[1, None, 2, 3], value_format=plain)
    (frame,) = chart.frames
    assert (frame.width, frame.height) == (80, 20)
    assert frame.lines[0].d == "M2.0 18.0 M52.7 10.0 L78.0 2.0"
    assert [(p.x, p.y) for p in frame.points] == [(2, 18.0), (78.0, 2.0)]  # the lone first value, and the latest
    assert chart.desc == "Latest: 3. Highest: 3. Lowest: 1."
    html = render("{% chart c %}", c=chart)
    assert 'class="chart-sparkline" viewBox="0 0 80 20" width="100%" role="img"' in html
    assert "<title id=" in html


def test_sparkline_without_values_renders_a_dash():
    chart = sparkline(title="Trend", values=[None, None])
    assert chart.is_empty
    assert "<svg" not in render("{% chart c %}", c=chart)

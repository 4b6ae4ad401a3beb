"""Charts: functions (DataFrame) -> alt.Chart with one shared Vietnamese style.

Data is aggregated before it reaches a chart (a few dozen rows at most), so charts stay fast at
any ward size. Numbers and dates use Vietnamese formats ("1.234,5", "07/04/2024").
"""

from __future__ import annotations

import altair as alt
import pandas as pd
from pandas.io.formats.style import Styler

# Vega's d3 locale for vi-VN: decimal comma, dot thousands.
VI_LOCALE = alt.Locale(
    number=alt.NumberLocale(decimal=",", thousands=".", grouping=[3], currency=["", " ₫"]),
    time={
        "dateTime": "%A, %d/%m/%Y %X", "date": "%d/%m/%Y", "time": "%H:%M:%S",
        "periods": ["SA", "CH"],
        "days": ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
        "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        "months": [f"Tháng {i}" for i in range(1, 13)],
        "shortMonths": [f"Th{i}" for i in range(1, 13)],
    },
)
# Okabe & Ito's palette for colour-blind readers (https://jfly.uni-koeln.de/color/): its eight
# colours stay apart in every common colour-vision deficiency. Every colour of the app's charts
# and tables is one of these; the words beside them always carry the meaning on their own.
BLACK, ORANGE, SKY_BLUE, BLUISH_GREEN = "#000000", "#E69F00", "#56B4E9", "#009E73"
YELLOW, BLUE, VERMILLION, REDDISH_PURPLE = "#F0E442", "#0072B2", "#D55E00", "#CC79A7"
GREY, LIGHT_GREY = "#999999", "#D9D9D9"
# Met in green and blue, not met in vermillion, behind the yearly pace in orange: "Chưa đạt"
# and "Chậm tiến độ" are told apart by colour too, not only by their words.
STATUS_COLORS = {
    "Đạt": BLUISH_GREEN,
    "Vượt chỉ tiêu": BLUE,
    "Đúng tiến độ": SKY_BLUE,
    "Chưa đạt": VERMILLION,
    "Chậm tiến độ": ORANGE,
    "Chưa có số liệu": LIGHT_GREY,
}
ACCENT = BLUE  # a line or bar that is not a status: the figures themselves
TARGET = BLUISH_GREEN  # what a figure is compared to: the target's rule, band or path (dashed)
FONT = "Source Sans Pro, sans-serif"


def style(chart: alt.Chart | alt.LayerChart, height: int = 260) -> alt.Chart | alt.LayerChart:
    """Apply the shared look: Vietnamese locale, font, no chart border, responsive width."""
    return (
        chart.properties(height=height, width="container")
        .configure(locale=VI_LOCALE, font=FONT)
        .configure_view(strokeWidth=0)
        .configure_axis(labelFontSize=12, titleFontSize=12, labelLimit=260)
        .configure_legend(orient="bottom", title=None, labelFontSize=12)
    )


def _status_scale(statuses: list[str]) -> alt.Scale:
    domain = [s for s in STATUS_COLORS if s in statuses] + [
        s for s in statuses if s not in STATUS_COLORS]
    return alt.Scale(domain=domain, range=[STATUS_COLORS.get(s, ACCENT) for s in domain])


def status_bars(frame: pd.DataFrame, *, group: str = "Nhóm", status: str = "Trạng thái",
                count: str = "Số chỉ tiêu") -> alt.Chart:
    """Stacked horizontal bars: how many items of each group are in each status."""
    statuses = sorted(frame[status].unique().tolist())
    chart = alt.Chart(frame).mark_bar().encode(
        y=alt.Y(f"{group}:N", title=None, sort=None),
        x=alt.X(f"{count}:Q", title=count, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{status}:N", scale=_status_scale(statuses)),
        order=alt.Order(f"{status}:N"),
        tooltip=[alt.Tooltip(f"{group}:N"), alt.Tooltip(f"{status}:N"),
                 alt.Tooltip(f"{count}:Q", format=",d")],
    )
    return style(chart, height=max(120, 38 * frame[group].nunique()))


def trend(frame: pd.DataFrame, *, target: float | None = None, target_max: float | None = None,
          unit: str = "", year: str = "Năm", value: str = "Giá trị") -> alt.Chart:
    """A line of values per year, with the target as a dashed rule (a band for a range)."""
    title = f"{value} ({unit})" if unit else value
    base = alt.Chart(frame).encode(
        x=alt.X(f"{year}:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(f"{value}:Q", title=title, axis=alt.Axis(format=",.1~f"),
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip(f"{year}:O"), alt.Tooltip(f"{value}:Q", format=",.2~f")],
    )
    layers: list[alt.Chart] = [base.mark_line(color=ACCENT, point=True)]
    if target is not None and target_max is not None:
        band = pd.DataFrame({"Từ": [target], "Đến": [target_max]})
        layers.insert(0, alt.Chart(band).mark_rect(color=TARGET, opacity=0.15).encode(
            y="Từ:Q", y2="Đến:Q"))
    elif target is not None:
        rule = pd.DataFrame({"Chỉ tiêu": [target]})
        layers.append(alt.Chart(rule).mark_rule(color=TARGET, strokeDash=[6, 4]).encode(
            y="Chỉ tiêu:Q", tooltip=[alt.Tooltip("Chỉ tiêu:Q", format=",.2~f")]))
    return style(alt.layer(*layers), height=220)


def bars(frame: pd.DataFrame, category: str, count: str, *, color: str | None = None,
         sort_by_count: bool = True) -> alt.Chart:
    """Horizontal bars of a count per category, optionally split by a colour column."""
    encoding = {
        "y": alt.Y(f"{category}:N", title=None,
                   sort=alt.EncodingSortField(field=count, op="sum", order="descending")
                   if sort_by_count else None),
        "x": alt.X(f"sum({count}):Q", title=count, axis=alt.Axis(tickMinStep=1, format=",d")),
        "tooltip": [alt.Tooltip(f"{category}:N"), alt.Tooltip(f"sum({count}):Q", format=",d",
                                                              title=count)],
    }
    if color is not None:
        values = sorted(frame[color].unique().tolist())
        encoding["color"] = alt.Color(f"{color}:N", scale=_status_scale(values))
        encoding["tooltip"].insert(1, alt.Tooltip(f"{color}:N"))
    else:
        encoding["color"] = alt.value(ACCENT)
    chart = alt.Chart(frame).mark_bar().encode(**encoding)
    return style(chart, height=max(120, 28 * frame[category].nunique()))


def _text_on(background: str) -> str:
    """Return black or white, whichever reads better on the background (WCAG luminance)."""
    channels = [int(background[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05): equal at L ≈ 0.18.
    return BLACK if luminance > 0.179 else "#FFFFFF"


def status_cell(status: object) -> str:
    """Return the CSS that colours a table cell holding a status ("" for any other text)."""
    color = STATUS_COLORS.get(str(status))
    return f"background-color: {color}; color: {_text_on(color)}" if color else ""


def status_table(frame: pd.DataFrame, column: str = "Đánh giá") -> Styler | pd.DataFrame:
    """Colour the status column of a table by `STATUS_COLORS` (st.dataframe draws a Styler)."""
    if frame.empty or column not in frame.columns:
        return frame
    return frame.style.map(status_cell, subset=[column])

"""Charts: functions (DataFrame) -> alt.Chart with one shared Vietnamese style.

Data is aggregated before it reaches a chart (a few dozen rows at most), so charts stay fast at
any ward size. Numbers and dates use Vietnamese formats ("1.234,5", "07/04/2024").
"""

from __future__ import annotations

import altair as alt
import pandas as pd

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
STATUS_COLORS = {
    "Đạt": "#2e7d32",
    "Vượt chỉ tiêu": "#1b5e20",
    "Đúng tiến độ": "#2e7d32",
    "Chưa đạt": "#c62828",
    "Chậm tiến độ": "#c62828",
    "Chưa có số liệu": "#9e9e9e",
}
ACCENT = "#b71c1c"
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
        layers.insert(0, alt.Chart(band).mark_rect(color="#2e7d32", opacity=0.12).encode(
            y="Từ:Q", y2="Đến:Q"))
    elif target is not None:
        rule = pd.DataFrame({"Chỉ tiêu": [target]})
        layers.append(alt.Chart(rule).mark_rule(color="#2e7d32", strokeDash=[6, 4]).encode(
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

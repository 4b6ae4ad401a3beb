"""Charts build valid Vega-Lite with the Vietnamese locale, whatever the data."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from services.charts import (
    STATUS_COLORS,
    bars,
    status_bars,
    status_cell,
    status_table,
    trend,
)
from services.progress import Status


def test_status_bars_colour_each_status_and_use_vietnamese_number_format() -> None:
    frame = pd.DataFrame({"Nhóm": ["2.1", "2.1", "2.2.1"], "Trạng thái": ["Đạt", "Chưa đạt", "Đạt"],
                          "Số chỉ tiêu": [7, 3, 2]})
    spec = status_bars(frame).to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Đạt", "Chưa đạt"]
    assert scale["range"] == [STATUS_COLORS["Đạt"], STATUS_COLORS["Chưa đạt"]]


def test_trend_with_a_range_target_draws_a_band_and_with_a_level_a_rule() -> None:
    frame = pd.DataFrame({"Năm": [2023, 2024], "Giá trị": [3.1, 3.4]})
    band = trend(frame, target=3, target_max=4, unit="m²/người").to_dict()
    assert band["layer"][0]["mark"]["type"] == "rect"
    rule = trend(frame, target=55, unit="%").to_dict()
    assert rule["layer"][-1]["mark"]["type"] == "rule"
    assert rule["layer"][0]["encoding"]["y"]["title"] == "Giá trị (%)"


def test_bars_on_an_empty_frame_still_build() -> None:
    frame = pd.DataFrame({"Lĩnh vực": [], "Số mô hình": []})
    assert bars(frame, "Lĩnh vực", "Số mô hình").to_dict()["mark"]["type"] == "bar"


# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB: how people with each common
# colour-vision deficiency see a colour.
CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protan": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
               (-0.003882, -0.048116, 1.051998)),
    "deutan": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
               (-0.011820, 0.042940, 0.968881)),
    "tritan": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
               (0.004733, 0.691367, 0.303900)),
}


def _linear(color: str) -> list[float]:
    out = []
    for i in (1, 3, 5):
        c = int(color[i:i + 2], 16) / 255
        out.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return out


def _lab(rgb: list[float]) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a linear RGB colour."""
    r, g, b = (min(max(c, 0.0), 1.0) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def _seen(color: str, vision: str) -> tuple[float, float, float]:
    rgb = _linear(color)
    return _lab([sum(m * c for m, c in zip(row, rgb, strict=True)) for row in CVD[vision]])


@pytest.mark.parametrize("vision", list(CVD))
def test_met_not_met_and_behind_look_different_to_colour_blind_people_too(vision: str) -> None:
    # The statuses that mean different things: met, not met, behind the pace, no data.
    apart = ["Đạt", "Chưa đạt", "Chậm tiến độ", "Chưa có số liệu"]
    for a, b in itertools.combinations(apart, 2):
        distance = sum((p - q) ** 2 for p, q in zip(_seen(STATUS_COLORS[a], vision),
                                                    _seen(STATUS_COLORS[b], vision),
                                                    strict=True)) ** 0.5
        assert distance > 15, (vision, a, b, round(distance, 1))  # ΔE*ab 15: plainly apart


def test_every_status_has_its_own_colour() -> None:
    assert set(STATUS_COLORS) == {str(s) for s in Status}
    assert STATUS_COLORS["Chưa đạt"] != STATUS_COLORS["Chậm tiến độ"]
    assert len(set(STATUS_COLORS.values())) == len(STATUS_COLORS)


@pytest.mark.parametrize("status", list(Status))
def test_status_cell_text_has_enough_contrast_on_its_colour(status: Status) -> None:
    css = dict(part.split(": ") for part in status_cell(status.label()).split("; "))

    def luminance(color: str) -> float:
        r, g, b = _linear(color)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted([luminance(css["background-color"]), luminance(css["color"])],
                         reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5  # WCAG AA for normal text


def test_status_table_colours_only_the_status_column_and_keeps_the_words() -> None:
    frame = pd.DataFrame({"Mã": ["2.1.4", "2.1.5"], "Đánh giá": ["Chậm tiến độ", "Chưa đạt"]})
    styled = status_table(frame)
    html = styled.to_html()
    assert STATUS_COLORS["Chậm tiến độ"].lower() in html.lower()
    assert STATUS_COLORS["Chưa đạt"].lower() in html.lower()
    assert styled.data["Đánh giá"].tolist() == ["Chậm tiến độ", "Chưa đạt"]
    assert status_cell("2.1.4") == ""  # a code is not a status
    assert status_table(frame.iloc[:0]) is not None

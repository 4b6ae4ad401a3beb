"""Charts build valid Vega-Lite with the Vietnamese locale, whatever the data."""

from __future__ import annotations

import pandas as pd

from services.charts import bars, status_bars, trend


def test_status_bars_colour_each_status_and_use_vietnamese_number_format() -> None:
    frame = pd.DataFrame({"Nhóm": ["2.1", "2.1", "2.2.1"], "Trạng thái": ["Đạt", "Chưa đạt", "Đạt"],
                          "Số chỉ tiêu": [7, 3, 2]})
    spec = status_bars(frame).to_dict()
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    assert spec["config"]["locale"]["number"]["thousands"] == "."
    scale = spec["encoding"]["color"]["scale"]
    assert scale["domain"] == ["Đạt", "Chưa đạt"]
    assert scale["range"] == ["#2e7d32", "#c62828"]


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

"""Report documents: figures equal the dashboard's, the DOCX follows the Party layout, and a
formula-looking value stays text in the DOCX, the CSV and the Excel file."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from docx import Document
from docx.shared import Mm

from services import dashboard as board
from services import report as rp
from services.bootstrap import fill
from services.choices import ReportKind
from services.clock import today
from services.config import load_settings
from services.docx_report import render
from services.export import write_csv, write_xlsx
from services.store.sql import SqlStore
from services.validation import Snapshot

FORMULA = '=HYPERLINK("http://evil.example","Bấm")'


@pytest.fixture
def demo(sql_store: SqlStore) -> Snapshot:
    """The demo ward in the real embedded store."""
    fill(sql_store, demo=True, year=load_settings().year)
    return sql_store.snapshot()


def _build(kind: str, snapshot: Snapshot, **kwargs: object) -> rp.Report:
    config = load_settings()
    year = kwargs.pop("year", config.year)
    return rp.build(kind, snapshot, config, year=year, day=today(), **kwargs)  # type: ignore[arg-type]


def _table(report: rp.Report, title_start: str) -> rp.Table:
    return next(t for t in report.tables() if t.title.startswith(title_start))


def body_texts(data: bytes) -> list[str]:
    """Return the document's paragraphs in body order as python-docx reads them (tabs as
    "\t"), then the paragraphs inside its tables."""
    document = Document(io.BytesIO(data))
    cells = [p.text for t in document.tables for row in t.rows for c in row.cells
             for p in c.paragraphs]
    return [t for t in [p.text for p in document.paragraphs] + cells if t.strip()]


def _index(texts: list[str], predicate: object, start: int = 0) -> int:
    return next(i for i in range(start, len(texts)) if predicate(texts[i]))  # type: ignore[operator]


# --- figures equal the dashboard's ---------------------------------------------------------


def test_indicator_table_equals_the_dashboards_judgement(demo: Snapshot) -> None:
    year = load_settings().year - 1
    report = _build("chi-tieu", demo, year=year)
    view = board.indicator_view(demo, year)
    judged = _table(report, "Bảng 1.")
    assert [(r[1], r[4], r[5]) for r in judged.rows] == [
        (e.code, e.value_text, str(e.status)) for e in view.evaluations]
    behind = _table(report, "Bảng 3.")
    assert [r[1] for r in behind.rows] == [e.code for e in view.evaluations if e.met is False]
    assert f"{view.met} chỉ tiêu đạt" in " ".join(
        b.text for s in report.sections for b in s.blocks if isinstance(b, rp.Paragraph))
    trend = _table(report, "Bảng 2.")
    assert trend.header[3] == "2022" and trend.header[-1] == str(year)


def test_behind_indicators_carry_the_notes_entered_with_their_values(demo: Snapshot) -> None:
    year = load_settings().year - 1
    behind = _table(_build("chi-tieu", demo, year=year), "Bảng 3.")
    assert any(row[-1] for row in behind.rows), "no note was carried into the report"


def test_campaign_tables_equal_the_dashboards_registrations(demo: Snapshot) -> None:
    year = load_settings().year
    report = _build("dan-van-kheo", demo)
    view = board.build_registrations(demo, year, today())
    fields = _table(report, "Bảng 1.")
    assert [(r[1], r[2]) for r in fields.rows[:-1]] == [
        tuple(r) for r in view.by_field.itertuples(index=False, name=None)]
    assert fields.rows[-1][1:] == ("Tổng cộng", view.total)
    assert [r[1] for r in _table(report, "Bảng 3.").rows] == view.not_registered["Đơn vị"].tolist()
    assert [r[2] for r in _table(report, "Bảng 4.").rows] == view.overdue["Tên mô hình"].tolist()
    assert len(_table(report, "Bảng 2.").rows) == view.total


def test_one_phase_counts_only_its_models_and_an_unknown_phase_is_refused(
        demo: Snapshot) -> None:
    year = load_settings().year
    phases = rp.cp.campaign_names(demo, year)
    report = _build("dan-van-kheo", demo, campaign=phases[-1])
    assert phases[-1] in report.subject
    assert len(_table(report, "Bảng 2.").rows) == len(rp.cp.registrations_of(demo, [phases[-1]]))
    with pytest.raises(rp.UnknownCampaign, match="không có đợt thi đua"):
        _build("dan-van-kheo", demo, campaign="Đợt không có")


def test_monthly_compilation_equals_the_monthly_summary(demo: Snapshot) -> None:
    day = today()
    month = rp.default_month(day.year, day)
    report = _build("sinh-hoat", demo, month=month)
    summary = rp.att.monthly_summary(demo["meetings"].active(), date(day.year, month, 1), day,
                                     demo["units"].active())
    assert len(_table(report, "Bảng 1.").rows) == summary.visits
    assert [r[1] for r in _table(report, "Bảng 5.").rows] == summary.unvisited_branches
    assert {r[1]: r[2] for r in _table(report, "Bảng 3.").rows} == {
        str(k): v for k, v in summary.reports.items()}
    assert f"tháng {month}/{day.year}" in report.subject


def test_core_force_coverage_equals_the_dashboards_table(demo: Snapshot) -> None:
    report = _build("nong-cot", demo)
    frame = board.build_roster(demo).table
    coverage = _table(report, "Bảng 1.")
    assert [list(r[1:]) for r in coverage.rows[:-1]] == [
        [v if isinstance(v, str) else int(v) for v in row]
        for row in frame.itertuples(index=False, name=None)]
    assert coverage.rows[-1][1] == "Tổng cộng"
    listed = _table(report, "Bảng 2.")
    assert len(listed.rows) == sum(frame["Tổng đang tham gia"])


# --- settings ------------------------------------------------------------------------------


def test_settings_come_from_the_stored_row_then_the_wards_configuration(
        demo: Snapshot, sql_store: SqlStore) -> None:
    report = _build("chi-tieu", demo)
    assert report.letterhead.superior == "ĐẢNG BỘ TỈNH QUẢNG NGÃI"
    assert report.letterhead.issuer == "ĐẢNG ỦY PHƯỜNG PHỐ HÒA"  # not stored: the configuration
    assert report.signature == rp.Signature("T/M ĐẢNG ỦY", "BÍ THƯ", "Trần Minh Quang")
    assert report.recipients[-1] == "Lưu Văn phòng Đảng ủy."
    assert _build("dan-van-kheo", demo).signature.title == "PHÓ BÍ THƯ"


def test_without_settings_the_defaults_leave_placeholders(sql_store: SqlStore) -> None:
    fill(sql_store, demo=False, year=load_settings().year)
    report = _build("nong-cot", sql_store.snapshot())
    assert report.signature.name == rp.PLACEHOLDER
    assert report.letterhead.number.startswith("Số ")
    assert report.tables()[0].rows == ()


def test_recipients_typed_with_dashes_are_read_one_per_line() -> None:
    assert rp.split_recipients("- Ban Thường vụ Tỉnh ủy,\n\n  -Lưu VPĐU.") == (
        "Ban Thường vụ Tỉnh ủy,", "Lưu VPĐU.")


def test_narrative_is_placed_and_absent_narrative_is_a_placeholder(demo: Snapshot) -> None:
    report = _build("nong-cot", demo, narrative={"assessment": "Đoạn một.\nĐoạn hai."})
    first = report.sections[0].blocks
    assert [b.text for b in first[1:3]] == ["Đoạn một.", "Đoạn hai."]
    closing = [b for s in report.sections[1:] for b in s.blocks]
    assert [b.text for b in closing] == [rp.PLACEHOLDER, rp.PLACEHOLDER]


# --- the document --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(rp.SLUGS))
def test_each_kind_is_an_a4_times_new_roman_document_in_the_party_layout(
        demo: Snapshot, kind: str) -> None:
    report = _build(kind, demo)
    data = render(report)
    document = Document(io.BytesIO(data))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)  # A4 portrait, to the twip
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.left_margin - Mm(30)) < Mm(0.1)
    assert abs(section.right_margin - Mm(15)) < Mm(0.1)
    assert document.styles["Normal"].font.name == "Times New Roman"
    texts = body_texts(data)
    # Everything a reader looks for is in the document's own paragraphs, in this order; the
    # two columns of the letterhead and the closing are tab stops, so a line may hold both.
    i = _index(texts, lambda t: "ĐẢNG ỦY PHƯỜNG PHỐ HÒA" in t)
    i = _index(texts, lambda t: t.rstrip().endswith("ĐẢNG CỘNG SẢN VIỆT NAM"), i)
    i = _index(texts, lambda t: f"Phố Hòa, ngày {today():%d} tháng {today():%m} năm "
               f"{today().year}" in t, i)
    i = _index(texts, lambda t: t == "BÁO CÁO", i)
    i = _index(texts, lambda t: t == report.subject, i)
    i = _index(texts, lambda t: t.startswith("I. "), i)
    i = _index(texts, lambda t: t.startswith("II. "), i)
    i = _index(texts, lambda t: t.startswith("Nơi nhận:"), i)
    assert i < len(document.paragraphs)
    i = _index(texts, lambda t: "T/M ĐẢNG ỦY" in t, i)
    _index(texts, lambda t: t.strip().endswith(report.signature.name), i)
    # The only tables are the report's tables of figures, in order.
    assert len(document.tables) == len(report.tables())
    figures = document.tables[0]
    assert [c.text for c in figures.rows[0].cells] == list(report.tables()[0].header)
    assert figures.rows[0]._tr.trPr.xpath("./w:tblHeader")  # repeated on every page


def test_table_columns_fit_the_page_width(demo: Snapshot) -> None:
    document = Document(io.BytesIO(render(_build("dan-van-kheo", demo))))
    for table in document.tables:
        widths = [int(c.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w"))
                  for c in table._tbl.tblGrid.iterchildren()]
        assert sum(widths) <= 165 * 1440 / 25.4 + 5  # twips in 165 mm of text width


def test_a_formula_looking_value_stays_plain_text_in_docx_csv_and_xlsx(
        sql_store: SqlStore) -> None:
    fill(sql_store, demo=False, year=load_settings().year)
    sql_store.append("units", [{"name": FORMULA, "kind": "Tổ dân phố"}], "test")
    report = _build("nong-cot", sql_store.snapshot())
    table = report.tables()[0]
    assert table.rows[0][1] == FORMULA

    data = render(report)
    assert FORMULA in body_texts(data)
    body = Document(io.BytesIO(data)).element.body
    assert not body.xpath(".//w:instrText | .//w:fldSimple | .//w:hyperlink")

    text = write_csv(table.header, table.rows).decode("utf-8-sig")
    row = next(csv.reader(io.StringIO(text.splitlines()[1])))
    assert row[1] == "'" + FORMULA

    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(table.header, table.rows)))
    cell = book.active.cell(row=2, column=2)
    assert cell.value == FORMULA and cell.data_type == "s"
    assert book.active.cell(row=1, column=2).value == "Tổ dân phố"
    assert book.active.cell(row=2, column=3).value == 0  # a count stays a number


def test_report_kind_names_are_the_settings_choices() -> None:
    assert set(rp.SLUGS.values()) == set(ReportKind)

"""The command line: help, and the demo verb (re)creating the embedded store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.cli import main
from services.store.sql import SqlStore
from tests.conftest import ROOT


def test_help_lists_the_verbs() -> None:
    result = subprocess.run([sys.executable, "-m", "services.cli", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert "demo" in result.stdout


def test_demo_creates_then_refuses_to_overwrite_without_yes(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["demo", "--db-url", url]) == 0
    members = len(SqlStore(url).snapshot()["members"].records)
    assert members > 100
    assert main(["demo", "--db-url", url]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main(["demo", "--db-url", url, "--yes", "--scale", "2"]) == 0
    assert len(SqlStore(url).snapshot()["members"].records) > 1.5 * members


def test_demo_refuses_a_scale_below_one(capsys: pytest.CaptureFixture) -> None:
    assert main(["demo", "--scale", "0"]) == 2
    assert "--scale" in capsys.readouterr().err


def test_export_writes_a_csv_per_sheet_and_the_workbook(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DANVAN_DB_URL", f"sqlite:///{tmp_path / 'export.sqlite3'}")
    out = tmp_path / "out"
    assert main(["export", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert "khoi-dan-van.xlsx" in names and "dang-ky-mo-hinh.csv" in names
    assert (out / "luc-luong-nong-cot.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("kind", ["chi-tieu", "sinh-hoat", "dan-van-kheo", "nong-cot"])
def test_report_writes_a_docx_of_each_kind_on_the_demo_ward(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    from docx import Document

    monkeypatch.setenv("DANVAN_DB_URL", f"sqlite:///{tmp_path / 'report.sqlite3'}")
    out = tmp_path / "bao-cao" / f"{kind}.docx"
    assert main(["report", kind, "--year", "2025", "--out", str(out)]) == 0
    assert "Đã ghi báo cáo" in capsys.readouterr().out
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert "BÁO CÁO" in texts and "[…]" in texts  # narrative left to fill in


def test_report_refuses_a_month_out_of_range_and_an_unknown_phase(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("DANVAN_DB_URL", f"sqlite:///{tmp_path / 'report.sqlite3'}")
    out = tmp_path / "x.docx"
    assert main(["report", "sinh-hoat", "--month", "13", "--out", str(out)]) == 2
    assert "--month" in capsys.readouterr().err
    assert main(["report", "dan-van-kheo", "--campaign", "Đợt 9", "--out", str(out)]) == 2
    assert "không có đợt thi đua" in capsys.readouterr().err
    assert not out.exists()

"""Command line: `python -m services.cli --help`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from services.config import Backend, ConfigError, load_settings
from services.schema import SHEETS
from services.store.base import StoreError

Handler = Callable[[argparse.Namespace], int]
ROOT_WARDS = Path(__file__).resolve().parent.parent / "data" / "wards"  # demo --wards


def _demo(args: argparse.Namespace) -> int:
    """(Re)create the embedded store filled with a demo ward."""
    from services.bootstrap import fill
    from services.store.sql import SqlStore

    settings = load_settings()
    if args.wards is not None:
        return _demo_wards(args, settings.year)
    if settings.backend != Backend.LOCAL:
        print("Lệnh demo chỉ dùng cho kho dữ liệu nhúng (DANVAN_BACKEND=local).", file=sys.stderr)
        return 2
    store = SqlStore(args.db_url or settings.db_url)
    if not store.is_empty() and not args.yes:
        print("Kho dữ liệu đã có dữ liệu. Thêm --yes để xóa hết và tạo lại dữ liệu mẫu.",
              file=sys.stderr)
        return 2
    store.clear()
    counts = fill(store, demo=True, year=args.year or settings.year, scale=args.scale,
                  seed=args.seed)
    print(f"Đã tạo dữ liệu mẫu (hệ số {args.scale}) tại {store.describe()}:")
    for key, count in counts.items():
        print(f"  {SHEETS[key].title}: {count}")
    return 0


def _demo_wards(args: argparse.Namespace, year: int) -> int:
    """Build N demo wards, each its own SQLite file and further along or behind, and upper.toml."""
    from services.upper import ENV, write_demo

    if args.wards < 1:
        print("--wards phải từ 1 trở lên.", file=sys.stderr)
        return 2
    folder = Path(args.out or ROOT_WARDS)
    path = write_demo(folder, args.wards, year=args.year or year, seed=args.seed)
    print(f"Đã tạo {args.wards} xã, phường mẫu và tệp cấu hình cấp trên {path.resolve()}.")
    print(f"Xem bảng tổng hợp: {ENV}={path.resolve()} python3 dev.py run")
    return 0


def _setup_sheet(args: argparse.Namespace) -> int:
    """Prepare the Google spreadsheet: tabs, headers, dropdowns, formats, reference data."""
    from services.sheet_setup import setup_spreadsheet
    from services.store.gsheets import GSheetsStore

    settings = load_settings()
    store = GSheetsStore.from_settings(settings)
    print(f"Chuẩn bị bảng tính {store.describe()}:")
    for line in setup_spreadsheet(store, demo=args.demo, year=args.year or settings.year):
        print(f"  - {line}")
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write one CSV per sheet and one Excel workbook of all sheets into a folder."""
    from services.bootstrap import open_store
    from services.export import export_all

    snapshot = open_store(load_settings()).snapshot()
    paths = export_all(snapshot, Path(args.out))
    print(f"Đã xuất {len(paths)} tệp vào {Path(args.out).resolve()}:")
    for path in paths:
        print(f"  {path.name}")
    if snapshot.excluded:
        print(f"Lưu ý: {snapshot.excluded} dòng có lỗi không được xuất; xem trang Chất lượng "
              "dữ liệu.", file=sys.stderr)
    return 0


def _report(args: argparse.Namespace) -> int:
    """Write a report (DOCX) in the layout of Party documents; narrative left as "[…]"."""
    from services.bootstrap import open_store
    from services.clock import today
    from services.report import ROLLUP_SLUG, UnknownCampaign, build

    if args.month is not None and not 1 <= args.month <= 12:
        print("--month phải từ 1 đến 12.", file=sys.stderr)
        return 2
    settings = load_settings()
    if args.kind == ROLLUP_SLUG:
        report = _rollup_report(settings, args.year)
        if report is None:
            return 2
        return _write_report(report, Path(args.out))
    snapshot = open_store(settings).snapshot()
    try:
        report = build(args.kind, snapshot, settings, year=args.year or settings.year,
                       day=today(), month=args.month, campaign=args.campaign)
    except UnknownCampaign as err:
        print(f"Lỗi: {err}", file=sys.stderr)
        return 2
    return _write_report(report, Path(args.out))


def _write_report(report: Any, out: Path) -> int:
    from services.docx_report import render

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(report))
    print(f"Đã ghi báo cáo “{report.subject}” vào {out.resolve()}.")
    return 0


def _rollup_report(settings: Any, year: int | None) -> Any:
    """Read every ward of `DANVAN_UPPER` (within the quota) and build the roll-up report."""
    from services.clock import today
    from services.report import build_tong_hop
    from services.rollup import default_plan_year, shared
    from services.upper import ENV, upper_path

    path = upper_path()
    if path is None:
        print(f"Báo cáo tong-hop cần {ENV} (tệp cấu hình cấp trên).", file=sys.stderr)
        return None
    rollup = shared(path, settings)
    while rollup.load(wait=None) and rollup.pending():
        pass  # a command waits for every ward, however long the quota makes it
    plan_year = year or default_plan_year(rollup)
    report = build_tong_hop(rollup.view(plan_year, today()), rollup.upper, today())
    rollup.close()
    return report


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every verb."""
    parser = argparse.ArgumentParser(
        prog="python -m services.cli",
        description="Công cụ dòng lệnh của ứng dụng Khối Dân vận.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    demo = verbs.add_parser("demo", help="tạo lại kho dữ liệu nhúng với dữ liệu mẫu",
                            description=_demo.__doc__)
    demo.add_argument("--scale", type=int, default=1,
                      help="hệ số quy mô: 10 hoặc 100 để đo hiệu năng (mặc định 1)")
    demo.add_argument("--seed", type=int, default=2024, help="hạt giống ngẫu nhiên (mặc định 2024)")
    demo.add_argument("--year", type=int, default=None, help="năm hiện tại của dữ liệu mẫu")
    demo.add_argument("--db-url", default=None, help="URL cơ sở dữ liệu (mặc định DANVAN_DB_URL)")
    demo.add_argument("--yes", action="store_true", help="xóa dữ liệu đang có mà không hỏi")
    demo.add_argument("--wards", type=int, default=None,
                      help="tạo N xã, phường mẫu (mỗi xã một tệp SQLite) và tệp upper.toml của "
                           "cấp trên")
    demo.add_argument("--out", default=None,
                      help="thư mục của các xã, phường mẫu (mặc định data/wards/)")
    demo.set_defaults(handler=_demo)
    setup = verbs.add_parser("setup-sheet", help="chuẩn bị bảng tính Google Sheets cho ứng dụng",
                             description=_setup_sheet.__doc__)
    setup.add_argument("--demo", action="store_true",
                       help="nạp thêm dữ liệu mẫu của một phường khi các trang còn trống")
    setup.add_argument("--year", type=int, default=None, help="năm hiện tại của dữ liệu mẫu")
    setup.set_defaults(handler=_setup_sheet)
    export = verbs.add_parser("export", help="xuất mọi bảng ra CSV và một tệp Excel",
                              description=_export.__doc__)
    export.add_argument("--out", default="exports", help="thư mục ghi tệp (mặc định exports/)")
    export.set_defaults(handler=_export)
    report = verbs.add_parser("report", help="viết báo cáo (DOCX) theo thể thức văn bản của Đảng",
                              description=_report.__doc__)
    from services.report import ROLLUP_SLUG, SLUGS

    report.add_argument("kind", choices=[*SLUGS, ROLLUP_SLUG],
                        help=f"loại báo cáo ({ROLLUP_SLUG}: tổng hợp các xã, phường của cấp trên)")
    report.add_argument("--year", type=int, default=None,
                        help="năm báo cáo (mặc định DANVAN_YEAR; tong-hop: năm chỉ tiêu)")
    report.add_argument("--month", type=int, default=None,
                        help="tháng (báo cáo sinh-hoat; mặc định tháng vừa qua)")
    report.add_argument("--campaign", default=None,
                        help="tên đợt thi đua (báo cáo dan-van-kheo; mặc định cả năm)")
    report.add_argument("--out", required=True, help="tệp .docx ghi ra")
    report.set_defaults(handler=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb and return the exit code."""
    args = build_parser().parse_args(argv)
    if getattr(args, "scale", 1) < 1:
        print("--scale phải từ 1 trở lên.", file=sys.stderr)
        return 2
    try:
        return args.handler(args)
    except (ConfigError, StoreError) as err:
        print(f"Lỗi: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

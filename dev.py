"""Set up and run the project with nothing but Python 3.11+: `python3 dev.py run|test|bench`.

Each verb creates `.venv` when missing and installs the pinned requirements when they changed,
then runs the app, the whole test suite (lint included) or the benchmark.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CHROMIUM = Path("/usr/bin/chromium")


def _install(requirements: str) -> None:
    """Create the virtual environment and install requirements unless already done."""
    if sys.version_info < (3, 11):  # noqa: UP036 - said to people on older Pythons
        sys.exit("Cần Python 3.11 trở lên (Python 3.11+ is required).")
    if not PYTHON.exists():
        print("Tạo môi trường ảo .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / "requirements.txt", ROOT / requirements]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()
    stamp = VENV / f".installed-{requirements}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"Cài đặt thư viện từ {requirements} …", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    "-r", str(ROOT / requirements)], check=True)
    stamp.write_text(digest)


def _apt_install(package: str, what: str, missing: str) -> None:
    """Install a Debian package the tests need, when we may (root with apt-get); else say so."""
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print(f"Cài đặt {what} …", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env)
    else:
        print(missing, flush=True)


def _ensure_chromium() -> None:
    """Install Debian's Chromium for the browser tests when it is missing and we may."""
    if CHROMIUM.exists() or os.environ.get("DANVAN_SKIP_BROWSER"):
        return
    _apt_install("chromium", "Chromium cho kiểm thử trình duyệt",
                 "Không có Chromium (/usr/bin/chromium): các kiểm thử trình duyệt sẽ bị bỏ qua.")


def _postgres_installed() -> bool:
    """Tell whether PostgreSQL's server programs are here (Debian's layout, or on the PATH)."""
    return any(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")) or bool(
        shutil.which("pg_ctl") and shutil.which("initdb"))


def _ensure_postgres() -> None:
    """Install Debian's PostgreSQL for the store tests on PostgreSQL when missing and we may.

    The tests start their own throwaway server in a temporary folder; the package's own
    cluster is not used.
    """
    if _postgres_installed() or os.environ.get("DANVAN_SKIP_POSTGRES"):
        return
    _apt_install("postgresql", "PostgreSQL cho kiểm thử kho dữ liệu trên PostgreSQL",
                 "Không có PostgreSQL (initdb, pg_ctl): các kiểm thử trên PostgreSQL sẽ bị bỏ "
                 "qua.")


def run(args: list[str]) -> int:
    """Start the app on the embedded store (filled with a demo ward on first start)."""
    _install("requirements.txt")
    return subprocess.call([str(PYTHON), "-m", "services.server", *args], cwd=ROOT)


def test(args: list[str]) -> int:
    """Lint, then run every test (slow and browser tests included)."""
    _install("requirements-dev.txt")
    _ensure_chromium()
    _ensure_postgres()
    lint = subprocess.call([str(PYTHON), "-m", "ruff", "check", "."], cwd=ROOT)
    tests = subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT)
    return tests or lint


def bench(args: list[str]) -> int:
    """Run the benchmark and print its table."""
    _install("requirements-dev.txt")
    return subprocess.call([str(PYTHON), str(ROOT / "tests" / "benchmark.py"), *args], cwd=ROOT)


VERBS = {"run": run, "test": test, "bench": bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in VERBS:
        print(__doc__)
        print("Verbs: " + ", ".join(f"{name}: {fn.__doc__}" for name, fn in VERBS.items()))
        sys.exit(2)
    sys.exit(VERBS[sys.argv[1]](sys.argv[2:]))

"""Benchmarks of the export (issue: exports). Run by hand; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_export.py

1. The demo year (14 self-evaluations of 2022 + their list) to each format, one file per form
   and one file for the batch (goal: ≤ 1 s per format). The first run of a process includes
   loading the fonts; later runs are warm.
2. Where LibreOffice is installed: its conversion of our .docx files of the same year to PDF
   (one soffice process for the whole batch) against our whole `perfdesk export --format pdf`
   process (interpreter start, file open, validation, drawing); the ratio is the baseline
   LibreOffice time over ours (goal: ours ≥ 10× faster).
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perfdesk.cli import write_demo  # noqa: E402
from perfdesk.demodata import build_workspace  # noqa: E402
from perfdesk.export import export_forms  # noqa: E402
from perfdesk.formdefs import default_registry  # noqa: E402

YEAR = 2022
RUNS = 5


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPU, Python {platform.python_version()}"


def bench_formats() -> None:
    ws = build_workspace()
    forms = [f for f in ws.forms.values() if f.year == YEAR]
    registry = default_registry()
    print(f"1. 演示年度 {YEAR}：{len(forms)} 张自评表 + 自评清单（目标：每种格式 ≤ 1 秒）")
    for fmt in ("pdf", "docx", "xlsx"):
        for one_file in (False, True):
            times = []
            for _ in range(RUNS):
                with tempfile.TemporaryDirectory() as tmp:
                    start = time.perf_counter()
                    paths = export_forms(ws, forms, registry, fmt, Path(tmp), one_file=one_file)
                    times.append(time.perf_counter() - start)
            mode = "合成一个文件" if one_file else f"每表一个文件（{len(paths)} 个）"
            print(f"   {fmt:<4} {mode:<14} 首次 {times[0]:.3f} s，之后中位数 {statistics.median(times[1:]):.3f} s")


def _our_command(path: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "perfdesk.export.command", str(path), "--format", "pdf", "--out", str(out),
            "--year", str(YEAR), "--force"]


def bench_libreoffice() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    print("2. LibreOffice 把同一年度的 .docx 转成 PDF（一个进程转全部）对比我们的 `perfdesk export --format pdf` 整个进程")
    if soffice is None:
        print("   本机没有 LibreOffice（soffice），跳过。")
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo = write_demo(tmp / "demo.perfdesk")
        docx_dir = tmp / "docx"
        ws = build_workspace()
        forms = [f for f in ws.forms.values() if f.year == YEAR]
        docs = export_forms(ws, forms, default_registry(), "docx", docx_dir)
        profile = tmp / "lo-profile"
        env = dict(os.environ, HOME=str(tmp))
        base = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        # A first run creates LibreOffice's user profile; it is not counted.
        subprocess.run(base + ["--outdir", str(tmp / "warmup"), str(docs[0])], env=env, check=True,
                       capture_output=True, timeout=300)
        lo_times, our_times = [], []
        for n in range(3):
            out = tmp / f"lo{n}"
            start = time.perf_counter()
            subprocess.run(base + ["--outdir", str(out)] + [str(d) for d in docs], env=env, check=True,
                           capture_output=True, timeout=600)
            lo_times.append(time.perf_counter() - start)
            assert len(list(out.glob("*.pdf"))) == len(docs)
            start = time.perf_counter()
            subprocess.run(_our_command(demo, tmp / f"ours{n}"), check=True, capture_output=True, cwd=ROOT,
                           timeout=600)
            our_times.append(time.perf_counter() - start)
        lo, ours = statistics.median(lo_times), statistics.median(our_times)
        print(f"   LibreOffice {len(docs)} 个 .docx → PDF：中位数 {lo:.2f} s（{', '.join(f'{t:.2f}' for t in lo_times)}）")
        print(f"   perfdesk export --format pdf：中位数 {ours:.2f} s（{', '.join(f'{t:.2f}' for t in our_times)}）")
        print(f"   比值 LibreOffice / PerfDesk = {lo / ours:.1f}×（目标 ≥ 10×）")


def main() -> None:
    print(f"机器：{_machine()}")
    bench_formats()
    bench_libreoffice()


if __name__ == "__main__":
    main()

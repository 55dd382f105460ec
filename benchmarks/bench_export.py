"""Benchmarks of the export (issue 15). Run by hand; prints figures next to the goals, asserts nothing.

    .venv/bin/python benchmarks/bench_export.py [--rounds 5] [--growth-rounds 3] [--no-growth]

1. Whole process, a demo year (the 14 self-evaluations of 2022, one file each + the 自评清单,
   15 files): `perfdesk export --format pdf|docx|xlsx` from interpreter start to exit — goal
   PDF ≤ 1 s, docx ≤ 1 s, xlsx ≤ 1 s. The three formats are interleaved round by round.
2. The same inside one process (no interpreter start, fonts already parsed after round 1).
3. Where LibreOffice is installed: `soffice --convert-to pdf` of our .docx files of the same year
   in one batch, with a warmed profile, against our whole PDF process, paired round by round —
   goal: ours ≥ 10× faster (median of the paired ratios). Without soffice: "skipped".
4. Growth: 60 and 600 forms (the demo year repeated) to PDF, docx and xlsx, one file per form,
   in one process — goal: 600 forms take ≤ 11× the time of 60.

Every figure is a median with its spread (min–max, n = rounds). Nothing touches the real user's
settings: PERFDESK_DATA_DIR, XDG_* and HOME point into a temporary folder for this process and
its children, and the real data folder is compared before and after.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2022
GOAL_S = 1.0
GOAL_RATIO = 10.0
GOAL_GROWTH = 11.0


def _isolate(tmp: Path) -> dict[str, str]:
    env = {name: tmp / sub for name, sub in (("PERFDESK_DATA_DIR", "userdata"), ("XDG_DATA_HOME", "xdg-data"),
                                            ("XDG_CONFIG_HOME", "xdg-config"), ("XDG_CACHE_HOME", "xdg-cache"),
                                            ("HOME", "home"))}
    for folder in env.values():
        folder.mkdir(parents=True, exist_ok=True)
    strings = {k: str(v) for k, v in env.items()}
    os.environ.update(strings)
    return strings


def _real_data_snapshot() -> dict[str, tuple[int, int]]:
    home = Path(os.environ.get("HOME") or Path.home())
    roots = [Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "PerfDesk"]
    if os.environ.get("PERFDESK_DATA_DIR"):
        roots.append(Path(os.environ["PERFDESK_DATA_DIR"]))
    found = {}
    for root in roots:
        if root.exists():
            for path in [root, *root.rglob("*")]:
                stat = path.stat()
                found[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return found


def _stats(times: list[float]) -> str:
    return (f"中位数 {statistics.median(times):.3f} s（{min(times):.3f}–{max(times):.3f}，n={len(times)}）")


def _verdict(ok: bool) -> str:
    return "达到" if ok else "未达到"


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "perfdesk"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPU, Python "
            f"{platform.python_version()}, 负载 {load:.2f}, 提交 {commit}{'（perfdesk/ 有未提交改动）' if dirty else ''}")


def _export_command(demo: Path, fmt: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "perfdesk.cli", "export", str(demo), "--format", fmt, "--out", str(out),
            "--year", str(YEAR), "--force"]


def bench_processes(tmp: Path, rounds: int) -> dict[str, list[float]]:
    from perfdesk.cli import write_demo

    demo = write_demo(tmp / "demo.perfdesk")
    times: dict[str, list[float]] = {"pdf": [], "docx": [], "xlsx": []}
    cpu: dict[str, list[float]] = {fmt: [] for fmt in times}
    print(f"1. 整个进程：演示年度 {YEAR}（14 张自评表，每表一个文件 + 自评清单，共 15 个文件）")
    for n in range(rounds + 1):  # round 0 warms the disk cache and is not counted
        for fmt in times:
            out = tmp / f"proc-{fmt}-{n}"
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(_export_command(demo, fmt, out), check=True, capture_output=True, cwd=ROOT, timeout=600)
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            assert len(list(out.glob(f"*.{fmt}"))) == 15
            if n:
                times[fmt].append(elapsed)
                cpu[fmt].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    for fmt, values in times.items():
        median = statistics.median(values)
        print(f"   {fmt:<4} {_stats(values)}  目标 ≤ {GOAL_S:.0f} s：{_verdict(median <= GOAL_S)}；"
              f"CPU 时间 {_stats(cpu[fmt])}")
    print("   （负载高于核数时，墙钟时间是上限；CPU 时间受其他进程影响较小）")
    return times


def bench_in_process(tmp: Path, rounds: int) -> None:
    from perfdesk.demodata import build_workspace
    from perfdesk.export import export_forms
    from perfdesk.formdefs import default_registry

    ws = build_workspace()
    forms = [f for f in ws.forms.values() if f.year == YEAR]
    registry = default_registry()
    print("2. 同一进程内（首轮含解析字体，不计入）")
    times: dict[str, list[float]] = {"pdf": [], "docx": [], "xlsx": []}
    for n in range(rounds + 1):
        for fmt in times:
            start = time.perf_counter()
            export_forms(ws, forms, registry, fmt, tmp / f"inproc-{fmt}-{n}")
            if n:
                times[fmt].append(time.perf_counter() - start)
    for fmt, values in times.items():
        print(f"   {fmt:<4} {_stats(values)}")


def bench_libreoffice(tmp: Path, rounds: int) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    print("3. LibreOffice 一次转换同一年度的全部 .docx → PDF，对比我们的 PDF 导出整个进程（目标 ≥ 10×）")
    if soffice is None:
        print("   skipped：本机没有 LibreOffice（soffice）")
        return
    from perfdesk.cli import write_demo
    from perfdesk.demodata import build_workspace
    from perfdesk.export import export_forms
    from perfdesk.formdefs import default_registry

    demo = write_demo(tmp / "lo-demo.perfdesk")
    ws = build_workspace()
    docs = export_forms(ws, [f for f in ws.forms.values() if f.year == YEAR], default_registry(), "docx",
                        tmp / "lo-docx")
    profile = tmp / "lo-profile"
    base = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
    subprocess.run(base + ["--outdir", str(tmp / "lo-warm"), str(docs[0])], check=True, capture_output=True,
                   timeout=300)  # creates the profile: not counted
    lo_times, our_times, ratios = [], [], []
    for n in range(rounds):
        start = time.perf_counter()
        subprocess.run(base + ["--outdir", str(tmp / f"lo{n}")] + [str(d) for d in docs], check=True,
                       capture_output=True, timeout=900)
        lo = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(_export_command(demo, "pdf", tmp / f"ours{n}"), check=True, capture_output=True, cwd=ROOT,
                       timeout=600)
        ours = time.perf_counter() - start
        lo_times.append(lo)
        our_times.append(ours)
        ratios.append(lo / ours)
    ratio = statistics.median(ratios)
    print(f"   LibreOffice {len(docs)} 个 .docx：{_stats(lo_times)}")
    print(f"   PerfDesk PDF 整个进程：{_stats(our_times)}")
    print(f"   比值（配对中位数）{ratio:.1f}×（{min(ratios):.1f}–{max(ratios):.1f}）目标 ≥ {GOAL_RATIO:.0f}×："
          f"{_verdict(ratio >= GOAL_RATIO)}")


def _workspace_of(count: int):
    """`count` forms: the demo year's forms repeated, each in a project of its own."""
    from dataclasses import replace

    from perfdesk.demodata import build_workspace
    from perfdesk.domain.model import Project, new_id

    demo = build_workspace()
    templates = [f for f in demo.forms.values() if f.year == YEAR]
    ws = build_workspace()
    for form in list(ws.forms.values()):
        del ws.forms[form.id]
    forms = []
    for n in range(count):
        template = templates[n % len(templates)]
        project = ws.add_project(Project(f"{demo.project_name(template)}{n + 1:04d}"))
        form = replace(copy.deepcopy(template), id=new_id(), project_id=project.id)
        form.fields["project_name"] = project.name
        forms.append(ws.add_form(form))
    return ws, forms


def bench_growth(tmp: Path, rounds: int) -> None:
    from perfdesk.export import export_forms
    from perfdesk.formdefs import default_registry

    registry = default_registry()
    sizes = (60, 600)
    spaces = {size: _workspace_of(size) for size in sizes}
    print(f"4. 增长：{sizes[0]} → {sizes[1]} 张表，每表一个文件（同一进程，目标 ≤ {GOAL_GROWTH:.0f}×）")
    for fmt in ("pdf", "docx", "xlsx"):
        times: dict[int, list[float]] = {size: [] for size in sizes}
        export_forms(spaces[60][0], spaces[60][1][:14], registry, fmt, tmp / f"growth-warm-{fmt}")
        for n in range(rounds):
            for size in sizes:
                ws, forms = spaces[size]
                start = time.perf_counter()
                export_forms(ws, forms, registry, fmt, tmp / f"growth-{fmt}-{size}-{n}")
                times[size].append(time.perf_counter() - start)
                shutil.rmtree(tmp / f"growth-{fmt}-{size}-{n}", ignore_errors=True)
        ratio = statistics.median(times[600]) / statistics.median(times[60])
        print(f"   {fmt:<4} 60 张 {_stats(times[60])}；600 张 {_stats(times[600])}；"
              f"{ratio:.1f}×：{_verdict(ratio <= GOAL_GROWTH)}")


def main() -> None:
    parser = argparse.ArgumentParser(description="导出速度基准")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--growth-rounds", type=int, default=3)
    parser.add_argument("--no-growth", action="store_true")
    args = parser.parse_args()
    before = _real_data_snapshot()
    original_env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="perfdesk-bench-export-") as name:
        tmp = Path(name)
        _isolate(tmp)
        sys.path.insert(0, str(ROOT))
        print(f"机器：{_machine()}")
        bench_processes(tmp, args.rounds)
        bench_in_process(tmp, args.rounds)
        bench_libreoffice(tmp, args.rounds)
        if not args.no_growth:
            bench_growth(tmp, args.growth_rounds)
    os.environ.clear()
    os.environ.update(original_env)
    print(f"真实用户数据未被改动：{'是' if _real_data_snapshot() == before else '否'}")


if __name__ == "__main__":
    main()

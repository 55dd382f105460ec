#!/usr/bin/env bash
# A Debian 11 "bullseye" root (glibc 2.31) to build and test the Linux bundle in, so that the
# bundle runs on glibc 2.31 desktops (银河麒麟 V10, Ubuntu 20.04, Debian 11, and newer).
#
#   bash installer/linux/bullseye-root.sh [--arch amd64|arm64] prepare
#       make (or bring up to date) the root: debootstrap, the Debian packages the build and
#       the smoke test need, and CPython 3.11 built from source inside it (bullseye's own
#       python3 is 3.9; PerfDesk needs >= 3.11, see pyproject.toml)
#   bash installer/linux/bullseye-root.sh [--arch …] build [VAR=VALUE …]
#       prepare, copy a clean copy of the source in, run installer/build-linux.sh inside the
#       root (chroot) with that Python, copy the tarball (and logs) out to build/linux/
#   bash installer/linux/bullseye-root.sh [--arch …] smoke TARBALL
#       run installer/smoke-linux.sh on TARBALL inside the root (the bundle really starts on
#       glibc 2.31); in an emulated (arm64) root, where strace cannot run, the bundle's
#       --self-test, demo, check and PDF export instead
#   bash installer/linux/bullseye-root.sh [--arch …] shell [COMMAND …]
#       a command (or a shell) inside the root, /proc /sys /dev mounted
#
# Everything lives under $PERFDESK_BUILD_CACHE (default /var/cache/perfdesk-build), outside the
# repository: bullseye-amd64/ (the root, ~2.5 GB once prepared and built in) and its stamps. Every step is
# skipped when its stamp says it is done, so a second run only copies the source and builds.
# Needs root, debootstrap (installed with apt-get when missing), and the Debian archive and PyPI.
# --arch arm64 on an x86_64 machine runs the root under qemu-user-static (binfmt_misc).
set -euo pipefail

# Run from a copy, so that editing this file while a long build runs cannot derail it.
if [ -z "${BULLSEYE_ROOT_REPO:-}" ]; then
  BULLSEYE_ROOT_REPO=$(cd "$(dirname "$0")/../.." && pwd)
  copy=$(mktemp /tmp/bullseye-root.XXXXXX.sh)
  cp "$0" "$copy"
  export BULLSEYE_ROOT_REPO
  exec bash "$copy" "$@"
fi
trap 'rm -f "$0"' EXIT

ARCH=amd64
if [ "${1:-}" = --arch ]; then ARCH=$2; shift 2; fi
CMD=${1:-}
[ -n "$CMD" ] && shift

REPO=$BULLSEYE_ROOT_REPO
CACHE=${PERFDESK_BUILD_CACHE:-/var/cache/perfdesk-build}
R=$CACHE/bullseye-$ARCH
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bullseye
# CPython 3.11 source: the pristine upstream tarball of Debian 12's python3.11 source package
# (apt-get source verifies it against the signed archive). PyPI has no CPython source.
PY_SOURCE_SUITE=bookworm
PY_PREFIX=/opt/python3.11
STAMPS=$R/.perfdesk-stamps
# The newest PySide6-Essentials with wheels for glibc 2.31 (pip download --platform
# manylinux_2_31_… / manylinux_2_28_…): x86_64 6.9.3 (manylinux_2_28; 6.10 and later are
# manylinux_2_34); aarch64 6.8.0.2 (manylinux_2_31; 6.8.1 and later are manylinux_2_39).
# PYSIDE_VERSION=… as a build argument overrides it.
case $ARCH in
  amd64) PYSIDE_DEFAULT=6.9.3 ;;
  arm64) PYSIDE_DEFAULT=6.8.0.2 ;;
  *) echo "bullseye-root: --arch amd64 or arm64" >&2; exit 2 ;;
esac

log() { printf '\n== bullseye-root (%s): %s\n' "$ARCH" "$*"; }
die() { printf 'bullseye-root: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
mkdir -p "$CACHE"

# Debian packages inside the root: the compiler and headers for CPython; binutils (readelf,
# strip, objdump) for PyInstaller and elfcheck.py; the libraries Qt's xcb / wayland / GL
# plugins link against (so that the bundle's dependencies resolve and it can start here, as
# on a desktop); a CJK font for the PDF export; the smoke test's tools.
PACKAGES=(
  build-essential pkg-config xz-utils patch ca-certificates curl file
  libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev libsqlite3-dev uuid-dev
  binutils patchelf
  libglib2.0-0 libfontconfig1 libfreetype6 libdbus-1-3 libx11-6 libx11-xcb1 libxext6 libxrender1
  libsm6 libice6 libxkbcommon0 libxkbcommon-x11-0 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-shm0
  libxcb-sync1 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libxcb-util1 libxcb-glx0 libxcb-xinput0
  libgl1 libegl1 libopengl0 libglx-mesa0 libegl-mesa0 libwayland-client0 libwayland-cursor0
  libwayland-egl1 libcups2 libgssapi-krb5-2 libdrm2 libgbm1
  python3 strace xvfb xauth xdg-utils desktop-file-utils shared-mime-info fonts-wqy-microhei
  locales
)
# PySide6 6.8.0.2's aarch64 wheel (built on a glibc 2.31 system) takes libtiff and libwebp for its
# TIFF / WebP image plugins from the system instead of carrying them: bundle bullseye's.
[ "$ARCH" = arm64 ] && PACKAGES+=(libtiff5 libwebp6 libwebpdemux2 libwebpmux3)

# --- mounts ----------------------------------------------------------------------------------------
MOUNTED=()
mount_root() {
  local spec
  for spec in proc:proc sysfs:sys; do
    local fs=${spec%%:*} dir=$R/${spec#*:}
    mountpoint -q "$dir" || { mount -t "$fs" "$fs" "$dir"; MOUNTED+=("$dir"); }
  done
  for dir in dev dev/pts; do
    mountpoint -q "$R/$dir" || { mount --bind "/$dir" "$R/$dir"; MOUNTED+=("$R/$dir"); }
  done
  mkdir -p "$R/dev/shm"
  mountpoint -q "$R/dev/shm" || { mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"; MOUNTED+=("$R/dev/shm"); }
  cp -L /etc/resolv.conf "$R/etc/resolv.conf"
  # pip inside trusts what pip outside trusts (a site's own CA included).
  mkdir -p "$R/etc/ssl"
  cp -L "${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}" "$R/etc/ssl/host-ca-certificates.crt"
}
umount_root() {
  local i
  for (( i=${#MOUNTED[@]}-1; i>=0; i-- )); do umount -l "${MOUNTED[$i]}" 2>/dev/null || true; done
  MOUNTED=()
}
trap 'umount_root; rm -f "$0"' EXIT
in_root() {  # in_root COMMAND…: run inside the root with a plain environment
  chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive TERM=dumb \
    PIP_CERT=/etc/ssl/host-ca-certificates.crt SSL_CERT_FILE=/etc/ssl/host-ca-certificates.crt "$@"
}
stamp_ok() { [ "$(cat "$STAMPS/$1" 2>/dev/null)" = "$2" ]; }
stamp_set() { mkdir -p "$STAMPS"; echo "$2" > "$STAMPS/$1"; }

# --- prepare ---------------------------------------------------------------------------------------
prepare() {
  local host_arch
  host_arch=$(dpkg --print-architecture)
  if [ "$ARCH" != "$host_arch" ]; then
    command -v qemu-aarch64-static >/dev/null 2>&1 || [ -e /usr/libexec/qemu-binfmt/aarch64-binfmt-P ] \
      || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null; }
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
    [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 2>/dev/null \
      || die "binfmt_misc has no qemu-aarch64 handler (is /proc/sys/fs/binfmt_misc mounted and writable?)"
  fi
  if ! stamp_ok debootstrap "$SUITE $MIRROR"; then
    command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
    log "debootstrap $SUITE ($MIRROR) into $R"
    umount_root
    # Never delete through a mount left by an interrupted run (/dev is the host's own).
    awk -v r="$R/" 'index($2 "/", r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
    if awk -v r="$R/" 'index($2 "/", r) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
      die "something is still mounted under $R; unmount it first"
    fi
    rm -rf --one-file-system "$R"
    debootstrap --arch="$ARCH" --variant=minbase "$SUITE" "$R" "$MIRROR" > "$CACHE/debootstrap-$ARCH.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap-$ARCH.log"; die "debootstrap failed (log: $CACHE/debootstrap-$ARCH.log)"; }
    cat > "$R/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
deb-src $MIRROR $PY_SOURCE_SUITE main
EOF
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$R/etc/apt/apt.conf.d/90perfdesk"
    stamp_set debootstrap "$SUITE $MIRROR"
  fi
  mount_root
  # A desktop has a machine id; libdbus (Qt's ibus input context talks D-Bus) aborts without.
  [ -s "$R/etc/machine-id" ] || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$R/etc/machine-id"
  local want
  want=$(printf '%s\n' "${PACKAGES[@]}" | sha256sum | cut -c1-16)
  if ! stamp_ok packages "$want"; then
    log "apt-get install (${#PACKAGES[@]} packages)"
    in_root apt-get update -qq || in_root apt-get update -qq -o Acquire::Check-Valid-Until=false
    if ! in_root apt-get install -y -qq "${PACKAGES[@]}" > "$CACHE/apt-$ARCH.log" 2>&1; then
      # The mirror may lack a port's security updates (arm64 here: 404 in debian-security's
      # pool): then take the point release's packages and say so.
      if grep -q 'debian-security/pool/.* 404' "$CACHE/apt-$ARCH.log"; then
        echo "bullseye-root: WARNING: the mirror has no $ARCH packages in $SUITE-security; using $SUITE and $SUITE-updates only" >&2
        sed -i 's|^deb .*debian-security|# &|' "$R/etc/apt/sources.list"
        in_root apt-get update -qq
        in_root apt-get install -y -qq --allow-downgrades "${PACKAGES[@]}" > "$CACHE/apt-$ARCH.log" 2>&1 \
          || { tail -20 "$CACHE/apt-$ARCH.log"; die "apt-get install failed in the root"; }
      else
        tail -20 "$CACHE/apt-$ARCH.log"; die "apt-get install failed in the root"
      fi
    fi
    in_root sh -c 'sed -i "s/^# *zh_CN.UTF-8/zh_CN.UTF-8/" /etc/locale.gen && locale-gen >/dev/null'
    stamp_set packages "$want"
  fi
  if ! stamp_ok python "$PY_PREFIX"; then
    log "CPython 3.11 from the $PY_SOURCE_SUITE source package (a few minutes)"
    in_root sh -ec "
      rm -rf /usr/src/python3.11 && mkdir -p /usr/src/python3.11 && cd /usr/src/python3.11
      apt-get source --download-only -qq python3.11 2>&1 | grep -v 'unsandboxed as root' || true
      tar -xf python3.11_*.orig.tar.*
      tar -xf python3.11_*.debian.tar.xz
      cd Python-3.11*/
      # Debian's bug and security fixes (the series from shutdown-deadlock.diff on: upstream
      # back-ports and CVE fixes), not its packaging patches (install layout, multiarch …).
      sed -n '/^shutdown-deadlock.diff\$/,\$p' ../debian/patches/series | grep -v '^#' | while read -r p; do
        patch -p1 --batch --forward -s < ../debian/patches/\$p
      done
      # CVE-2026-4224.patch has pyexpat.c use an internal header; Debian's setup-modules.diff
      # (not applied) builds it as a core module. Do what CPython 3.12 does in that file.
      if grep -q 'pycore_ceval.h' Modules/pyexpat.c && ! grep -q Py_BUILD_CORE_MODULE Modules/pyexpat.c; then
        sed -i '1i #ifndef Py_BUILD_CORE_BUILTIN\\n#  define Py_BUILD_CORE_MODULE 1\\n#endif' Modules/pyexpat.c
      fi
      echo \"CPython \$(sed -n 's/^#define PY_VERSION[[:space:]]*\\\"\\(.*\\)\\\".*/\\1/p' Include/patchlevel.h) + Debian \$(sed -n '1s/.*(\\(.*\\)).*/\\1/p' ../debian/changelog) fixes\" > ../patched.txt
      ./configure --prefix=$PY_PREFIX --enable-shared LDFLAGS=-Wl,-rpath,$PY_PREFIX/lib > ../configure.log
      nice -n 10 make -j\$(nproc) > ../make.log 2>&1
      make altinstall > ../install.log 2>&1
    " || die "building CPython failed (logs in $R/usr/src/python3.11/)"
    in_root "$PY_PREFIX/bin/python3.11" -c 'import ssl, ctypes, lzma, bz2, zlib, sqlite3, uuid, pyexpat, _elementtree, _decimal, _hashlib; print("CPython", __import__("sys").version.split()[0], "with", ssl.OPENSSL_VERSION)'
    cat "$R/usr/src/python3.11/patched.txt"
    stamp_set python "$PY_PREFIX"
  fi
  echo "root ready: $R ($(in_root sh -c '. /etc/os-release; echo $PRETTY_NAME'), $(in_root ldd --version | head -1))"
}

copy_source() {  # copy_source DEST: the files build-linux.sh needs, without build/ and venvs
  # The program as committed (git HEAD: a half-saved edit in the work tree cannot end up in the
  # bundle), the installer files as they are in the work tree. SOURCE=worktree takes the work
  # tree for everything; outside a git checkout the work tree is used anyway.
  local dest=$1
  rm -rf "$dest"
  mkdir -p "$dest"
  local files=(pyproject.toml perfdesk)
  local f
  for f in README.md LICENSE LICENSE.txt setup.cfg setup.py MANIFEST.in forms resources; do
    [ -e "$REPO/$f" ] && files+=("$f")
  done
  if [ "${SOURCE:-head}" != worktree ] && git -C "$REPO" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git -C "$REPO" archive --format=tar HEAD -- "${files[@]}" | tar -C "$dest" -xf -
    echo "source: git HEAD $(git -C "$REPO" rev-parse --short HEAD) (installer/ from the work tree)"
  else
    tar -C "$REPO" --exclude=__pycache__ --exclude='*.pyc' -cf - "${files[@]}" | tar -C "$dest" -xf -
    echo "source: the work tree"
  fi
  tar -C "$REPO" --exclude=__pycache__ --exclude='*.pyc' -cf - installer | tar -C "$dest" -xf -
}

case $CMD in
  prepare)
    prepare
    ;;
  build)
    prepare
    log "build-linux.sh inside the root"
    copy_source "$R/build/perfdesk"
    for assignment in "$@"; do
      [[ $assignment =~ ^[A-Z_]+=.*$ ]] || die "build takes VAR=VALUE arguments (got '$assignment')"
    done
    # The limits the bundle must keep: this root's glibc and the newest GLIBCXX_ version its
    # libstdc++ defines (elfcheck.py fails the build on any file needing more).
    local_glibc=$(in_root ldd --version | sed -n '1s/.* \([0-9][0-9.]*\)$/\1/p')
    local_glibcxx=$(in_root sh -c 'readelf -V --wide /usr/lib/*-linux-gnu/libstdc++.so.6' \
                    | grep -oE 'GLIBCXX_[0-9.]+[0-9]' | sed 's/GLIBCXX_//' | sort -uV | tail -1)
    in_root env PYTHON=$PY_PREFIX/bin/python3.11 PYSIDE_VERSION="$PYSIDE_DEFAULT" GLIBC_TARGET="$local_glibc" \
      GLIBC_LIMIT="$local_glibc" GLIBCXX_LIMIT="$local_glibcxx" "$@" \
      nice -n 10 bash /build/perfdesk/installer/build-linux.sh
    mkdir -p "$REPO/build/linux"
    for f in "$R"/build/perfdesk/build/linux/*.tar.gz "$R"/build/perfdesk/build/linux/*.deb \
             "$R"/build/perfdesk/build/linux/*/elfcheck.txt "$R"/build/perfdesk/build/linux/elfcheck.txt; do
      [ -f "$f" ] || continue
      case $f in
        *elfcheck.txt) cp "$f" "$REPO/build/linux/elfcheck-bullseye-$ARCH.txt" ;;
        *) cp "$f" "$REPO/build/linux/"; echo "copied out: build/linux/$(basename "$f")" ;;
      esac
    done
    ;;
  smoke)
    [ $# -ge 1 ] && [ -f "$1" ] || die "smoke needs the tarball to test"
    prepare
    log "smoke-linux.sh inside the root"
    rm -rf "$R/build/smoke"
    mkdir -p "$R/build/smoke/installer"
    cp -a "$REPO/installer/smoke-linux.sh" "$REPO/installer/linux" "$R/build/smoke/installer/"
    cp "$REPO/pyproject.toml" "$R/build/smoke/"
    cp "$1" "$R/build/smoke/"
    if [ "$ARCH" = "$(dpkg --print-architecture)" ]; then
      in_root env SMOKE_FORBID_READ="$PY_PREFIX /build/perfdesk" \
        bash /build/smoke/installer/smoke-linux.sh "/build/smoke/$(basename "$1")"
    else
      # Under qemu-user there is no ptrace, so no strace: the full smoke test cannot run. The
      # emulated root runs the bundle's own checks instead, as the unprivileged user with a clean
      # environment: --self-test offscreen (Qt, the window with the demo, PDF export, PDFium,
      # printing to a file), then demo / check / export to PDF from the command line.
      in_root sh -ec '
        T=$(mktemp -d /tmp/perfdesk-smoke.XXXXXX); chmod 755 "$T"; cd "$T"
        tar -xzf "/build/smoke/$1"
        mkdir home work; chown 65534:65534 home work
        run() { setpriv --reuid=65534 --regid=65534 --clear-groups -- env -i HOME="$T/home" PATH=/usr/bin:/bin                 TMPDIR="$T/work" QT_QPA_PLATFORM=offscreen "$T/PerfDesk/perfdesk" "$@"; }
        cd work
        echo "== perfdesk --self-test (offscreen, $(uname -m) under qemu)"; run --self-test
        echo "== demo / check / export pdf"; run demo demo.perfdesk; { run check demo.perfdesk || [ $? = 1 ]; } > check.out; tail -n 1 check.out
        run export demo.perfdesk --format pdf --out pdf --force >/dev/null
        n=$(ls pdf/*.pdf | wc -l); [ "$n" -gt 0 ] && head -c 5 pdf/*.pdf | grep -q "%PDF-"
        echo "exported $n PDF files"
        cd /; rm -rf "$T"; echo "ARM64 SMOKE PASSED"
      ' sh "$(basename "$1")"
    fi
    ;;
  shell)
    prepare >/dev/null
    if [ $# -gt 0 ]; then in_root "$@"; else in_root bash -i; fi
    ;;
  *)
    awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$REPO/installer/linux/bullseye-root.sh"
    exit 2
    ;;
esac

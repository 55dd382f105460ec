#!/usr/bin/env bash
# Smoke test of the Windows installer, runnable on Debian 12 (after installer/build-windows.sh):
#   1. unpacks build/windows/PerfDesk-<version>-setup.exe with 7-Zip and checks the payload:
#      Python, launcher, icon, the Qt parts PerfDesk uses, the parts it excludes, one
#      dist-info per pin of installer/pins.txt, and that every DLL/PYD/EXE finds each DLL it
#      imports (in the payload or in Windows itself);
#   2. checks the NSIS script statically (makensis -PPO): per-user, HKCU only, association,
#      shortcuts, an uninstaller that never deletes the user's data; the exe's manifest;
#   3. under wine64, in a throwaway prefix under build/windows/smoke/: refuses Windows 7 and
#      Windows 10 1803 (build 17134), installs silently on build 17763 (1809, the minimum), checks files, shortcuts and HKCU keys, runs the bundled Python
#      (non-Qt dependencies, pypdfium2 on a PDF, the PerfDesk CLI: demo, check, export
#      pdf/xlsx/docx), reinstalls over it, uninstalls, and checks that the data folder and the
#      user's .perfdesk files are still there and the program and its keys are gone.
# Wine has no Windows ICU (icuuc.dll), which Qt6Core.dll needs: the test checks that it is the
# one thing QtCore misses there, then supplies ICU (ICU 78 from the PyPI wheel icu4py and a
# forwarding icuuc.dll made with MinGW binutils) and runs the installed copy's --self-test.
# Exit 0 only when every check passes.
set -euo pipefail

STARTED=$SECONDS
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT="$REPO/build/windows"
SMOKE="$OUT/smoke"
PYTHON=${PYTHON:-python3}
export LC_ALL=C.UTF-8 PYTHONUTF8=1

VERSION=$("$PYTHON" -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb"))["project"]["version"])' "$REPO/pyproject.toml")
SETUP="$OUT/PerfDesk-$VERSION-setup.exe"
NSI="$OUT/nsis/installer.nsi"
APP_NAME="PerfDesk 预算绩效表填报"
# Windows' own ICU stands in for Wine's missing one (section 3): ICU 78's DLLs from this wheel.
ICU_PIN="icu4py==1.2.0"
ICU_WHEEL="icu4py-1.2.0-cp311-cp311-win_amd64.whl"
ICU_WHEEL_SHA256="f2cdd0932ed231da9dd093f83b54d4b04de8e0f5f1b964acb491c2b1382c4fd6"

die() { printf '\n冒烟测试无法进行 / SMOKE TEST ERROR: %s\n' "$*" >&2; exit 2; }
[ -f "$SETUP" ] || die "找不到 $SETUP，请先运行 bash installer/build-windows.sh / run the build first"
[ -f "$NSI" ] || die "找不到 $NSI，请先运行 bash installer/build-windows.sh / run the build first"

PASSED=0
FAILED=()
pass() { PASSED=$((PASSED + 1)); printf '  ok    %s\n' "$*"; }
fail() { FAILED+=("$*"); printf '  FAIL  %s\n' "$*"; }
check() {  # check "description" command...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
section() { printf '\n== %s\n' "$*"; }

# --- Tools ----------------------------------------------------------------------------------
missing=()
command -v 7zz >/dev/null 2>&1 || command -v 7z >/dev/null 2>&1 || missing+=(7zip)
command -v objdump >/dev/null 2>&1 || missing+=(binutils)
command -v x86_64-w64-mingw32-ld >/dev/null 2>&1 || missing+=(binutils-mingw-w64-x86-64)
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
command -v makensis >/dev/null 2>&1 || missing+=(nsis)
command -v wine >/dev/null 2>&1 || missing+=(wine)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || missing+=(wine64)
[ -f /usr/share/fonts/truetype/arphic/uming.ttc ] || missing+=(fonts-arphic-uming)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "安装 / installing Debian packages: ${missing[*]}"
  mkdir -p "$OUT"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" > "$OUT/smoke-apt.log" 2>&1 \
    || { $SUDO apt-get update -q && $SUDO env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends "${missing[@]}"; } >> "$OUT/smoke-apt.log" 2>&1 \
    || { tail -n 20 "$OUT/smoke-apt.log" >&2; die "apt-get install ${missing[*]} 失败 / failed (log: $OUT/smoke-apt.log)"; }
fi
SEVENZIP=$(command -v 7zz || command -v 7z)

rm -rf "$SMOKE"
mkdir -p "$SMOKE/logs"
UNPACKED="$SMOKE/unpacked"

# --- 1. Payload -----------------------------------------------------------------------------
section "1. 安装包内容 / payload (7-Zip)"
"$SEVENZIP" x -y -o"$UNPACKED" "$SETUP" > "$SMOKE/logs/7z.log" 2>&1 \
  || die "7-Zip cannot unpack $(basename "$SETUP") (see $SMOKE/logs/7z.log)"
pass "7-Zip unpacks $(basename "$SETUP")"
U=$UNPACKED
for f in Python/python.exe Python/pythonw.exe Python/python311.dll Python/python311.zip Python/python311._pth \
         perfdesk-launcher.pyw perfdesk.ico uninstall.exe \
         pkgs/perfdesk/cli.py pkgs/perfdesk/app.py pkgs/perfdesk/resources/perfdesk.ico \
         pkgs/PySide6/Qt6Core.dll pkgs/PySide6/Qt6Gui.dll pkgs/PySide6/Qt6Widgets.dll \
         pkgs/PySide6/QtCore.pyd pkgs/PySide6/QtGui.pyd pkgs/PySide6/QtWidgets.pyd \
         pkgs/PySide6/Qt6PrintSupport.dll pkgs/PySide6/QtPrintSupport.pyd \
         pkgs/PySide6/plugins/platforms/qwindows.dll pkgs/PySide6/plugins/imageformats/qico.dll \
         pkgs/PySide6/plugins/imageformats/qsvg.dll pkgs/PySide6/plugins/iconengines/qsvgicon.dll \
         pkgs/PySide6/plugins/styles/qmodernwindowsstyle.dll pkgs/PySide6/translations/qtbase_zh_CN.qm \
         pkgs/shiboken6/Shiboken.pyd pkgs/pypdfium2_raw/pdfium.dll pkgs/lxml/etree.cp311-win_amd64.pyd \
         pkgs/PIL/_imaging.cp311-win_amd64.pyd; do
  check "present: $f" test -f "$U/$f"
done
check "perfdesk.ico is resources/perfdesk.ico" cmp -s "$U/perfdesk.ico" "$REPO/resources/perfdesk.ico"
pth_ok() { local lines; lines=$(tr -d '\r' < "$1"); grep -qxF '..\pkgs' <<<"$lines" && grep -qxF 'import site' <<<"$lines"; }
check "python311._pth puts ..\\pkgs on sys.path and imports site" pth_ok "$U/Python/python311._pth"
check "python.exe is the embeddable python.exe recorded in sha256sums.txt" \
  bash -c '[ "$(sha256sum < "$1" | cut -d" " -f1)" = "$(awk "\$2 == \"embed/cp311/python.exe\" {print \$1}" "$2")" ]' _ \
  "$U/Python/python.exe" "$REPO/installer/windows/sha256sums.txt"
# Every pin of installer/pins.txt, at its version, and PerfDesk itself
norm() { tr 'A-Z.-' 'a-z__' <<<"$1"; }
while read -r pin; do
  name=${pin%%==*}; ver=${pin#*==}; found=
  for d in "$U"/pkgs/*.dist-info; do
    b=$(basename "$d" .dist-info)
    if [ "$(norm "${b%%-*}")" = "$(norm "$name")" ] && [ "${b#*-}" = "$ver" ]; then found=$(basename "$d"); break; fi
  done
  if [ -n "$found" ]; then pass "bundled: $pin ($found)"; else fail "bundled: $pin (no matching dist-info in pkgs/)"; fi
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$REPO/installer/pins.txt" | grep -v '^$')
check "bundled: perfdesk $VERSION" test -d "$U/pkgs/perfdesk-$VERSION.dist-info"
# What PerfDesk does not use
for pattern in 'pkgs/PySide6/opengl32sw.dll' 'pkgs/PySide6/qml' 'pkgs/PySide6/Qt6Qml*' 'pkgs/PySide6/Qt6Quick*' \
               'pkgs/PySide6/Qt6Quick3D*' 'pkgs/PySide6/Qt6WebEngine*' 'pkgs/PySide6/Qt6Designer*' 'pkgs/PySide6/Qt6Pdf*' \
               'pkgs/PySide6/Qt6Network.dll' 'pkgs/PySide6/Qt6OpenGL*.dll' 'pkgs/PySide6/QtQml.pyd' 'pkgs/PySide6/QtQuick*.pyd' \
               'pkgs/PySide6/QtDesigner.pyd' 'pkgs/PySide6/QtOpenGL.pyd' 'pkgs/PySide6/*.exe' 'pkgs/PySide6/*.pyi' \
               'pkgs/PySide6/metatypes' 'pkgs/PySide6/resources' 'pkgs/PySide6/include' 'pkgs/PySide6/plugins/sqldrivers' \
               'pkgs/PySide6/plugins/qmltooling' 'pkgs/PySide6/plugins/designer' 'pkgs/PIL/_avif*'; do
  # shellcheck disable=SC2086
  if compgen -G "$U/$pattern" >/dev/null; then fail "excluded but present: $pattern"; else pass "excluded: $pattern"; fi
done
if find "$U/pkgs" -name __pycache__ | grep -q .; then fail "no stale __pycache__ in the payload"; else pass "no stale __pycache__ in the payload"; fi
translations=$(cd "$U/pkgs/PySide6/translations" && ls | tr '\n' ' ' || true)
[ "$translations" = "qtbase_zh_CN.qm " ] && pass "translations: only qtbase_zh_CN.qm" || fail "translations: expected only qtbase_zh_CN.qm, found: $translations"

# Every imported DLL is in the payload or part of Windows 10/11 (icuuc.dll: Windows' own ICU,
# part of Windows since Windows 10 1703, which Qt6Core uses).
WINDOWS_DLLS=" advapi32.dll authz.dll bcrypt.dll cabinet.dll comctl32.dll comdlg32.dll crypt32.dll d3d11.dll d3d12.dll d3d9.dll
 d3dcompiler_47.dll dwmapi.dll dwrite.dll dxgi.dll gdi32.dll icuuc.dll icuin.dll imm32.dll iphlpapi.dll kernel32.dll mpr.dll
 msi.dll netapi32.dll ntdll.dll ole32.dll oleaut32.dll opengl32.dll propsys.dll psapi.dll rpcrt4.dll secur32.dll setupapi.dll
 shcore.dll shell32.dll shlwapi.dll uiautomationcore.dll user32.dll userenv.dll uxtheme.dll version.dll winmm.dll winspool.drv
 ws2_32.dll wtsapi32.dll "
WINDOWS_DLLS=" $(tr -s ' \n' '  ' <<<"$WINDOWS_DLLS") "
find "$U" -path "$U/\$PLUGINSDIR" -prune -o -type f -printf '%f\n' | tr 'A-Z' 'a-z' | sort -u > "$SMOKE/payload-names.txt"
unresolved=()
pe_count=0
while IFS= read -r -d '' pe; do
  pe_count=$((pe_count + 1))
  while read -r dll; do
    lower=$(tr 'A-Z' 'a-z' <<<"$dll")
    grep -qxF "$lower" "$SMOKE/payload-names.txt" && continue
    case "$lower" in api-ms-win-*|ext-ms-win-*) continue ;; esac
    case "$WINDOWS_DLLS" in *" $lower "*) continue ;; esac
    unresolved+=("${pe#"$U/"} -> $dll")
  done < <(objdump -p "$pe" 2>/dev/null | awk '/DLL Name:/ {print $3}')
done < <(find "$U/pkgs" "$U/Python" -type f \( -iname '*.dll' -o -iname '*.pyd' -o -iname '*.exe' \) -print0)
if [ ${#unresolved[@]} -eq 0 ] && [ "$pe_count" -gt 50 ]; then
  pass "DLL imports of all $pe_count DLL/PYD/EXE files resolve (payload or Windows)"
else
  fail "DLL imports not found in the payload nor Windows: ${unresolved[*]:-none} ($pe_count files read)"
fi
SETUP_SIZE=$(stat -c %s "$SETUP")
UNPACKED_SIZE=$(du -sb --exclude='$PLUGINSDIR' "$U" | cut -f1)

# --- 2. NSIS script and manifest (static) ---------------------------------------------------
section "2. 安装脚本 / NSIS script (static, makensis -PPO of $NSI)"
(cd "$OUT/nsis" && makensis -INPUTCHARSET UTF8 -PPO installer.nsi) > "$SMOKE/installer.ppo.nsi" 2> "$SMOKE/logs/ppo.log" \
  || fail "makensis -PPO failed (see $SMOKE/logs/ppo.log)"
PPO="$SMOKE/installer.ppo.nsi"
has() { grep -qF -- "$1" "$PPO"; }
hasnt() { ! grep -qiF -- "$1" "$PPO"; }
check "RequestExecutionLevel user" has 'RequestExecutionLevel user'
check "Unicode, SimpChinese language" bash -c 'grep -qx "Unicode true" "$1" && grep -q "SimpChinese" "$1"' _ "$PPO"
check "InstallDir \$LOCALAPPDATA\\Programs\\PerfDesk" has 'InstallDir "$LOCALAPPDATA\Programs\PerfDesk"'
check "no HKLM / SHCTX / MultiUser / \$PROGRAMFILES" bash -c '! grep -qiE "HKLM|HKEY_LOCAL_MACHINE|SHCTX|MultiUser|\\\$PROGRAMFILES|SetShellVarContext all" "$1"' _ "$PPO"
check "HKCU uninstall key" has 'WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\PerfDesk" "UninstallString"'
check "HKCU .perfdesk -> PerfDesk.File" has 'WriteRegStr HKCU "Software\Classes\.perfdesk" "" "PerfDesk.File"'
check "HKCU PerfDesk.File icon" has 'WriteRegStr HKCU "Software\Classes\PerfDesk.File\DefaultIcon" "" "$INSTDIR\perfdesk.ico,0"'
check "HKCU PerfDesk.File open command passes \"%1\" to pythonw + launcher" \
  has "WriteRegStr HKCU \"Software\\Classes\\PerfDesk.File\\shell\\open\\command\" \"\" '\"\$INSTDIR\\Python\\pythonw.exe\" \"\$INSTDIR\\perfdesk-launcher.pyw\" \"%1\"'"
check "Start-menu shortcut with the icon" has "CreateShortCut \"\$SMPROGRAMS\\$APP_NAME.lnk\" \"\$INSTDIR\\Python\\pythonw.exe\" '\"\$INSTDIR\\perfdesk-launcher.pyw\"' \"\$INSTDIR\\perfdesk.ico\""
check "desktop shortcut with the icon" has "CreateShortCut \"\$DESKTOP\\$APP_NAME.lnk\" \"\$INSTDIR\\Python\\pythonw.exe\" '\"\$INSTDIR\\perfdesk-launcher.pyw\"' \"\$INSTDIR\\perfdesk.ico\""
check "uninstaller never removes the install folder recursively" bash -c '! grep -qE "RMDir +/r +\"?\\\$INSTDIR\"?\s*$" "$1"' _ "$PPO"
check "nothing deletes \$APPDATA or .perfdesk files" bash -c '! grep -iE "^\s*(Delete|RMDir)\b" "$1" | grep -qiE "APPDATA|\.perfdesk|\*\.\*|\\\$DOCUMENTS|\\\$PROFILE"' _ "$PPO"
uninstall_pages_ok() {  # the uninstaller's welcome page names the data folder; both pages say it stays
  grep -A2 'MUI_WELCOMEPAGE_TEXT "本向导将从这台电脑上删除' "$1" | grep -F '$APPDATA\${APP_ID}' | grep -q '不会被删除' \
    && grep -q 'MUI_UNPAGE_WELCOME' "$1" && grep 'MUI_UNCONFIRMPAGE_TEXT_TOP' "$1" | grep -q '不会被删除'
}
check "uninstaller pages say %APPDATA%\\PerfDesk and .perfdesk files stay" uninstall_pages_ok "$NSI"
check "manifest: requestedExecutionLevel asInvoker" bash -c 'grep -aq "requestedExecutionLevel level=\"asInvoker\"" "$1"' _ "$SETUP"
check "64-bit installer (PE32+)" bash -c 'objdump -f "$1" 2>/dev/null | grep -q "pei-x86-64"' _ "$SETUP"

# --- 3. Under Wine --------------------------------------------------------------------------
section "3. Wine: 安装、运行命令行、卸载 / install, run the CLI, uninstall (wine64)"
export WINEPREFIX="$SMOKE/wineprefix" WINEARCH=win64 WINEDEBUG=-all
# No Mono/Gecko prompts, no menu entries written into the real home folder.
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
# Wine links Desktop/Documents to $HOME: give it a throwaway home so nothing lands in the real one.
export HOME="$SMOKE/home"
mkdir -p "$HOME"
winpath() { printf 'Z:%s' "${1//\//\\}"; }
WLOG=
wrun() {  # wrun LOGNAME COMMAND...: output to logs/LOGNAME.log (Wine needs pipes, not files)
  local log="$SMOKE/logs/$1.log"; shift
  set +e
  "$@" </dev/null 2>&1 | cat > "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  WLOG=$log
  return "$rc"
}
wrun wineboot wine wineboot -i || true
wineserver -w || true
WUSER=$(ls "$WINEPREFIX/drive_c/users" | grep -vx Public | head -n 1)
WHOME="$WINEPREFIX/drive_c/users/$WUSER"
[ -d "$WHOME" ] || die "Wine prefix has no user folder ($WINEPREFIX)"
for link in "$WHOME"/*; do [ -L "$link" ] && rm -f "$link" && mkdir -p "$link"; done
INSTDIR="$WHOME/AppData/Local/Programs/PerfDesk"
APPDATA_DIR="$WHOME/AppData/Roaming/PerfDesk"
STARTMENU_LNK="$WHOME/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/$APP_NAME.lnk"
DESKTOP_LNK="$WHOME/Desktop/$APP_NAME.lnk"
WSETUP=$(winpath "$SETUP")

regexport() {  # regexport KEY -> the key as UTF-8 text on stdout (empty when absent)
  local file="$SMOKE/reg.$$.reg"
  rm -f "$file"
  wrun regedit wine regedit /E "$(winpath "$file")" "$1" || true
  [ -f "$file" ] && iconv -f UTF-16 -t UTF-8 "$file" | tr -d '\r'
  rm -f "$file"
}

wrun win7 wine winecfg -v win7 || true
if wrun install-win7 wine "$WSETUP" /S; then rc=0; else rc=$?; fi
[ "$rc" = 2 ] && [ ! -e "$INSTDIR" ] && pass "on Windows 7 the installer refuses (exit 2, nothing installed)" \
  || fail "on Windows 7 the installer should refuse: exit $rc, install folder $( [ -e "$INSTDIR" ] && echo exists || echo absent)"
wrun win10 wine winecfg -v win10 || true
# Windows 10 before 1809 (build 17763, the oldest Qt 6 supports): the installer refuses too. Wine
# reports the build the registry names (CurrentBuildNumber), as Windows does.
win_build() {  # win_build N: make Wine report Windows 10 build N
  local v
  for v in CurrentBuildNumber CurrentBuild; do
    wrun "build-$1" wine reg add 'HKLM\Software\Microsoft\Windows NT\CurrentVersion' /v "$v" /d "$1" /f || true
  done
  wineserver -w || true
}
win_build 17134
if wrun install-1803 wine "$WSETUP" /S; then rc=0; else rc=$?; fi
[ "$rc" = 2 ] && [ ! -e "$INSTDIR" ] && pass "on Windows 10 1803 (build 17134) the installer refuses (exit 2, nothing installed)" \
  || fail "on Windows 10 build 17134 the installer should refuse: exit $rc, install folder $( [ -e "$INSTDIR" ] && echo exists || echo absent)"
grep -q '^!define MIN_WINDOWS_BUILD 17763$' "$NSI" && grep -qF '${AtLeastBuild} ${MIN_WINDOWS_BUILD}' "$NSI" && grep -q '需要 64 位的 Windows 10 1809 版' "$NSI" \
  && pass "the refusal names the minimum in Chinese (Windows 10 1809, build 17763)" \
  || fail "installer.nsi: no Chinese message naming Windows 10 1809 / build 17763"
# Everything below runs on exactly the oldest accepted build.
win_build 17763

if WINEDEBUG=-all,fixme+shell wrun install wine "$WSETUP" /S; then pass "silent per-user install (setup.exe /S) exits 0"; else fail "silent install failed, exit $? ($WLOG)"; fi
# Wine's shell-link property store is a stub that logs each call: seeing SetValue and Commit
# twice shows the installer's COM calls that give both shortcuts PerfDesk's AppUserModelID run.
aumid_calls=$(grep -c 'propertystore_SetValue\|propertystore_Commit' "$WLOG" || true)
[ "$aumid_calls" = 4 ] && pass "AppUserModelID written to both shortcuts through IPropertyStore (SetValue + Commit x2)" \
  || fail "AppUserModelID: expected SetValue + Commit for 2 shortcuts, saw $aumid_calls calls ($WLOG)"
app_id=$(grep -o 'SetCurrentProcessExplicitAppUserModelID("[^"]*")' "$REPO/perfdesk/app.py" | head -n 1 | cut -d'"' -f2 || true)
grep -qF "!define APP_USER_MODEL_ID \"$app_id\"" "$NSI" && pass "shortcut AppUserModelID = the program's ($app_id)" \
  || fail "shortcut AppUserModelID differs from the one perfdesk/app.py sets (${app_id:-none found})"
check "installed to %LOCALAPPDATA%\\Programs\\PerfDesk" test -f "$INSTDIR/Python/pythonw.exe"
(cd "$U" && find . -path './$PLUGINSDIR' -prune -o -type f -print | sort) > "$SMOKE/files-payload.txt"
(cd "$INSTDIR" 2>/dev/null && find . -name __pycache__ -prune -o -type f -print | sort) > "$SMOKE/files-installed.txt" || true
check "installed files are exactly the payload" cmp -s "$SMOKE/files-payload.txt" "$SMOKE/files-installed.txt"
pyc=$(find "$INSTDIR/pkgs" -name '*.pyc' 2>/dev/null | wc -l || true)
[ "$pyc" -gt 500 ] && pass "modules byte-compiled at install ($pyc .pyc files)" || fail "modules not byte-compiled at install ($pyc .pyc files)"
lnk_ok() {  # the .lnk names pythonw.exe, the quoted launcher and the program icon
  local text; [ -f "$1" ] && text=$(strings -el "$1") || return 1
  grep -q 'pythonw.exe' <<<"$text" && grep -q 'perfdesk-launcher.pyw"' <<<"$text" && grep -q 'PerfDesk\\perfdesk.ico' <<<"$text"
}
check "Start-menu shortcut: pythonw.exe + launcher, program icon" lnk_ok "$STARTMENU_LNK"
check "desktop shortcut: pythonw.exe + launcher, program icon" lnk_ok "$DESKTOP_LNK"
REG_CLASSES=$(regexport 'HKEY_CURRENT_USER\Software\Classes\PerfDesk.File')
REG_EXT=$(regexport 'HKEY_CURRENT_USER\Software\Classes\.perfdesk')
REG_UNINST=$(regexport 'HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\PerfDesk')
WINST='C:\\users\\'"$WUSER"'\\AppData\\Local\\Programs\\PerfDesk'
check "HKCU .perfdesk -> PerfDesk.File" grep -qx '@="PerfDesk.File"' <<<"$REG_EXT"
check "HKCU PerfDesk.File open command: pythonw.exe launcher \"%1\"" \
  grep -qxF "@=\"\\\"$WINST\\\\Python\\\\pythonw.exe\\\" \\\"$WINST\\\\perfdesk-launcher.pyw\\\" \\\"%1\\\"\"" <<<"$REG_CLASSES"
check "HKCU PerfDesk.File icon" grep -qxF "@=\"$WINST\\\\perfdesk.ico,0\"" <<<"$REG_CLASSES"
check "HKCU uninstall entry: Chinese name, version $VERSION" \
  bash -c 'grep -qxF "\"DisplayName\"=\"$2\"" <<<"$1" && grep -qxF "\"DisplayVersion\"=\"$3\"" <<<"$1"' _ "$REG_UNINST" "$APP_NAME" "$VERSION"
check "nothing written under HKLM" bash -c '[ -z "$1" ] && [ -z "$2" ]' _ \
  "$(regexport 'HKEY_LOCAL_MACHINE\Software\Classes\PerfDesk.File')" \
  "$(regexport 'HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Uninstall\PerfDesk')"

# The installed Python: the dependencies that do not need Qt, then PerfDesk's CLI
PY="$INSTDIR/Python/python.exe"
WORK="$SMOKE/work"
mkdir -p "$WORK/fonts"
cp /usr/share/fonts/truetype/arphic/uming.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc "$WORK/fonts/"
export PERFDESK_FONT_DIR; PERFDESK_FONT_DIR=$(winpath "$WORK/fonts")
cd "$WORK"
if wrun imports wine "$PY" -c '
import sys, openpyxl, docx, reportlab, PIL, lxml.etree, pypdfium2, charset_normalizer
from PIL import Image
print(sys.version.split()[0], "openpyxl", openpyxl.__version__, "reportlab", reportlab.Version, "Pillow", PIL.__version__,
      "lxml", ".".join(map(str, lxml.etree.LXML_VERSION)), "pypdfium2", pypdfium2.PYPDFIUM_INFO, "pdfium", pypdfium2.PDFIUM_INFO)
'; then pass "imports openpyxl, docx, reportlab, PIL, lxml, pypdfium2: $(tail -n 1 "$WLOG")"; else fail "imports of the non-Qt dependencies ($WLOG)"; fi
if wrun demo wine "$PY" -m perfdesk.cli demo demo.perfdesk && [ -s demo.perfdesk ]; then pass "perfdesk demo demo.perfdesk"; else fail "perfdesk demo ($WLOG)"; fi
if wrun check wine "$PY" -m perfdesk.cli check demo.perfdesk; then rc=0; else rc=$?; fi
{ [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && grep -q '共检查' "$WLOG" && pass "perfdesk check (exit $rc: $(grep '共检查' "$WLOG" | tail -n 1))" \
  || fail "perfdesk check: exit $rc ($WLOG)"
if wrun launcher wine "$PY" "$(winpath "$INSTDIR/perfdesk-launcher.pyw")" score demo.perfdesk; then rc=0; else rc=$?; fi
[ "$rc" = 0 ] && pass "the launcher runs perfdesk.cli:main (score)" || fail "launcher perfdesk-launcher.pyw score: exit $rc ($WLOG)"
for fmt in pdf xlsx docx; do
  if wrun "export-$fmt" wine "$PY" -m perfdesk.cli export --format "$fmt" --force --out "out-$fmt" demo.perfdesk; then rc=0; else rc=$?; fi
  n=$(find "out-$fmt" -name "*.$fmt" 2>/dev/null | wc -l || true)
  [ "$rc" = 0 ] && [ "$n" -gt 0 ] && pass "perfdesk export --format $fmt --force: $n files" || fail "perfdesk export --format $fmt: exit $rc, $n files ($WLOG)"
done
first_pdf=$(find out-pdf -name '*.pdf' 2>/dev/null | sort | head -n 1 || true)
[ -n "$first_pdf" ] && [ "$(head -c 4 "$first_pdf")" = "%PDF" ] && pass "the PDF starts with %PDF" || fail "no PDF starting with %PDF"
first_xlsx=$(find out-xlsx -name '*.xlsx' 2>/dev/null | head -n 1 || true)
[ -n "$first_xlsx" ] && [ "$(head -c 2 "$first_xlsx")" = "PK" ] && pass "the .xlsx is a zip (PK)" || fail "no .xlsx zip"
if [ -n "$first_pdf" ] && cp "$first_pdf" "$WORK/first.pdf" && wrun pdfium wine "$PY" -c '
import sys, pypdfium2 as pdfium
pdf = pdfium.PdfDocument(sys.argv[1])
page = pdf[0]
image = page.render(scale=1).to_pil()
text = page.get_textpage().get_text_range()
print(len(pdf), "pages", image.size, len(text), "characters")
assert len(pdf) >= 1 and image.size[0] > 100 and text.strip()
' first.pdf; then pass "pypdfium2 opens the PDF, renders page 1, reads its text: $(tail -n 1 "$WLOG")"; else fail "pypdfium2 on the exported PDF ($WLOG)"; fi
if WINEDEBUG=-all wrun pyside6 wine "$PY" -c 'import PySide6; print("import PySide6: ok", PySide6.__version__)'; then
  pass "import PySide6 succeeds under Wine ($(tail -n 1 "$WLOG"))"
else
  fail "import PySide6 fails under Wine ($WLOG)"
fi
# Without Windows' ICU, QtCore cannot load, and it must be the only thing missing.
if WINEDEBUG=-all,err+module wrun qtcore-no-icu wine "$PY" -c 'from PySide6 import QtCore'; then
  fail "from PySide6 import QtCore works under Wine before ICU was supplied: the ICU check below proves nothing"
else
  not_found=$(grep -o 'Library [^ ]* (which is needed by' "$WLOG" | awk '{print $2}' | sort -u | while read -r d; do
                grep -qxiF "$d" "$SMOKE/payload-names.txt" || echo "$d"; done | tr '\n' ' ' || true)
  [ "$not_found" = "icuuc.dll " ] && pass "without ICU, from PySide6 import QtCore fails under Wine only for Windows' ICU (icuuc.dll)" \
    || fail "from PySide6 import QtCore misses more than icuuc.dll under Wine: ${not_found:-?} ($WLOG)"
fi
# Windows 10 (1703 and later) has its own ICU: icuuc.dll with ICU's C API under unversioned
# names. Wine has none, so the test gives the throwaway prefix one, as Windows would: the ICU 78
# DLLs of the PyPI wheel icu4py (win_amd64) in system32, and an icuuc.dll made here (MinGW
# binutils) that exports exactly the functions the installed Qt6Core.dll imports from icuuc.dll,
# each forwarded to ICU 78's versioned name (ucnv_open -> ucnv_open_78). Then the installed copy's
# own `--self-test` must pass: Qt starts, opens the demo in the window, exports a PDF, draws it
# with PDFium and prints to a file.
ICU_DIR="$OUT/downloads/icu"
mkdir -p "$ICU_DIR"
icu_wheel="$ICU_DIR/$ICU_WHEEL"
if ! { [ -f "$icu_wheel" ] && echo "$ICU_WHEEL_SHA256  $icu_wheel" | sha256sum -c --status; }; then
  rm -f "$icu_wheel"
  "$PYTHON" -m pip download -q --no-deps --only-binary=:all: --platform win_amd64 --python-version 3.11 \
    --implementation cp -d "$ICU_DIR" "$ICU_PIN" > "$SMOKE/logs/icu-download.log" 2>&1 || true
fi
SYS32="$WINEPREFIX/drive_c/windows/system32"
if [ -f "$icu_wheel" ] && echo "$ICU_WHEEL_SHA256  $icu_wheel" | sha256sum -c --status; then
  pass "ICU for Wine: $ICU_WHEEL (sha256 checked)"
  rm -rf "$SMOKE/icu" && mkdir -p "$SMOKE/icu"
  "$PYTHON" -m zipfile -e "$icu_wheel" "$SMOKE/icu"
  cp "$SMOKE"/icu/icu4py.libs/*.dll "$SYS32/"
  icuuc78=$(basename "$(ls "$SMOKE"/icu/icu4py.libs/icuuc[0-9]*.dll)" .dll)
  icu_major=$(sed -E 's/^icuuc([0-9]+).*/\1/' <<<"$icuuc78")
  objdump -p "$INSTDIR/pkgs/PySide6/Qt6Core.dll" | awk '
    /DLL Name:/ { take = ($3 == "icuuc.dll") ; next }
    take && NF == 3 && $1 ~ /^[0-9a-f]+$/ { print $3 }' | sort -u > "$SMOKE/icu/qt-imports.txt"
  objdump -p "$SMOKE/icu/icu4py.libs/$icuuc78.dll" | sed -n 's/^.*\] \([A-Za-z_0-9]*\)$/\1/p' | sort -u > "$SMOKE/icu/icu-exports.txt"
  missing_icu=$(while read -r f; do grep -qx "${f}_$icu_major" "$SMOKE/icu/icu-exports.txt" || echo "$f"; done < "$SMOKE/icu/qt-imports.txt")
  { echo "LIBRARY icuuc.dll"; echo "EXPORTS"
    while read -r f; do echo "$f = $icuuc78.${f}_$icu_major"; done < "$SMOKE/icu/qt-imports.txt"; } > "$SMOKE/icu/icuuc.def"
  if [ -s "$SMOKE/icu/qt-imports.txt" ] && [ -z "$missing_icu" ] \
     && x86_64-w64-mingw32-dlltool -d "$SMOKE/icu/icuuc.def" -e "$SMOKE/icu/icuuc-exports.o" \
     && x86_64-w64-mingw32-ld -shared --entry=0 --subsystem windows -o "$SYS32/icuuc.dll" "$SMOKE/icu/icuuc-exports.o"; then
    pass "icuuc.dll for Wine: the $(wc -l < "$SMOKE/icu/qt-imports.txt") functions Qt6Core.dll imports, forwarded to ICU $icu_major"
  else
    fail "could not make icuuc.dll for Wine (Qt6Core imports $(wc -l < "$SMOKE/icu/qt-imports.txt") ICU functions; not in ICU $icu_major: ${missing_icu:-none})"
  fi
  if WINEDEBUG=-all,err+module wrun qtcore wine "$PY" -c 'from PySide6 import QtCore; print("QtCore", QtCore.qVersion())'; then
    pass "from PySide6 import QtCore works under Wine with ICU ($(tail -n 1 "$WLOG"))"
  else
    fail "from PySide6 import QtCore fails under Wine even with ICU ($WLOG)"
  fi
  # Under Xvfb, so that Wine can make real windows (HWNDs) for Qt's own "windows" platform
  # plugin: without a display Wine makes none, the window's close never reaches its closeEvent,
  # the demo file stays locked and the self-test's temporary folder cannot be removed.
  XVFB=(xvfb-run -a -s "-screen 0 1280x1024x24 -nolisten tcp")
  if WINEDEBUG=-all wrun self-test "${XVFB[@]}" wine "$PY" -m perfdesk.cli --self-test; then rc=0; else rc=$?; fi
  steps_ok=$(grep -c '^✔' "$WLOG" || true)
  [ "$rc" = 0 ] && grep -q '自检通过。' "$WLOG" && grep -q '平台插件 windows' "$WLOG" \
    && pass "the installed copy's perfdesk --self-test passes under Wine (Qt's windows platform plugin, $steps_ok steps ✔): $(grep '^自检' "$WLOG" | tail -n 1)" \
    || fail "perfdesk --self-test under Wine: exit $rc, last line: $(tail -n 1 "$WLOG") ($WLOG)"
  # What a user's double click runs: pythonw.exe with the launcher, the same self-test.
  if WINEDEBUG=-all wrun self-test-pythonw "${XVFB[@]}" wine "$INSTDIR/Python/pythonw.exe" \
       "$(winpath "$INSTDIR/perfdesk-launcher.pyw")" --self-test; then rc=0; else rc=$?; fi
  [ "$rc" = 0 ] && pass "pythonw.exe perfdesk-launcher.pyw --self-test exits 0 under Wine" \
    || fail "pythonw.exe perfdesk-launcher.pyw --self-test: exit $rc ($WLOG)"
  rm -f "$SYS32/icuuc.dll" "$SYS32"/icu*[0-9]-*.dll "$SYS32"/msvcp140-*.dll
else
  fail "no $ICU_WHEEL with sha256 $ICU_WHEEL_SHA256 (pip download $ICU_PIN; see $SMOKE/logs/icu-download.log)"
fi

# Data safety: reinstall over it, then uninstall
mkdir -p "$APPDATA_DIR" "$WHOME/Documents"
printf '[General]\nmarker=smoke\n' > "$APPDATA_DIR/settings.ini"
cp demo.perfdesk "$WHOME/Documents/我的项目.perfdesk"
cp demo.perfdesk "$INSTDIR/saved-in-program-folder.perfdesk"
DATA_BEFORE=$(cd "$WHOME" && sha256sum "AppData/Roaming/PerfDesk/settings.ini" "Documents/我的项目.perfdesk")
# While PerfDesk runs (its Qt6Core.dll held open, as a loaded DLL is), the installer must stop
# and change nothing: a silent install gives up with exit code 2.
cat > "$WORK/hold.py" <<'PY'
import ctypes, os, sys, time
from ctypes import wintypes
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
kernel32.CreateFileW.restype = wintypes.HANDLE
handle = kernel32.CreateFileW(sys.argv[1], 0x80000000, 1, None, 3, 0, None)  # read, share read only
if handle in (None, wintypes.HANDLE(-1).value):
    sys.exit("cannot open " + sys.argv[1])
open(sys.argv[2], "w").close()
deadline = time.time() + 15  # Wine lets the aborted installer exit only once this exits
while not os.path.exists(sys.argv[3]) and time.time() < deadline:
    time.sleep(0.2)
kernel32.CloseHandle(handle)
PY
rm -f "$WORK/held" "$WORK/release"
( wine "$PY" hold.py "$(winpath "$INSTDIR/pkgs/PySide6/Qt6Core.dll")" held release </dev/null 2>&1 | cat > "$SMOKE/logs/hold.log" ) &
holder=$!
for _ in $(seq 1 150); do [ -e "$WORK/held" ] && break; sleep 0.2; done
if [ -e "$WORK/held" ]; then
  before=$(cd "$INSTDIR" && find . -type f | sort | sha256sum)
  if wrun install-while-running wine "$WSETUP" /S; then rc=0; else rc=$?; fi
  [ "$rc" = 2 ] && [ "$(cd "$INSTDIR" && find . -type f | sort | sha256sum)" = "$before" ] \
    && pass "while PerfDesk runs, the installer stops (exit 2) and leaves the install as it was" \
    || fail "while PerfDesk runs, the installer should stop: exit $rc ($WLOG)"
else
  fail "could not hold Qt6Core.dll open to test the 'PerfDesk is running' check ($SMOKE/logs/hold.log)"
fi
touch "$WORK/release"
wait "$holder" || true
if wrun reinstall wine "$WSETUP" /S; then pass "reinstall over the existing install exits 0"; else fail "reinstall failed ($WLOG)"; fi
check "after reinstall: program complete" test -f "$INSTDIR/pkgs/perfdesk/cli.py"
check "after reinstall: settings and .perfdesk files unchanged" \
  bash -c '[ "$(cd "$1" && sha256sum "AppData/Roaming/PerfDesk/settings.ini" "Documents/我的项目.perfdesk")" = "$2" ] && [ -f "$3" ]' _ \
  "$WHOME" "$DATA_BEFORE" "$INSTDIR/saved-in-program-folder.perfdesk"
# The uninstaller copies itself to %TEMP% and runs from there: wait for every Wine process.
if wrun uninstall wine "$(winpath "$INSTDIR/uninstall.exe")" /S; then pass "silent uninstall (uninstall.exe /S) exits 0"; else fail "uninstall failed ($WLOG)"; fi
wineserver -w || true
for gone in Python pkgs perfdesk-launcher.pyw perfdesk.ico uninstall.exe; do
  check "uninstalled: $gone" test ! -e "$INSTDIR/$gone"
done
check "uninstalled: Start-menu and desktop shortcuts" bash -c '[ ! -e "$1" ] && [ ! -e "$2" ]' _ "$STARTMENU_LNK" "$DESKTOP_LNK"
check "uninstalled: HKCU keys (PerfDesk.File, .perfdesk, uninstall entry)" bash -c '[ -z "$1$2$3" ]' _ \
  "$(regexport 'HKEY_CURRENT_USER\Software\Classes\PerfDesk.File')" \
  "$(regexport 'HKEY_CURRENT_USER\Software\Classes\.perfdesk')" \
  "$(regexport 'HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Uninstall\PerfDesk')"
check "kept: %APPDATA%\\PerfDesk and the user's .perfdesk files, unchanged" \
  bash -c '[ "$(cd "$1" && sha256sum "AppData/Roaming/PerfDesk/settings.ini" "Documents/我的项目.perfdesk")" = "$2" ]' _ "$WHOME" "$DATA_BEFORE"
check "kept: a .perfdesk file the user saved in the program folder (and so the folder)" test -f "$INSTDIR/saved-in-program-folder.perfdesk"
cd "$REPO"

# --- Summary --------------------------------------------------------------------------------
section "结果 / summary"
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "  installer   : $SETUP"
echo "  size        : $SETUP_SIZE bytes ($(mib "$SETUP_SIZE")); unpacked $UNPACKED_SIZE bytes ($(mib "$UNPACKED_SIZE"))"
echo "  checks      : $PASSED passed, ${#FAILED[@]} failed   ($((SECONDS - STARTED)) s; logs in $SMOKE/logs)"
if [ ${#FAILED[@]} -gt 0 ]; then
  printf '  failed      : %s\n' "${FAILED[@]}"
  printf '\n冒烟测试未通过 / SMOKE TEST FAILED\n'
  exit 1
fi
rm -rf "$SMOKE/wineprefix" "$SMOKE/home"  # throwaway; kept only when something failed
printf '\n冒烟测试通过 / SMOKE TEST PASSED\n'

#!/usr/bin/env bash
# Run the whole test suite against several PySide6 releases, each in its own virtual
# environment under build/pyside-<version>/. UOS and Kylin ship older glibc, so the Linux bundle
# may have to be built with an older PySide6; this is how the supported range is checked.
#   bash scripts/test-pyside-range.sh              # the default range below
#   bash scripts/test-pyside-range.sh 6.8.3 6.9.3  # chosen releases
# Not part of the README's test command: it downloads ~80 MB per release and takes minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null   # system libraries and fonts
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(6.8.3 6.9.3 6.10.3 6.11.3)
PYTHON=${PYTHON:-python3}
declare -A result
for v in "${versions[@]}"; do
  venv=build/pyside-$v
  if [ ! -x "$venv/bin/python" ]; then
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip > "$venv/pip.log" 2>&1
  fi
  echo "== PySide6-Essentials $v"
  if ! "$venv/bin/python" -m pip install -q "PySide6-Essentials==$v" "shiboken6==$v" -e ".[test]" >> "$venv/pip.log" 2>&1; then
    result[$v]="install failed, see $venv/pip.log"; continue
  fi
  installed=$("$venv/bin/python" -c "import PySide6; print(PySide6.__version__)")
  [ "$installed" = "$v" ] || { result[$v]="got PySide6 $installed instead"; continue; }
  start=$SECONDS
  if QT_QPA_PLATFORM=offscreen "$venv/bin/python" -m pytest -q -p no:cacheprovider > "$venv/pytest.log" 2>&1; then
    result[$v]="passed ($(tail -1 "$venv/pytest.log"))"
  else
    result[$v]="FAILED ($(tail -1 "$venv/pytest.log")), see $venv/pytest.log"
  fi
  echo "   ${result[$v]} in $((SECONDS - start)) s"
done
echo
status=0
for v in "${versions[@]}"; do
  echo "PySide6 $v: ${result[$v]}"
  [[ ${result[$v]} == passed* ]] || status=1
done
exit $status

#!/bin/sh
# 撤销 install-desktop-entry.sh：删除本用户的 PerfDesk 菜单项、桌面图标、.perfdesk 文件关联和图标。
# 不删除任何数据：~/.local/share/PerfDesk（设置、示例文件）与所有 .perfdesk 文件原样保留；
# PerfDesk 程序文件夹也不删除，不再需要时请自行删除整个文件夹。
# 用法：sh uninstall-desktop-entry.sh
#
# Removes only what install-desktop-entry.sh wrote, and only when it is PerfDesk's own:
# a .desktop file is removed only if it carries the X-PerfDesk-Bundle key, a mimeapps.list
# line only if it names perfdesk.desktop.
set -eu

DESKTOP_ID=perfdesk.desktop
MIME_TYPE=application/x-perfdesk
MARK=X-PerfDesk-Bundle

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }

case ${1:-} in
    "") ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) warn "未知参数：$1"; exit 2 ;;
esac
if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then
    warn "HOME 未设置或不存在。"
    exit 1
fi

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
APPS=$DATA_HOME/applications
MIME_DIR=$DATA_HOME/mime
ICONS=$DATA_HOME/icons/hicolor

ours() {  # a .desktop file written by install-desktop-entry.sh
    [ -f "$1" ] && grep -q "^$MARK=" "$1"
}
remove_entry() {
    if ours "$1"; then
        rm -f "$1"
        say "已删除：$1"
    elif [ -e "$1" ]; then
        warn "保留 $1：它不是由 PerfDesk 安装脚本写入的。"
    fi
}

remove_entry "$APPS/$DESKTOP_ID"
desks=""
if command -v xdg-user-dir >/dev/null 2>&1; then
    desks=$(xdg-user-dir DESKTOP 2>/dev/null || true)
fi
for desk in "$desks" "$HOME/桌面" "$HOME/Desktop"; do
    if [ -n "$desk" ] && [ "$desk" != "$HOME" ]; then
        remove_entry "$desk/$DESKTOP_ID"
    fi
done

for icon in "$ICONS/256x256/apps/perfdesk.png" "$ICONS/48x48/apps/perfdesk.png" \
            "$ICONS/256x256/mimetypes/application-x-perfdesk.png" \
            "$ICONS/48x48/mimetypes/application-x-perfdesk.png"; do
    rm -f "$icon"
done

if [ -f "$MIME_DIR/packages/perfdesk.xml" ]; then
    rm -f "$MIME_DIR/packages/perfdesk.xml"
    if command -v update-mime-database >/dev/null 2>&1; then
        update-mime-database "$MIME_DIR" >/dev/null 2>&1 || true
    fi
    say "已删除 .perfdesk 文件类型。"
fi
if command -v update-desktop-database >/dev/null 2>&1 && [ -d "$APPS" ]; then
    update-desktop-database "$APPS" >/dev/null 2>&1 || true
fi

# The default-application line, only where it names PerfDesk (in [Default Applications] or
# [Added Associations]); every other line of mimeapps.list is kept as it is.
for list in "$CONFIG_HOME/mimeapps.list" "$DATA_HOME/applications/mimeapps.list"; do
    if [ -f "$list" ] && grep -q "^$MIME_TYPE=" "$list"; then
        awk -v key="$MIME_TYPE" -v id="$DESKTOP_ID" '
            index($0, key "=") == 1 {
                n = split(substr($0, length(key) + 2), apps, ";"); rest = ""
                for (i = 1; i <= n; i++) if (apps[i] != "" && apps[i] != id) rest = rest apps[i] ";"
                if (rest != "") print key "=" rest
                next
            }
            { print }' "$list" > "$list.tmp"
        mv -f "$list.tmp" "$list"
    fi
done

say "完成。您的数据没有被删除：${DATA_HOME}/PerfDesk 和所有 .perfdesk 文件都还在。"

#!/bin/sh
# 把 PerfDesk 加入“我”的应用程序菜单，并让 .perfdesk 文件双击即用 PerfDesk 打开。
# 只写入本用户的文件夹（~/.local/share 与 ~/.config），不需要管理员权限，可以重复运行。
# 用法：在 PerfDesk 文件夹里打开终端，运行   sh install-desktop-entry.sh [--desktop]
#       --desktop  另外在桌面上放一个 PerfDesk 图标
# 若以后移动了 PerfDesk 文件夹，请在新位置再运行一次。撤销：sh uninstall-desktop-entry.sh
#
# Registers this PerfDesk folder for the current user: a .desktop entry with the icon in
# ~/.local/share/applications, the MIME type application/x-perfdesk (*.perfdesk) in
# ~/.local/share/mime, and PerfDesk as the default application for it. Uses
# update-mime-database / update-desktop-database / xdg-mime when present; without them it
# writes mimeapps.list itself, and the desktop picks the entries up at its next log-in.
set -eu

DESKTOP_ID=perfdesk.desktop
MIME_TYPE=application/x-perfdesk
MARK=X-PerfDesk-Bundle

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }

want_desktop_icon=no
for arg in "$@"; do
    case $arg in
        --desktop) want_desktop_icon=yes ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) warn "未知参数：$arg（可用：--desktop）"; exit 2 ;;
    esac
done

HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd -P)
EXE=$HERE/perfdesk
if [ ! -x "$EXE" ]; then
    warn "找不到 $EXE。请在解压出的 PerfDesk 文件夹里运行本脚本。"
    exit 1
fi
if [ -z "${HOME:-}" ] || [ ! -d "$HOME" ]; then
    warn "HOME 未设置或不存在，无法安装菜单项。"
    exit 1
fi

DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
CONFIG_HOME=${XDG_CONFIG_HOME:-$HOME/.config}
APPS=$DATA_HOME/applications
MIME_DIR=$DATA_HOME/mime
ICONS=$DATA_HOME/icons/hicolor

# Desktop-entry escaping: Exec takes a quoted argument ("…" with \ " ` $ escaped) inside a
# string value (where \ is escaped again) and % starts a field code; other keys are plain strings.
exec_quote() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\\\\\/g' -e 's/["`$]/\\\\&/g' -e 's/%/%%/g')"
}
string_escape() {
    printf '%s' "$1" | sed -e 's/\\/\\\\/g'
}
sed_replacement() {  # make a value safe as the replacement of sed's s|…|…|
    printf '%s' "$1" | sed -e 's/[\\&|]/\\&/g'
}

mkdir -p "$APPS" "$MIME_DIR/packages" "$ICONS/256x256/apps" "$ICONS/48x48/apps" \
         "$ICONS/256x256/mimetypes" "$ICONS/48x48/mimetypes"

# Icons: the program icon and the file-type icon, in the user's hicolor theme.
cp -f "$HERE/desktop/perfdesk.png" "$ICONS/256x256/apps/perfdesk.png"
cp -f "$HERE/desktop/perfdesk-48.png" "$ICONS/48x48/apps/perfdesk.png"
cp -f "$HERE/desktop/perfdesk.png" "$ICONS/256x256/mimetypes/application-x-perfdesk.png"
cp -f "$HERE/desktop/perfdesk-48.png" "$ICONS/48x48/mimetypes/application-x-perfdesk.png"

# The menu entry. Icon= is the installed file's full path: every desktop (UOS, Kylin, GNOME,
# KDE, XFCE) shows it without an icon-theme cache.
write_entry() {  # write_entry TARGET
    sed -e "s|@EXEC@|$(sed_replacement "$(exec_quote "$EXE")")|" \
        -e "s|@TRYEXEC@|$(sed_replacement "$(string_escape "$EXE")")|" \
        -e "s|@ICON@|$(sed_replacement "$(string_escape "$ICONS/256x256/apps/perfdesk.png")")|" \
        -e "s|@BUNDLE@|$(sed_replacement "$(string_escape "$HERE")")|" \
        "$HERE/desktop/perfdesk.desktop.in" > "$1.tmp"
    chmod 755 "$1.tmp"
    mv -f "$1.tmp" "$1"
}
write_entry "$APPS/$DESKTOP_ID"
say "已添加菜单项：$APPS/$DESKTOP_ID"

# The file type.
cp -f "$HERE/desktop/perfdesk-mime.xml" "$MIME_DIR/packages/perfdesk.xml"
if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database "$MIME_DIR" >/dev/null 2>&1 || warn "提示：update-mime-database 运行失败，文件类型将在下次登录后生效。"
else
    say "提示：系统没有 update-mime-database，.perfdesk 文件类型将在下次登录后生效。"
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database "$APPS" >/dev/null 2>&1 || true
fi

# PerfDesk as the default application for .perfdesk files.
set_default_by_hand() {
    list=$CONFIG_HOME/mimeapps.list
    mkdir -p "$CONFIG_HOME"
    [ -f "$list" ] || : > "$list"
    awk -v key="$MIME_TYPE" -v value="$DESKTOP_ID;" '
        BEGIN { section = ""; done = 0 }
        /^\[.*\]$/ {
            if (section == "[Default Applications]" && !done) { print key "=" value; done = 1 }
            section = $0; print; next
        }
        section == "[Default Applications]" && index($0, key "=") == 1 {
            if (!done) { print key "=" value; done = 1 }
            next
        }
        { print }
        END {
            if (!done) {
                if (section != "[Default Applications]") { print ""; print "[Default Applications]" }
                print key "=" value
            }
        }' "$list" > "$list.tmp"
    mv -f "$list.tmp" "$list"
}
if command -v xdg-mime >/dev/null 2>&1 && xdg-mime default "$DESKTOP_ID" "$MIME_TYPE" >/dev/null 2>&1; then
    :
else
    set_default_by_hand
fi
say "已关联 .perfdesk 文件：双击即用 PerfDesk 打开。"

if [ "$want_desktop_icon" = yes ]; then
    desk=""
    if command -v xdg-user-dir >/dev/null 2>&1; then
        desk=$(xdg-user-dir DESKTOP 2>/dev/null || true)
    fi
    if [ -z "$desk" ] || [ "$desk" = "$HOME" ] || [ ! -d "$desk" ]; then
        for candidate in "$HOME/桌面" "$HOME/Desktop"; do
            if [ -d "$candidate" ]; then desk=$candidate; break; fi
        done
    fi
    if [ -n "$desk" ] && [ "$desk" != "$HOME" ] && [ -d "$desk" ]; then
        write_entry "$desk/$DESKTOP_ID"
        # GNOME asks to "allow launching" once; gio marks it trusted where gio exists.
        if command -v gio >/dev/null 2>&1; then
            gio set "$desk/$DESKTOP_ID" metadata::trusted true >/dev/null 2>&1 || true
        fi
        say "已在桌面放置图标：$desk/$DESKTOP_ID"
    else
        warn "提示：找不到桌面文件夹，未放置桌面图标。"
    fi
fi

say "完成。PerfDesk 的数据（设置、示例文件）在 ${DATA_HOME}/PerfDesk，卸载菜单项不会删除它们。"

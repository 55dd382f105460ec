"""UI layer: Qt's own words in Chinese when Qt's translation file is missing.

PySide6 wheels normally carry qtbase_zh_CN.qm and create_application loads it; some builds
(distribution packages, trimmed bundles) don't, and then Qt's standard dialogs — the
non-native file dialog, message-box buttons, the right-click menu of a text field — speak
English. Even where it loads, the file lags behind Qt: with Qt 6.11 the file dialog's
"&Look in:" and "Files of &type:" are not in it. `ChineseQtTranslator` answers from the short
list below, only for the words those dialogs and menus show; installed after Qt's file it is
asked first, and Qt's file answers everything else.

The source texts are Qt's own (accelerators and all, as in qtbase); the Chinese follows
qtbase_zh_CN with PerfDesk's wording where the program says it otherwise (撤销, 大小).
"""

from __future__ import annotations

from PySide6.QtCore import QTranslator

_BUTTONS = {
    "OK": "确定", "&OK": "确定(&O)", "Cancel": "取消", "&Cancel": "取消(&C)", "Close": "关闭",
    "&Close": "关闭(&C)", "Apply": "应用", "Reset": "重置", "Help": "帮助", "Save": "保存",
    "&Save": "保存(&S)", "Save All": "全部保存", "Open": "打开", "Discard": "丢弃",
    "Close without Saving": "关闭且不保存", "&Yes": "是(&Y)", "Yes to &All": "全是(&A)", "&No": "否(&N)",
    "N&o to All": "全否(&O)", "Abort": "中止", "Retry": "重试", "Ignore": "忽略",
    "Restore Defaults": "恢复默认值",
}

_TEXT_MENU = {
    "&Undo": "撤销(&U)", "&Redo": "重做(&R)", "Cu&t": "剪切(&T)", "&Copy": "复制(&C)", "&Paste": "粘贴(&P)",
    "Delete": "删除", "Select All": "全选", "Copy &Link Location": "复制链接地址(&L)",
    "Insert Unicode control character": "插入 Unicode 控制字符",
}

_FILE_MODEL = {
    "Name": "名称", "Size": "大小", "Type": "类型", "Kind": "类型", "Date Modified": "修改日期",
    "My Computer": "我的电脑", "Computer": "计算机", "Invalid filename": "无效的文件名",
    '<b>The name "%1" cannot be used.</b><p>Try using another name, with fewer characters or no punctuation marks.':
        "<b>文件名“%1”不可使用。</b><p>请换一个名称，字数少一些或不用标点符号。",
}

_FILE_DIALOG = {
    # Qt 6.11 says "&Look in:" and "Files of &type:", which its qtbase_zh_CN.qm (made for the
    # older "Look in:" / "Files of type:") does not translate
    "&Look in:": "查找范围(&L)：", "Files of &type:": "文件类型(&T)：",
    "Look in:": "查找范围：", "File &name:": "文件名(&N)：", "Files of type:": "文件类型：",
    "Back": "后退", "Forward": "前进", "Go back": "后退", "Go forward": "前进",
    "Parent Directory": "上级目录", "Go to the parent directory": "转到上级目录",
    "Create New Folder": "新建文件夹", "Create a New Folder": "新建一个文件夹", "New Folder": "新建文件夹",
    "&New Folder": "新建文件夹(&N)", "List View": "列表视图", "Detail View": "详细信息视图",
    "Change to list view mode": "切换到列表视图", "Change to detail view mode": "切换到详细信息视图",
    "Sidebar": "侧边栏", "List of places and bookmarks": "位置和书签列表", "Recent Places": "最近位置",
    "&Open": "打开(&O)", "&Save": "保存(&S)", "&Choose": "选择(&C)", "Open": "打开", "Save As": "另存为",
    "Find Directory": "选择文件夹", "Directory:": "文件夹：", "Directories": "文件夹",
    "&Rename": "重命名(&R)", "&Delete": "删除(&D)", "Delete": "删除", "Remove": "移除",
    "Show &hidden files": "显示隐藏文件(&H)", "All Files (*)": "所有文件 (*)", "All files (*)": "所有文件 (*)",
    "File": "文件", "Files": "文件", "File Folder": "文件夹", "Folder": "文件夹", "Alias": "别名",
    "Shortcut": "快捷方式", "Drive": "驱动器", "Unknown": "未知", "My Computer": "我的电脑", "%1 File": "%1 文件",
    "Alt+Left": "Alt+左方向键", "Alt+Right": "Alt+右方向键", "Alt+Up": "Alt+上方向键",
    "%1 already exists.\nDo you want to replace it?": "%1 已存在。\n要替换它吗？",
    "%1\nFile not found.\nPlease verify the correct file name was given.":
        "%1\n找不到文件。\n请检查文件名是否正确。",
    "%1\nDirectory not found.\nPlease verify the correct directory name was given.":
        "%1\n找不到文件夹。\n请检查文件夹名是否正确。",
    "'%1' is write protected.\nDo you want to delete it anyway?": "“%1”受写保护。\n仍要删除吗？",
    "Are you sure you want to delete '%1'?": "确定要删除“%1”吗？",
    "Could not delete directory.": "无法删除文件夹。",
}

_FILE_KINDS = {"Drive": "驱动器", "Folder": "文件夹", "File Folder": "文件夹", "File": "文件", "%1 File": "%1 文件",
               "Shortcut": "快捷方式", "Alias": "别名", "Unknown": "未知"}

# context (the Qt class that asks) -> {source text: translation}
TRANSLATIONS: dict[str, dict[str, str]] = {
    "QFileDialog": _FILE_DIALOG,
    "QAbstractFileIconProvider": _FILE_KINDS,
    "QFileSystemModel": _FILE_MODEL,
    "QDialogButtonBox": _BUTTONS,
    "QPlatformTheme": _BUTTONS,
    "QGnomeTheme": _BUTTONS,
    "QMessageBox": {"Show Details...": "显示详细信息...", "Hide Details...": "隐藏详细信息...",
                    "About Qt": "关于 Qt", "OK": "确定"},
    "QLineEdit": _TEXT_MENU,
    "QWidgetTextControl": _TEXT_MENU,
    "QAbstractSpinBox": {"&Select All": "全选(&S)", "&Step up": "增大(&S)", "Step &down": "减小(&D)"},
    "QInputDialog": {"Enter a value:": "输入一个值："},
    "QProgressDialog": {"Cancel": "取消"},
    "QWizard": {"< &Back": "< 上一步(&B)", "&Next >": "下一步(&N) >", "&Next": "下一步(&N)",
                "&Finish": "完成(&F)", "Cancel": "取消", "&Help": "帮助(&H)", "Help": "帮助",
                "Go Back": "上一步", "Continue": "继续", "Commit": "提交", "Done": "完成"},
    "QDockWidget": {"Close": "关闭", "Float": "浮动", "Closes the dock widget": "关闭此窗格",
                    "Undocks and re-attaches the dock widget": "使此窗格浮动或停靠"},
    "QScrollBar": {"Scroll here": "滚动到此处", "Top": "顶部", "Bottom": "底部", "Left edge": "左边缘",
                   "Right edge": "右边缘", "Page up": "向上翻页", "Page down": "向下翻页", "Page left": "向左翻页",
                   "Page right": "向右翻页", "Scroll up": "向上滚动", "Scroll down": "向下滚动",
                   "Scroll left": "向左滚动", "Scroll right": "向右滚动"},
}


def install(app) -> "ChineseQtTranslator":
    """Install the list on `app` once (after Qt's own file, so that it is asked first)."""
    translator = getattr(app, "perfdesk_qt_zh", None)
    if translator is None:
        translator = ChineseQtTranslator(app)
        app.installTranslator(translator)
        app.perfdesk_qt_zh = translator
    return translator


class ChineseQtTranslator(QTranslator):
    """Qt's standard dialogs and menus in Chinese from TRANSLATIONS, for a Qt installed
    without qtbase_zh_CN.qm. Anything not listed stays as Qt has it."""

    def __init__(self, parent=None, translations: dict[str, dict[str, str]] | None = None):
        super().__init__(parent)
        self.translations = TRANSLATIONS if translations is None else translations

    def translate(self, context, source_text, disambiguation=None, n=-1):
        # None (a null string) tells Qt "not here": it asks the next translator or keeps the
        # source text. An empty string would be taken as the translation.
        found = self.translations.get(context)
        if found is None or not source_text:
            return None
        return found.get(source_text)

    def isEmpty(self) -> bool:
        return False  # an "empty" translator is not installed by QCoreApplication

    def language(self) -> str:
        return "zh_CN"

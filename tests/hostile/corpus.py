"""A corpus of damaged, tampered and hostile files, and the command line that must refuse each.

`build(folder)` writes every case into its own sub-folder of `folder` and returns the cases.
Each case is one file (a .perfdesk, an .xlsx or a .docx) and the `perfdesk` command lines to
run on it; every one of them must end with exit 2 and exactly one `perfdesk: …` line on
stderr, leave the file byte for byte as it was and add nothing to its folder.

Kept free of pytest so the benchmark (benchmarks/bench_hostile.py) and the child process that
runs heavy cases under a memory ceiling (tests/hostile/child.py) can use it.

Families:
* .perfdesk identity and header: empty, text, garbage after the header, truncated, foreign
  SQLite, our id with version 0 / negative / newer, a damaged page-size field;
* .perfdesk schema: views (a recursive one, one standing in for a table), triggers, extra
  tables and indexes, one of our tables with an extra column or a changed CHECK, a missing
  table or index, a virtual table, a schema of 20,000 views;
* .perfdesk rows: NaN / Infinity / sNaN / huge / tiny / binary / words in every kind of number
  column, NULL and binary where text is required, undecodable text, rows pointing at missing
  forms or projects, unknown form kinds and definitions, years as text, real, out of range,
  flags out of range, an empty id, a second unit row, an over-long text, a value over SQLite's
  per-value ceiling, deeply nested provenance JSON;
* imports: merges over a whole sheet, a huge merge area, many merges, too many cells, huge
  gridSpan / gridBefore, very many rows and tables, over-long strings, entity expansion and
  external entities, deep nesting, zip headers with a version or method we cannot read, too
  many entries, a compression bomb, duplicate entries, entry names that are not valid UTF-8,
  file names that are not valid UTF-8 or hold control characters, and the plain bad files
  (empty, truncated, text, password-protected, old binary formats).
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import struct
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from perfdesk.domain.definition import FormKind
from perfdesk.domain.model import Form, Indicator, Project
from perfdesk.domain.values import parse
from perfdesk.store import FileStore, schema

PERFDESK, IMPORT = "perfdesk", "import"


@dataclass
class Case:
    name: str
    family: str
    make: Callable[[Path], Path]  # writes the file into a folder, returns its path
    heavy: bool = False  # run in a child process under a memory ceiling
    words: tuple[str, ...] = ()  # expected in the one-line message
    path: Path | None = None
    extra: dict = field(default_factory=dict)

    def commands(self) -> list[list[str]]:
        assert self.path is not None
        target = str(self.path)
        if self.family == PERFDESK:
            return [["check", target],
                    ["rollforward", target, "--from-year", "2022", "--to-year", "2023", "--kind", "declaration"]]
        into = str(self.path.parent / "导入目标.perfdesk")
        return [["import", target, "--into", into]]


# -- the valid .perfdesk every tampered case starts from ---------------------------------------------
_BASE: dict[str, bytes] = {}


def base_perfdesk() -> bytes:
    """A small valid file: a unit, two projects, a declaration and a self-evaluation."""
    if "file" not in _BASE:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "base.perfdesk"
            store = FileStore.create(path)
            ws = store.workspace
            with ws.step():
                ws.set_unit("上海市某某局", "上海市财政局")
                one = ws.add_project(Project("城市运行保障项目", id="p1"))
                ws.add_project(Project("第二个项目", id="p2"))
                declaration = Form(project_id=one.id, kind=FormKind.DECLARATION, year=2022,
                                   definition_id="sh-target-2020", id="f1",
                                   fields={"project_name": "城市运行保障项目"},
                                   amounts={"total.annual": Decimal("100.00")})
                ws.add_form(declaration)
                evaluation = Form(project_id=one.id, kind=FormKind.SELF_EVALUATION, year=2022,
                                  definition_id="sh-selfeval-2020", id="f2",
                                  fields={"project_name": "城市运行保障项目", "goal_actual": "完成"},
                                  amounts={"total.annual": Decimal("100.00"), "total.executed": Decimal("90")},
                                  budget_score=Decimal("9"))
                ws.add_form(evaluation)
                for form_id in ("f1", "f2"):
                    for n, (l1, l2, l3, target, weight) in enumerate([
                        ("产出指标", "数量指标", "培训人次", "≥100人次", "20"),
                        ("产出指标", "质量指标", "合格率", "≥95%", "30"),
                        ("效益指标", "社会效益指标", "服务保障", "有效保障", "30"),
                        ("满意度指标", "服务对象满意度指标", "满意度", "≥90%", "10"),
                    ]):
                        ws.insert_indicator(form_id, n, Indicator(
                            id=f"{form_id}-i{n + 1}", level1=l1, level2=l2, level3=l3, target=parse(target),
                            actual=parse(target.lstrip("≥")) if form_id == "f2" else parse(""),
                            weight=Decimal(weight) if form_id == "f2" else None))
            store.close()
            _BASE["file"] = path.read_bytes()
    return _BASE["file"]


def _sql(*statements: str, unchecked: bool = False, params: dict | None = None):
    """A maker: the base file with `statements` run on it by a plain SQLite connection
    (foreign keys off, as any outside tool has them; `unchecked`: CHECKs off too)."""

    def make(folder: Path) -> Path:
        path = folder / "单位.perfdesk"
        path.write_bytes(base_perfdesk())
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            if unchecked:
                conn.execute("PRAGMA ignore_check_constraints = ON")
            for statement in statements:
                conn.execute(statement, (params or {}).get(statement, ()))
        finally:
            conn.close()
        return path

    return make


def _loosened(table: str, *statements: str, drop_key: bool = False):
    """A maker for rows our constraints forbid (NULL in a NOT NULL column, a duplicate key):
    the table's stored definition is swapped for one without constraints, the rows written,
    and the original definition put back — what a hostile tool can do with writable_schema.
    `drop_key`: the primary key's index is hidden meanwhile, so it misses the new rows."""

    def make(folder: Path) -> Path:
        path = folder / "单位.perfdesk"
        path.write_bytes(base_perfdesk())
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            original = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            loose = (original.replace("NOT NULL", "").replace("CHECK (id = 1)", "")
                     .replace("CHECK (kind IN ('declaration', 'self-evaluation'))", ""))
            index = None
            if drop_key:
                loose = loose.replace("PRIMARY KEY", "")
                index = conn.execute("SELECT * FROM sqlite_master WHERE name = ?",
                                     (f"sqlite_autoindex_{table}_1",)).fetchone()
                _hide(conn, index[1])
            _swap_sql(conn, table, loose)
            conn.close()
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA foreign_keys = OFF")
            for statement in statements:
                conn.execute(statement)
            _swap_sql(conn, table, original, restore=index)
        finally:
            conn.close()
        return path

    return make


def _hide(conn: sqlite3.Connection, name: str) -> None:
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("DELETE FROM sqlite_master WHERE name = ?", (name,))
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.execute("PRAGMA writable_schema = OFF")


def _swap_sql(conn: sqlite3.Connection, name: str, sql: str, restore: tuple | None = None) -> None:
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = ?", (sql, name))
    if restore is not None:
        conn.execute("INSERT INTO sqlite_master VALUES (?, ?, ?, ?, ?)", restore)
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.execute("PRAGMA writable_schema = OFF")


def _bytes(data: bytes | Callable[[], bytes], name: str = "单位.perfdesk"):
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return make


def _patched(offset: int, data: bytes):
    def make(folder: Path) -> Path:
        raw = bytearray(base_perfdesk())
        raw[offset:offset + len(data)] = data
        path = folder / "单位.perfdesk"
        path.write_bytes(bytes(raw))
        return path

    return make


def _garbage_after_header() -> bytes:
    data = base_perfdesk()
    page = struct.unpack(">H", data[16:18])[0]
    return data[:page] + bytes((i * 37 + 11) % 256 for i in range(len(data) - page))


def _foreign_sqlite() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
        conn.close()
        return path.read_bytes()


def _many_views(folder: Path) -> Path:
    path = _sql()(folder)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    for n in range(20000):
        conn.execute(f"CREATE VIEW v{n} AS SELECT {n} AS x")
    conn.execute("COMMIT")
    conn.close()
    return path


def _virtual_table(folder: Path) -> Path:
    path = _sql()(folder)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("CREATE VIRTUAL TABLE notes USING fts5(text)")
    except sqlite3.OperationalError:  # no FTS5 in this SQLite: an R*Tree or FTS4 table instead
        try:
            conn.execute("CREATE VIRTUAL TABLE notes USING fts4(text)")
        except sqlite3.OperationalError:
            conn.execute("CREATE VIRTUAL TABLE notes USING rtree(id, a, b)")
    conn.close()
    return path


def perfdesk_cases() -> list[Case]:
    cases = [
        # identity and header
        Case("empty", PERFDESK, _bytes(b""), words=("空文件",)),
        Case("text", PERFDESK, _bytes("项目名称,金额\n城市运行,873.41\n".encode("utf-8")), words=("不是",)),
        Case("magic-then-garbage", PERFDESK, _bytes(b"SQLite format 3\x00" + bytes(range(256)) * 64)),
        Case("garbage-after-page-1", PERFDESK, _bytes(_garbage_after_header), words=("损坏",)),
        Case("truncated", PERFDESK, _bytes(lambda: base_perfdesk()[: len(base_perfdesk()) // 2]), words=("损坏",)),
        Case("foreign-sqlite", PERFDESK, _bytes(_foreign_sqlite), words=("不是 PerfDesk",)),
        Case("user-version-0", PERFDESK, _sql("PRAGMA user_version = 0"), words=("版本",)),
        Case("user-version-negative", PERFDESK, _sql("PRAGMA user_version = -1"), words=("版本",)),
        Case("user-version-newer", PERFDESK, _sql(f"PRAGMA user_version = {schema.LATEST + 1}"), words=("更新版本",)),
        Case("user-version-huge", PERFDESK, _sql("PRAGMA user_version = 2147483647"), words=("更新版本",)),
        Case("application-id-other", PERFDESK, _sql("PRAGMA application_id = 7"), words=("不是 PerfDesk",)),
        Case("page-size-field", PERFDESK, _patched(16, b"\x03\x00"), words=("损坏",)),
        Case("wal-mode-with-a-bad-row", PERFDESK, _sql(
            "PRAGMA journal_mode = WAL", "UPDATE indicator SET weight = 'NaN' WHERE id = 'f2-i1'"), words=("NaN",)),
        # the schema: nothing a file carries may run
        Case("view", PERFDESK, _sql("CREATE VIEW overview AS SELECT * FROM project"), words=("视图", "overview")),
        Case("recursive-view", PERFDESK, _sql(
            "CREATE VIEW forever AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n"),
            heavy=True, words=("视图", "forever")),
        Case("view-instead-of-table", PERFDESK, _sql(
            "PRAGMA foreign_keys = OFF", "DROP TABLE form_amount",
            "CREATE VIEW form_amount AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n)"
            " SELECT 'f1' AS form_id, 'k' || x AS key, x AS value FROM n"), heavy=True, words=("form_amount",)),
        Case("trigger-on-edit", PERFDESK, _sql(
            "CREATE TRIGGER wipe AFTER UPDATE ON indicator BEGIN DELETE FROM form; END"), words=("触发器", "wipe")),
        Case("trigger-on-insert", PERFDESK, _sql(
            "CREATE TRIGGER spy BEFORE INSERT ON form BEGIN INSERT INTO meta VALUES ('x', 'y'); END"),
            words=("触发器", "spy")),
        Case("extra-table", PERFDESK, _sql("CREATE TABLE payload (data BLOB)"), words=("payload",)),
        Case("extra-index", PERFDESK, _sql("CREATE INDEX sneaky ON project(name)"), words=("索引", "sneaky")),
        Case("expression-index", PERFDESK, _sql(
            "CREATE INDEX heavy ON project(length(printf('%.*c', 100000000, name)))"), heavy=True, words=("heavy",)),
        Case("extra-column", PERFDESK, _sql("ALTER TABLE project ADD COLUMN secret TEXT"), words=("project",)),
        Case("changed-check", PERFDESK, _changed_check, heavy=True, words=("unit",)),
        Case("missing-index", PERFDESK, _sql("DROP INDEX indicator_form"), words=("indicator_form",)),
        Case("missing-table", PERFDESK, _sql("PRAGMA foreign_keys = OFF", "DROP TABLE form_amount"),
             words=("form_amount",)),
        Case("virtual-table", PERFDESK, _virtual_table, words=("notes",)),
        Case("object-name-with-control-characters", PERFDESK, _sql(
            'CREATE VIEW "evil\nname\x1b[31m" AS SELECT 1'), words=("视图",)),
        Case("twenty-thousand-views", PERFDESK, _many_views, heavy=True, words=("视图",)),
        # rows: numbers
        Case("weight-nan", PERFDESK, _sql("UPDATE indicator SET weight = 'NaN' WHERE id = 'f2-i3'"),
             words=("第 2 张表", "第 3 行指标", "分值", "NaN")),
        Case("weight-infinity", PERFDESK, _sql("UPDATE indicator SET weight = 'Infinity' WHERE id = 'f2-i1'"),
             words=("分值", "Infinity")),
        Case("score-minus-infinity", PERFDESK, _sql("UPDATE indicator SET score = '-Infinity' WHERE id = 'f2-i2'"),
             words=("得分",)),
        Case("weight-snan", PERFDESK, _sql("UPDATE indicator SET weight = 'sNaN' WHERE id = 'f2-i1'"),
             words=("sNaN",)),
        Case("weight-real-infinity", PERFDESK, _sql("UPDATE indicator SET weight = 9e999 WHERE id = 'f2-i1'"),
             words=("分值",)),
        Case("weight-blob", PERFDESK, _sql("UPDATE indicator SET weight = x'0102' WHERE id = 'f2-i1'"),
             words=("分值", "二进制")),
        Case("weight-words", PERFDESK, _sql("UPDATE indicator SET weight = '十分' WHERE id = 'f2-i1'"),
             words=("分值",)),
        Case("weight-huge-exponent", PERFDESK, _sql("UPDATE indicator SET weight = '1E+999999' WHERE id = 'f2-i1'"),
             words=("分值",)),
        Case("weight-tiny-exponent", PERFDESK, _sql("UPDATE indicator SET weight = '0E-999999' WHERE id = 'f2-i1'"),
             words=("分值",)),
        Case("weight-huge-digits", PERFDESK, _sql("UPDATE indicator SET weight = '" + "9" * 5000 + "' WHERE id = 'f2-i1'"),
             words=("分值",)),
        Case("score-computed-nan", PERFDESK, _sql(
            "UPDATE indicator SET score = '5', score_computed = 'NaN' WHERE id = 'f2-i1'"), words=("计算得分",)),
        Case("budget-score-nan", PERFDESK, _sql("UPDATE form SET budget_score = 'NaN' WHERE id = 'f2'"),
             words=("预算执行率得分",)),
        Case("total-infinity", PERFDESK, _sql("UPDATE form SET total = 'Infinity' WHERE id = 'f2'"), words=("总分",)),
        Case("total-blob", PERFDESK, _sql("UPDATE form SET total = x'00' WHERE id = 'f2'"), words=("总分",)),
        Case("amount-snan", PERFDESK, _sql("UPDATE form_amount SET value = 'sNaN'"), words=("金额",)),
        Case("amount-words", PERFDESK, _sql("UPDATE form_amount SET value = 'abc'"), words=("金额",)),
        # rows: text
        Case("project-name-null", PERFDESK, _loosened("project", "UPDATE project SET name = NULL WHERE id = 'p2'"),
             words=("第 2 个项目", "项目名称", "NULL")),
        Case("project-name-blob", PERFDESK, _sql("UPDATE project SET name = x'e4b8ad' WHERE id = 'p1'"),
             words=("项目名称", "二进制")),
        Case("level3-null", PERFDESK, _loosened("indicator", "UPDATE indicator SET level3 = NULL WHERE id = 'f1-i2'"),
             words=("第 1 张表", "第 2 行指标", "三级指标")),
        Case("target-blob", PERFDESK, _sql("UPDATE indicator SET target = x'ff00ff' WHERE id = 'f1-i1'"),
             words=("指标值",)),
        Case("field-value-null", PERFDESK, _loosened("form_field", "UPDATE form_field SET value = NULL"),
             words=("栏目内容",)),
        Case("unit-name-null", PERFDESK, _loosened("unit", "UPDATE unit SET name = NULL"), words=("单位",)),
        Case("kind-null", PERFDESK, _loosened("form", "UPDATE form SET kind = NULL WHERE id = 'f1'"),
             words=("表类型",)),
        Case("definition-null", PERFDESK, _loosened("form", "UPDATE form SET definition = NULL WHERE id = 'f1'"),
             words=("表单定义",)),
        Case("amount-key-null", PERFDESK, _loosened("form_amount", "UPDATE form_amount SET key = NULL"),
             words=("金额栏目名",)),
        Case("meta-value-blob", PERFDESK, _sql("UPDATE meta SET value = x'00'"), words=("meta",)),
        Case("text-not-utf8", PERFDESK, _sql("UPDATE indicator SET level1 = CAST(x'ffe4b8' AS TEXT) WHERE id = 'f1-i1'"),
             words=("UTF-8",)),
        Case("value-over-sqlite-ceiling", PERFDESK, _sql(
            "UPDATE form_field SET value = printf('%.*c', 9000000, 'x') WHERE key = 'goal_actual'"),
            heavy=True, words=("过大",)),
        Case("provenance-nested-json", PERFDESK, _sql(
            "UPDATE indicator SET provenance = '{\"a\":' || printf('%.*c', 200000, '[') WHERE id = 'f1-i1'"),
            words=("结转来源",)),
        Case("id-blob", PERFDESK, _sql("PRAGMA foreign_keys = OFF", "UPDATE project SET id = x'01' WHERE id = 'p2'"),
             words=("编号",)),
        # rows: integers, words, references
        Case("year-text", PERFDESK, _sql("UPDATE form SET year = '二〇二二' WHERE id = 'f2'"), words=("年度",)),
        Case("year-fullwidth-digits", PERFDESK, _sql("UPDATE form SET year = '２０２２' WHERE id = 'f2'"), words=("年度",)),
        Case("year-real", PERFDESK, _sql("UPDATE form SET year = 2022.5 WHERE id = 'f2'"), words=("年度",)),
        Case("year-out-of-range", PERFDESK, _sql("UPDATE form SET year = 99999 WHERE id = 'f2'"), words=("年度",)),
        Case("year-negative", PERFDESK, _sql("UPDATE form SET year = -2022 WHERE id = 'f2'"), words=("年度",)),
        Case("year-null", PERFDESK, _loosened("form", "UPDATE form SET year = NULL WHERE id = 'f2'"), words=("年度",)),
        Case("position-text", PERFDESK, _sql("UPDATE indicator SET position = 'first' WHERE id = 'f1-i1'"),
             words=("顺序",)),
        Case("adjusted-seven", PERFDESK, _sql("UPDATE indicator SET adjusted = 7 WHERE id = 'f2-i1'"),
             words=("调整标记",)),
        Case("adjusted-words", PERFDESK, _sql("UPDATE indicator SET adjusted = 'yes' WHERE id = 'f2-i1'"),
             words=("调整标记",)),
        Case("unknown-kind", PERFDESK, _sql("UPDATE form SET kind = 'audit' WHERE id = 'f1'", unchecked=True),
             words=("表类型", "audit")),
        Case("unknown-definition", PERFDESK, _sql("UPDATE form SET definition = 'xx-future-2031' WHERE id = 'f2'"),
             words=("表单定义", "xx-future-2031")),
        Case("unit-id-two", PERFDESK, _sql("UPDATE unit SET id = 2", unchecked=True), words=("单位",)),
        Case("two-units", PERFDESK, _sql("INSERT INTO unit(id, name, department) VALUES (2, 'x', 'y')",
                                         unchecked=True), words=("单位",)),
        Case("indicator-of-missing-form", PERFDESK, _sql(
            "PRAGMA foreign_keys = OFF", "UPDATE indicator SET form_id = 'gone' WHERE id = 'f2-i4'"),
            words=("指标", "不存在")),
        Case("form-of-missing-project", PERFDESK, _sql(
            "PRAGMA foreign_keys = OFF", "UPDATE form SET project_id = 'gone' WHERE id = 'f2'"),
            words=("第 2 张表", "项目", "不存在")),
        Case("field-of-missing-form", PERFDESK, _sql(
            "PRAGMA foreign_keys = OFF", "INSERT INTO form_field VALUES ('gone', 'leader', '张三')"),
            words=("栏目", "不存在")),
        Case("amount-of-missing-form", PERFDESK, _sql(
            "PRAGMA foreign_keys = OFF", "INSERT INTO form_amount VALUES ('gone', 'total.annual', '1')"),
            words=("金额", "不存在")),
        Case("file-name-not-utf8-with-a-bad-row", PERFDESK, _odd_name, words=("NaN", ".perfdesk")),
        Case("duplicate-project-id", PERFDESK, _loosened(
            "project", "INSERT INTO project(id, name, position) VALUES ('p1', '冒名项目', 9)", drop_key=True),
            words=("重复",)),
    ]
    return cases


def _odd_name(folder: Path) -> Path:
    """A bad row in a file whose name is not valid UTF-8 and holds a line break."""
    raw = os.path.join(os.fsencode(folder), b"\xff\xfe\n.perfdesk")
    with open(raw, "wb") as handle:
        handle.write(base_perfdesk())
    conn = sqlite3.connect(raw, isolation_level=None)
    conn.execute("UPDATE indicator SET weight = 'NaN' WHERE id = 'f1-i1'")
    conn.close()
    return Path(os.fsdecode(raw))


def _changed_check(folder: Path) -> Path:
    path = _sql()(folder)
    conn = sqlite3.connect(path, isolation_level=None)
    original = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'unit'").fetchone()[0]
    _swap_sql(conn, "unit", original.replace(
        "CHECK (id = 1)", "CHECK (id = 1 AND length(printf('%.*c', 300000000, 'x')) > 0)"))
    conn.close()
    return path


# -- imports --------------------------------------------------------------------------------------------
_OFFICE: dict[str, bytes] = {}


def base_xlsx() -> bytes:
    if "xlsx" not in _OFFICE:
        import openpyxl

        book = openpyxl.Workbook()
        book.active["A1"] = "项目名称"
        buffer = io.BytesIO()
        book.save(buffer)
        _OFFICE["xlsx"] = buffer.getvalue()
    return _OFFICE["xlsx"]


def base_docx() -> bytes:
    if "docx" not in _OFFICE:
        import docx

        buffer = io.BytesIO()
        docx.Document().save(buffer)
        _OFFICE["docx"] = buffer.getvalue()
    return _OFFICE["docx"]


SHEET = "xl/worksheets/sheet1.xml"
DOCUMENT = "word/document.xml"
XLSX_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _replaced(base: bytes, parts: dict[str, bytes | str], compression=zipfile.ZIP_DEFLATED,
              extra: list[tuple[str, bytes]] = ()) -> bytes:
    """`base` with some parts replaced (or added), written anew."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", compression) as target:
        names = source.namelist()
        for name in names:
            data = parts.get(name, source.read(name))
            target.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, data in parts.items():
            if name not in names:
                target.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
        for name, data in extra:
            target.writestr(name, data)
    return out.getvalue()


def _sheet(body: str, after: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {XLSX_NS}>'
            f"<sheetData>{body}</sheetData>{after}</worksheet>")


def _merges(*refs: str) -> str:
    return f'<mergeCells count="{len(refs)}">' + "".join(f'<mergeCell ref="{r}"/>' for r in refs) + "</mergeCells>"


def _document(body: str, doctype: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<w:document {W_NS}><w:body>'
            f"{body}<w:sectPr/></w:body></w:document>")


def _table(rows: str, columns: int = 1) -> str:
    return "<w:tbl><w:tblGrid>" + "<w:gridCol/>" * columns + f"</w:tblGrid>{rows}</w:tbl>"


def _cell(text: str = "", props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _xlsx(parts: dict[str, str | bytes], **kw):
    return lambda: _replaced(base_xlsx(), parts, **kw)


def _docx(parts: dict[str, str | bytes], **kw):
    return lambda: _replaced(base_docx(), parts, **kw)


def _import_file(data: Callable[[], bytes] | bytes, name: str = "表格.xlsx"):
    def make(folder: Path) -> Path:
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), os.fsencode(name) if isinstance(name, str) else name)))
        path.write_bytes(data() if callable(data) else data)
        return path

    return make


def _central_directory_patch(data: bytes, offset_in_header: int, value: bytes, local_offset: int | None = None) -> bytes:
    """Patch one field of every central-directory header (and of the local headers)."""
    raw = bytearray(data)
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        raw[at + offset_in_header:at + offset_in_header + len(value)] = value
        at = raw.find(b"PK\x01\x02", at + 4)
    if local_offset is not None:
        at = raw.find(b"PK\x03\x04")
        while at != -1:
            raw[at + local_offset:at + local_offset + len(value)] = value
            at = raw.find(b"PK\x03\x04", at + 4)
    return bytes(raw)


def _version_85() -> bytes:
    # "version needed to extract": offset 6 in the central header, 4 in the local header.
    return _central_directory_patch(base_xlsx(), 6, struct.pack("<H", 85), 4)


def _method(code: int) -> bytes:
    # "compression method": offset 10 in the central header, 8 in the local header.
    return _central_directory_patch(base_xlsx(), 10, struct.pack("<H", code), 8)


def _utf8_flag_with_bad_name() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base_xlsx())) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
        target.writestr("xl/media/zzzz.png", b"\x89PNG")
    raw = bytearray(out.getvalue())
    name = b"xl/media/zzzz.png"
    for signature, flag_at in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        at = raw.find(signature)
        while at != -1:
            end = at + (46 if signature == b"PK\x01\x02" else 30)
            if raw[end:end + len(name)] == name:
                raw[end + 9:end + 13] = b"\xff\xfe\xfd\xfc"  # not UTF-8
                flags = struct.unpack("<H", raw[at + flag_at:at + flag_at + 2])[0] | 0x800
                raw[at + flag_at:at + flag_at + 2] = struct.pack("<H", flags)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def _many_cells() -> bytes:
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>{r}</v></c>' for col in "ABCDEFGHIJ")
                   + "</row>" for r in range(1, 30001))
    return _replaced(base_xlsx(), {SHEET: _sheet(rows)})


def _many_merges() -> bytes:
    refs = [f"A{r}:B{r}" for r in range(1, 60001)]
    return _replaced(base_xlsx(), {SHEET: _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>',
                                                 _merges(*refs))})


def _many_shared_strings() -> bytes:
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(400000))
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {XLSX_NS} count="400000" uniqueCount="400000">'
           f"{strings}</sst>")
    return _replaced(base_xlsx(), {"xl/sharedStrings.xml": sst})


def _long_string() -> bytes:
    text = "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(3_000_000))
    return _replaced(base_xlsx(), {SHEET: _sheet(f'<row r="1"><c r="A1" t="inlineStr"><is><t>{text}</t></is></c></row>')})


def _deep_nesting() -> bytes:
    depth = 100000
    return _replaced(base_xlsx(), {SHEET: _sheet('<row r="1"><c r="A1" t="inlineStr"><is>' + "<r>" * depth
                                                 + "</r>" * depth + "</is></c></row>")})


def _billion_laughs() -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{n} "' + f"&a{n - 1};" * 10 + '">' for n in range(1, 10))
    doctype = f"<!DOCTYPE w:document [{entities}]>"
    return _replaced(base_docx(), {DOCUMENT: _document("<w:p><w:r><w:t>&a9;</w:t></w:r></w:p>", doctype)})


def _external_entity() -> bytes:
    doctype = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<worksheet {XLSX_NS}><sheetData><row r="1">'
             f'<c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData></worksheet>')
    return _replaced(base_xlsx(), {SHEET: sheet})


def _utf16_doctype() -> bytes:
    sheet = (f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE worksheet [<!ENTITY a "x">]>'
             f'<worksheet {XLSX_NS}><sheetData/></worksheet>').encode("utf-16")
    return _replaced(base_xlsx(), {SHEET: sheet})


def _bomb() -> bytes:
    return _replaced(base_xlsx(), {"xl/media/image1.png": b"\x00" * (30 * 1024 * 1024)})


def _bzip2_bomb() -> bytes:
    return _replaced(base_xlsx(), {"xl/media/image1.bin": b"\x00" * (8 * 1024 * 1024)},
                     compression=zipfile.ZIP_BZIP2)


def _many_entries() -> bytes:
    return _replaced(base_xlsx(), {}, extra=[(f"xl/media/p{n}.bin", b"x") for n in range(5000)])


def _duplicate_entry() -> bytes:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _replaced(base_xlsx(), {}, extra=[(SHEET, _sheet("").encode())])


def _grid_span(value: int) -> bytes:
    rows = "<w:tr>" + _cell("项目名称", f'<w:gridSpan w:val="{value}"/>') + "</w:tr>"
    return _replaced(base_docx(), {DOCUMENT: _document(_table(rows * 200))})


def _grid_before() -> bytes:
    rows = f'<w:tr><w:trPr><w:gridBefore w:val="1000000000"/></w:trPr>{_cell("x")}</w:tr>'
    return _replaced(base_docx(), {DOCUMENT: _document(_table(rows))})


def _varied(n: int) -> str:
    """Text that does not compress away (so the zip ratio check does not stop it first)."""
    return "".join(chr(0x4E00 + (k * 7919 + n * 104729) % 20000) for k in range(6))


def _vmerge_rows() -> bytes:
    first = "<w:tr>" + _cell("一级", '<w:vMerge w:val="restart"/>') + _cell("a") + "</w:tr>"
    rest = "".join("<w:tr>" + _cell("", "<w:vMerge/>") + _cell(_varied(n)) + "</w:tr>" for n in range(60000))
    return _replaced(base_docx(), {DOCUMENT: _document(_table(first + rest, 2))})


def _many_tables() -> bytes:
    return _replaced(base_docx(), {DOCUMENT: _document(
        "".join(_table("<w:tr>" + _cell(_varied(n)) + "</w:tr>") for n in range(20000)))})


def _long_run() -> bytes:
    text = "".join(chr(0x4E00 + (n * 7919) % 20000) for n in range(3_000_000))
    return _replaced(base_docx(), {DOCUMENT: _document(f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")})


def _nested_tables() -> bytes:
    inner = "<w:p/>"
    for _ in range(400):
        inner = "<w:tbl><w:tblGrid><w:gridCol/></w:tblGrid><w:tr><w:tc>" + inner + "<w:p/></w:tc></w:tr></w:tbl>"
    return _replaced(base_docx(), {DOCUMENT: _document(inner)})


def import_cases() -> list[Case]:
    xlsx_cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c></row>'
    return [
        Case("merge-whole-sheet", IMPORT, _import_file(_xlsx({SHEET: _sheet(xlsx_cell, _merges("A1:XFD1048576"))})),
             heavy=True, words=("合并",)),
        Case("merge-huge-area", IMPORT, _import_file(_xlsx({SHEET: _sheet(xlsx_cell, _merges("A30:Z200000"))})),
             heavy=True, words=("合并",)),
        Case("merge-reversed-huge", IMPORT, _import_file(_xlsx({SHEET: _sheet(xlsx_cell, _merges("XFD1048576:A1"))})),
             heavy=True, words=("合并",)),
        Case("merge-nonsense-ref", IMPORT, _import_file(_xlsx({SHEET: _sheet(xlsx_cell, _merges("A1:ZZZZZZ99999999999"))})),
             heavy=True),
        Case("many-merges", IMPORT, _import_file(_many_merges), heavy=True, words=("合并",)),
        Case("too-many-cells", IMPORT, _import_file(_many_cells), heavy=True, words=("单元格",)),
        Case("cell-at-row-two-billion", IMPORT, _import_file(_xlsx({SHEET: _sheet(
            '<row r="2000000000"><c r="A2000000000"><v>1</v></c></row>')})), heavy=True),
        Case("many-shared-strings", IMPORT, _import_file(_many_shared_strings), heavy=True),
        Case("string-three-million-characters", IMPORT, _import_file(_long_string), heavy=True, words=("文字",)),
        Case("deep-nesting-xlsx", IMPORT, _import_file(_deep_nesting), heavy=True, words=("嵌套",)),
        Case("external-entity", IMPORT, _import_file(_external_entity), words=("DTD",)),
        Case("utf16-doctype", IMPORT, _import_file(_utf16_doctype), words=("DTD",)),
        Case("billion-laughs-docx", IMPORT, _import_file(_billion_laughs, "表格.docx"), heavy=True, words=("DTD",)),
        Case("gridspan-billion", IMPORT, _import_file(lambda: _grid_span(10 ** 9), "表格.docx"), heavy=True,
             words=("跨列",)),
        Case("gridspan-negative", IMPORT, _import_file(lambda: _grid_span(-5), "表格.docx")),
        Case("gridbefore-billion", IMPORT, _import_file(_grid_before, "表格.docx"), heavy=True, words=("跨列",)),
        Case("vmerge-sixty-thousand-rows", IMPORT, _import_file(_vmerge_rows, "表格.docx"), heavy=True, words=("行",)),
        Case("twenty-thousand-tables", IMPORT, _import_file(_many_tables, "表格.docx"), heavy=True, words=("表格",)),
        Case("run-three-million-characters", IMPORT, _import_file(_long_run, "表格.docx"), heavy=True, words=("文字",)),
        Case("nested-tables", IMPORT, _import_file(_nested_tables, "表格.docx"), heavy=True, words=("嵌套",)),
        Case("zip-version-8.5", IMPORT, _import_file(_version_85), words=("版本",)),
        Case("zip-method-aes", IMPORT, _import_file(lambda: _method(99)), words=("压缩方式",)),
        Case("zip-method-bzip2-bomb", IMPORT, _import_file(_bzip2_bomb), heavy=True),
        Case("zip-bomb", IMPORT, _import_file(_bomb), heavy=True, words=("压缩炸弹",)),
        Case("zip-many-entries", IMPORT, _import_file(_many_entries), words=("部件",)),
        Case("zip-duplicate-entry", IMPORT, _import_file(_duplicate_entry), words=("重复",)),
        Case("zip-entry-name-not-utf8", IMPORT, _import_file(_utf8_flag_with_bad_name)),
        Case("file-name-not-utf8", IMPORT, _import_file(lambda: base_xlsx()[:300], b"\xff\xfe\xb1\xed.xlsx")),
        Case("file-name-control-characters", IMPORT, _import_file(lambda: b"garbage", "表\n格\x1b[31m.xlsx")),
        Case("import-empty", IMPORT, _import_file(b""), words=("空文件",)),
        Case("import-truncated", IMPORT, _import_file(lambda: base_xlsx()[: len(base_xlsx()) // 2]), words=("损坏",)),
        Case("import-text", IMPORT, _import_file("这不是表格".encode("utf-8"), "说明.docx")),
        Case("import-encrypted", IMPORT, _import_file(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 100),
            words=("密码",)),
        Case("import-old-xls", IMPORT, _import_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧.xls"),
             words=("旧版",)),
    ]


def all_cases() -> list[Case]:
    return perfdesk_cases() + import_cases()


def build(folder: Path, names: set[str] | None = None) -> list[Case]:
    """Every case (or those named) in its own sub-folder of `folder`."""
    cases = [c for c in all_cases() if names is None or c.name in names]
    for case in cases:
        where = folder / case.name
        if where.exists():
            shutil.rmtree(where)
        where.mkdir(parents=True)
        case.path = case.make(where)
    return cases


def snapshot(folder: Path) -> dict[bytes, bytes]:
    """Every entry of a folder (hidden ones too) with its bytes; names as bytes."""
    out = {}
    for entry in os.scandir(os.fsencode(folder)):
        out[entry.name] = open(entry.path, "rb").read() if entry.is_file(follow_symlinks=False) else b"<dir>"
    return out

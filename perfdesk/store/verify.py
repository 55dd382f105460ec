"""Store layer: checking a .perfdesk file before anything is built from it or written to it.

A file arrives by mail or on a USB stick; it may have been edited by another program, damaged,
or made to hurt. Two checks run on a read-only connection before the document is built:

* `check_schema(conn, version)`: the file holds exactly the tables and indexes PerfDesk's own
  upgrade steps create for that version (`schema.STEPS`, replayed into an empty in-memory
  database), with the same definitions. Anything else — a view, a trigger, another table or
  index, one of our tables with other columns, CHECKs or generated columns — is refused and
  named. SQL a file carries therefore never runs: a view is never queried, a trigger never
  fires, a changed column definition is never evaluated.
* `verify(conn, registry_ids)`: every row has the types, ranges and references the loader
  and the rules rely on — text where text is required (never NULL or binary), decimal numbers
  that are finite and of sane size, integer years in a sane range, known form kinds and
  definitions, no row pointing at a missing form or project, no duplicate ids. The first
  problem found is named in a `DamagedFile` message
  (“第 3 张表（项目“…”，2022 年）的第 5 行指标：分值“NaN”不是有效数字。文件未作任何改动。”).

Most of the work is done by SQLite in a few table scans; Python only looks at the rare values
SQL cannot judge (numbers in exponent notation, long JSON), so a file of 10,000 forms is
checked in a fraction of a second.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from . import schema, schema_snapshot
from .file import DamagedFile


def _damaged(message: str) -> DamagedFile:
    return DamagedFile(message)


UNCHANGED = "文件未作任何改动。"

YEAR_MIN, YEAR_MAX = 1900, 2200
MAX_NUMBER_TEXT = 60  # characters of a stored number
MAX_ADJUSTED = 20  # |number| < 10**20: far above any amount in 元
MIN_EXPONENT = -20  # at most 20 decimals
MAX_JSON = 1000  # provenance JSON longer than this is parsed to check it

# -- the schema ----------------------------------------------------------------------------------
_KIND_WORDS = {"table": "表", "index": "索引", "view": "视图", "trigger": "触发器"}
# Tables SQLite itself adds when a tool runs ANALYZE or `PRAGMA optimize`: data only.
_SQLITE_EXTRAS = {
    ("table", "sqlite_stat1"): ("sqlite_stat1", "CREATE TABLE sqlite_stat1(tbl,idx,stat)"),
    ("table", "sqlite_stat4"): ("sqlite_stat4", "CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample)"),
}
# SQLite reads the whole schema before the first statement; a hostile file can make that
# schema huge. Ours needs a few hundred virtual-machine steps to read.
SCHEMA_STEPS_BUDGET = 2_000_000


def _normal(sql: str | None) -> str | None:
    return None if sql is None else " ".join(sql.split())


@lru_cache(maxsize=None)
def expected_schema(version: int) -> dict[tuple[str, str], tuple[str, str | None]]:
    """{(type, name): (tbl_name, normalised sql)} of a file of `version`, as PerfDesk's own
    steps create it: replayed into an empty in-memory database and read back."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for step in range(1, version + 1):
            for statement in schema.STEPS[step]:
                conn.execute(statement)
        return {(kind, name): (table, _normal(sql)) for kind, name, table, sql in
                conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")}
    finally:
        conn.close()


def check_schema(conn: sqlite3.Connection, version: int) -> None:
    """Refuse (DamagedFile) a file whose schema holds anything PerfDesk did not create.

    A file of the latest version is first compared with `schema_snapshot.EXPECTED` (what the
    replay gave when the snapshot was made), which spares a start the replay; only when that
    differs is the replay the judge, so a snapshot that does not fit this SQLite (or is stale)
    can cost time but never refuse a good file."""
    if version not in schema.STEPS:
        raise _damaged(f"文件格式版本（{version}）无效。{UNCHANGED}")
    steps = 0

    def budget() -> int:
        nonlocal steps
        steps += 1
        return 1 if steps * 1000 > SCHEMA_STEPS_BUDGET else 0

    conn.set_progress_handler(budget, 1000)
    try:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    except sqlite3.OperationalError as exc:
        if steps * 1000 > SCHEMA_STEPS_BUDGET or "interrupt" in str(exc).lower():
            raise _damaged(f"文件的结构定义异常庞大，不是 PerfDesk 创建的。为安全起见不打开此文件。{UNCHANGED}") from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)
    if (version == schema.LATEST == schema_snapshot.VERSION
            and _schema_difference(rows, schema_snapshot.EXPECTED) is None):
        return
    problem = _schema_difference(rows, expected_schema(version))
    if problem is not None:
        raise _damaged(problem)


def _schema_difference(rows, expected: dict) -> str | None:
    """The first way `rows` (of sqlite_master) differ from `expected`, in Chinese; None if not."""
    expected = dict(expected)
    for kind, name, table, sql in rows:
        key = (kind, name)
        want = expected.pop(key, None) or _SQLITE_EXTRAS.get(key)
        word = _KIND_WORDS.get(kind, "对象") if isinstance(kind, str) else "对象"
        shown = _shown_text(name)
        if want is None:
            if kind in ("view", "trigger"):
                why = "打开或修改文件时会执行其中的指令"
            else:
                why = "PerfDesk 不会创建它，它可能来自其他程序或被人改动"
            return (f"文件中含有 PerfDesk 不会创建的{word}“{shown}”（{why}）。"
                    f"为安全起见，PerfDesk 不打开此文件。{UNCHANGED}")
        if (table, _normal(sql) if isinstance(sql, str) or sql is None else sql) != want:
            return (f"文件中{word}“{shown}”的定义与 PerfDesk 创建的不同（可能被其他程序改动过）。"
                    f"为安全起见，PerfDesk 不打开此文件。{UNCHANGED}")
    if expected:
        kind, name = sorted(expected)[0]
        return f"文件缺少{_KIND_WORDS.get(kind, '对象')}“{name}”，已损坏。{UNCHANGED}"
    return None


# -- the rows ------------------------------------------------------------------------------------
TEXT = "text"  # text, never NULL
TEXT_OR_NULL = "text?"
INTEGER = "int"  # an integer (year, the unit's id)
ORDER = "order"  # a number only used to order rows (position): anything but text, blob, NULL
NUMBER = "number"  # NULL, or decimal text (str(Decimal)) that is finite and of sane size
FLAG = "flag"  # 0 or 1
BLOB = "blob"  # binary content (a snapshot's compressed JSON), never NULL

# (column, kind, what people call it) per table, at the latest version; a file of an older
# version lacks the later columns, which are then skipped. Every column PerfDesk reads is
# here. Not here: the parsed parts stored beside an indicator's values (target_sign,
# target_number, …) — written for outside tools, never trusted: PerfDesk re-parses the text.
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "meta": [("key", TEXT, "键"), ("value", TEXT, "值")],
    "unit": [("id", INTEGER, "编号"), ("name", TEXT, "单位名称"), ("department", TEXT, "主管部门")],
    "project": [("id", TEXT, "编号"), ("name", TEXT, "项目名称"), ("position", ORDER, "顺序")],
    "form": [
        ("id", TEXT, "编号"), ("project_id", TEXT, "所属项目"), ("kind", TEXT, "表类型"), ("year", INTEGER, "年度"),
        ("definition", TEXT, "表单定义"), ("budget_score", NUMBER, "预算执行率得分"), ("total", NUMBER, "总分"),
        ("position", ORDER, "顺序"), ("budget_reason", TEXT_OR_NULL, "预算执行率得分的评定理由"),
        ("budget_at", TEXT_OR_NULL, "预算执行率得分的评定时间"),
        ("budget_computed", NUMBER, "评定时的预算执行率计算得分"),
        ("total_reason", TEXT_OR_NULL, "总分的评定理由"), ("total_at", TEXT_OR_NULL, "总分的评定时间"),
        ("total_computed", NUMBER, "评定时的计算总分"), ("changed", TEXT_OR_NULL, "最后修改时间"),
    ],
    "form_field": [("form_id", TEXT, "所属的表"), ("key", TEXT, "栏目名"), ("value", TEXT, "栏目内容")],
    "form_amount": [("form_id", TEXT, "所属的表"), ("key", TEXT, "金额栏目名"), ("value", NUMBER, "金额")],
    "indicator": [
        ("id", TEXT, "编号"), ("form_id", TEXT, "所属的表"), ("position", ORDER, "顺序"),
        ("level1", TEXT, "一级指标"), ("level2", TEXT, "二级指标"), ("level3", TEXT, "三级指标"),
        ("target", TEXT, "指标值"), ("actual", TEXT, "实际完成值"),
        ("weight", NUMBER, "分值"), ("score", NUMBER, "得分"), ("grade", TEXT_OR_NULL, "评定档次"),
        ("reason", TEXT, "偏差原因分析及改进措施"), ("adjusted", FLAG, "调整标记"),
        ("provenance", TEXT, "结转来源"), ("score_reason", TEXT_OR_NULL, "得分的评定理由"),
        ("score_at", TEXT_OR_NULL, "得分的评定时间"), ("score_computed", NUMBER, "评定时的计算得分"),
        ("extra", TEXT, "附加栏目"),
    ],
    # Version 5: a form's own table sections (年度主要任务).
    "form_row": [
        ("id", TEXT, "编号"), ("form_id", TEXT, "所属的表"), ("section", TEXT, "所属栏目"),
        ("position", ORDER, "顺序"), ("cells", TEXT, "内容"),
    ],
    # Version 4: 定稿.
    "snapshot": [
        ("id", TEXT, "编号"), ("name", TEXT, "名称"), ("at", TEXT, "定稿时间"), ("note", TEXT, "说明"),
        ("year", INTEGER, "年度"), ("scope", TEXT, "范围"), ("forms", TEXT, "所含的表"),
        ("content", BLOB, "内容"), ("position", ORDER, "顺序"),
    ],
    "final_mark": [("form_id", TEXT, "已定稿的表"), ("snapshot_id", TEXT, "所属快照"), ("at", TEXT, "定稿时间")],
    "final_log": [
        ("id", TEXT, "编号"), ("form_id", TEXT, "所属的表"), ("what", TEXT, "事件"), ("at", TEXT, "时间"),
        ("snapshot_id", TEXT_OR_NULL, "所属快照"), ("reason", TEXT, "原因"), ("position", ORDER, "顺序"),
    ],
}
# The order problems are looked for: the unit, projects, forms, then what belongs to forms.
TABLE_ORDER = ("meta", "unit", "project", "form", "form_field", "form_amount", "indicator", "form_row",
               "snapshot", "final_mark", "final_log")
FORM_KINDS = ("declaration", "self-evaluation")
MAX_PLAIN_NUMBER = 24  # characters of a plain decimal SQL lets pass without Python looking


def _violation(column: str, kind: str) -> str:
    """SQL that is true when `column` may break its kind's rule; Python then looks closer.

    Cheap on purpose (a file of 10,000 forms has some 170,000 indicator rows): comparisons
    instead of typeof() calls. In SQLite's order NULL < numbers < text < blobs, so a value is
    text exactly when `x >= '' AND x < x''`."""
    c = f'"{column}"'
    if kind == TEXT:
        # Not `x IS NULL`: SQLite's planner trusts the NOT NULL in our schema and drops it.
        if not _comparisons_see_null():
            return f"typeof({c}) != 'text'"
        return f"coalesce({c}, x'') >= x'' OR {c} < ''"
    if kind == TEXT_OR_NULL:
        return f"{c} < '' OR {c} >= x''"
    if kind == INTEGER:
        return f"typeof({c}) != 'integer'"
    if kind == ORDER:
        if not _comparisons_see_null():
            return f"typeof({c}) NOT IN ('integer', 'real')"
        return f"coalesce({c}, '') >= ''"
    if kind == FLAG:
        return f"coalesce({c} NOT IN (0, 1), 1)"
    if kind == BLOB:
        return f"typeof({c}) != 'blob'"
    if kind == NUMBER:
        # Plain decimals (digits and a point) of sane length pass here; anything else — a
        # sign, exponent notation, words, NaN, a blob — goes to Python.
        return (f"{c} IS NOT NULL AND ({c} >= x'' OR {c} GLOB '*[^0-9.]*'"
                f" OR length({c}) > {MAX_PLAIN_NUMBER})")
    raise ValueError(kind)  # pragma: no cover


@lru_cache(maxsize=1)
def _comparisons_see_null() -> bool:
    """Whether `coalesce(x, x'') >= x''` still finds a NULL that a NOT NULL column holds
    against its declaration (a tampered file). Should a later SQLite optimise that away too,
    the checks fall back to typeof(), slower but sure."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("CREATE TABLE t (a TEXT, b INTEGER)")
        conn.execute("INSERT INTO t VALUES (NULL, NULL)")
        version = conn.execute("PRAGMA schema_version").fetchone()[0]
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE t (a TEXT NOT NULL, b INTEGER NOT NULL)'")
        conn.execute(f"PRAGMA schema_version = {version + 1}")
        conn.execute("PRAGMA writable_schema = OFF")
        found = conn.execute("SELECT count(*) FROM t WHERE coalesce(a, x'') >= x'' AND coalesce(b, '') >= ''")
        return found.fetchone()[0] == 1
    except sqlite3.Error:  # pragma: no cover
        return False
    finally:
        conn.close()


def number_problem(value) -> str:
    """Why a stored number is unusable, or "" when it is fine."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        return "不是文字形式的数字"
    if len(value) > MAX_NUMBER_TEXT:
        return "不是有效数字"
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return "不是有效数字"
    if not number.is_finite():
        return "不是有效数字"
    if number and number.adjusted() >= MAX_ADJUSTED:
        return "超出了可用的数值范围"
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < MIN_EXPONENT:
        return "的小数位数过多"
    return ""


class _Rows:
    """Names rows the way people see them: 第 N 张表（项目“…”，2022 年）的第 M 行指标."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def _text(self, sql: str, params=()) -> str | None:
        """A value as shown in a message (safe for binary or undecodable text), or None."""
        row = self.conn.execute(sql, params).fetchone()
        if row is None or row[0] is None:
            return None
        kind, raw = row
        if kind != "text":
            return None
        return _shown_text(bytes.fromhex(raw).decode("utf-8", "replace"))

    def form(self, rowid: int) -> str:
        ids = [r[0] for r in self.conn.execute("SELECT rowid FROM form ORDER BY position, rowid")]
        number = ids.index(rowid) + 1 if rowid in ids else None
        project = self._text("SELECT typeof(p.name), hex(substr(CAST(p.name AS BLOB), 1, 120)) FROM form f"
                             " JOIN project p ON p.id = f.project_id WHERE f.rowid = ?", (rowid,))
        year = self.conn.execute("SELECT CASE WHEN typeof(year) = 'integer' THEN year END FROM form"
                                 " WHERE rowid = ?", (rowid,)).fetchone()
        parts = []
        if project is not None:
            parts.append(f"项目“{project}”")
        if year and year[0] is not None and YEAR_MIN <= year[0] <= YEAR_MAX:
            parts.append(f"{year[0]} 年")
        where = f"第 {number} 张表" if number else "一张表"
        return where + (f"（{'，'.join(parts)}）" if parts else "")

    def form_of(self, table: str, rowid: int) -> tuple[int | None, str]:
        found = self.conn.execute(f"SELECT f.rowid FROM {table} t JOIN form f ON f.id = t.form_id"
                                  f" WHERE t.rowid = ?", (rowid,)).fetchone()
        if found is None:
            return None, ""
        return found[0], self.form(found[0])

    def indicator(self, rowid: int) -> str:
        form_rowid, form = self.form_of("indicator", rowid)
        if form_rowid is None:
            name = self._text("SELECT typeof(level3), hex(substr(CAST(level3 AS BLOB), 1, 120))"
                              " FROM indicator WHERE rowid = ?", (rowid,))
            return f"指标“{name}”" if name else "一行指标"
        ids = [r[0] for r in self.conn.execute(
            "SELECT rowid FROM indicator WHERE form_id = (SELECT form_id FROM indicator WHERE rowid = ?)"
            " ORDER BY position, rowid", (rowid,))]
        return f"{form}的第 {ids.index(rowid) + 1} 行指标" if rowid in ids else f"{form}的一行指标"

    def project(self, rowid: int) -> str:
        ids = [r[0] for r in self.conn.execute("SELECT rowid FROM project ORDER BY position, rowid")]
        return f"第 {ids.index(rowid) + 1} 个项目" if rowid in ids else "一个项目"

    def row(self, table: str, rowid: int) -> str:
        if table == "snapshot":
            ids = [r[0] for r in self.conn.execute("SELECT rowid FROM snapshot ORDER BY position, rowid")]
            return f"第 {ids.index(rowid) + 1} 个定稿快照" if rowid in ids else "一个定稿快照"
        if table == "final_log":
            return "一条定稿记录"
        if table == "final_mark":
            _, form = self.form_of(table, rowid)
            return f"{form}的定稿标记" if form else "一个定稿标记"
        if table == "unit":
            return "单位信息"
        if table == "meta":
            return "文件信息（meta 表）"
        if table == "project":
            return self.project(rowid)
        if table == "form":
            return self.form(rowid)
        if table == "indicator":
            return self.indicator(rowid)
        if table == "form_row":
            _, form = self.form_of(table, rowid)
            return f"{form}的一行表格" if form else "一行表格"
        _, form = self.form_of(table, rowid)
        what = "一项金额" if table == "form_amount" else "一个栏目"
        if not form:
            return what
        key = self._text(f"SELECT typeof(key), hex(substr(CAST(key AS BLOB), 1, 120)) FROM {table}"
                         f" WHERE rowid = ?", (rowid,))
        return f"{form}的{'金额' if table == 'form_amount' else '栏目'}“{key}”" if key else f"{form}的{what}"

    def value(self, table: str, column: str, rowid: int) -> tuple[str, object]:
        """(typeof, a short version of the value) of one cell."""
        kind, raw = self.conn.execute(
            f'SELECT typeof("{column}"), CASE typeof("{column}") WHEN \'text\' THEN'
            f' hex(substr(CAST("{column}" AS BLOB), 1, 120)) ELSE "{column}" END FROM {table} WHERE rowid = ?',
            (rowid,)).fetchone()
        if kind == "text":
            return kind, bytes.fromhex(raw).decode("utf-8", "replace")
        if kind == "blob":
            size = self.conn.execute(f'SELECT length("{column}") FROM {table} WHERE rowid = ?', (rowid,)).fetchone()[0]
            return kind, size
        return kind, raw


def _shown_text(text: object, limit: int = 24) -> str:
    """A value fit for a one-line message: control characters replaced, long text shortened."""
    if not isinstance(text, str):
        text = str(text)
    out = "".join("?" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch for ch in text[:limit + 1])
    return out[:limit] + "…" if len(out) > limit else out


def _describe(label: str, kind: str, value_kind: str, value: object, problem: str = "") -> str:
    if value_kind == "null":
        return f"{label}是空值（NULL）"
    if value_kind == "blob":
        return f"{label}是二进制数据（{value} 字节），不是文字"
    shown = _shown_text(value)
    if problem:
        return f"{label}“{shown}”{problem}"
    if kind in (TEXT, TEXT_OR_NULL):
        return f"{label}“{shown}”不是文字"
    if kind == INTEGER:
        return f"{label}“{shown}”不是整数"
    if kind == ORDER:
        return f"{label}“{shown}”不是数字"
    if kind == FLAG:
        return f"{label}“{shown}”应为 0 或 1"
    if kind == BLOB:
        return f"{label}不是二进制数据"
    return f"{label}“{shown}”不是有效数字"


def verify(conn: sqlite3.Connection, registry_ids: set[str] | None) -> None:
    """Raise DamagedFile naming the first problem found in the rows; return when all is well.
    `registry_ids`: the form definitions this PerfDesk knows (None: not checked). The schema
    must already have passed `check_schema`."""
    rows = _Rows(conn)

    def refuse(table: str, rowid: int, what: str) -> None:
        raise _damaged(f"{rows.row(table, rowid)}：{what}。{UNCHANGED}")

    for table in TABLE_ORDER:
        present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not present:
            continue  # a table of a later version than the file's
        columns = [(c, k, label) for c, k, label in COLUMNS[table] if c in present]
        condition = " OR ".join(f"({_violation(c, k)})" for c, k, _ in columns)
        if table == "indicator" and "provenance" in present:
            condition += f" OR ({_LONG_JSON})"  # in the same scan: one pass over the biggest table
        # Rows SQL finds suspect; most are wrong, some hold a number Python must judge.
        for (rowid,) in conn.execute(f"SELECT rowid FROM {table} WHERE {condition} ORDER BY rowid"):
            for column, kind, label in columns:
                if not conn.execute(f"SELECT coalesce(({_violation(column, kind)}), 0) FROM {table}"
                                    f" WHERE rowid = ?", (rowid,)).fetchone()[0]:
                    continue
                value_kind, value = rows.value(table, column, rowid)
                if kind == NUMBER and value_kind in ("text", "integer", "real"):
                    raw = conn.execute(f'SELECT "{column}" FROM {table} WHERE rowid = ?', (rowid,)).fetchone()[0]
                    problem = number_problem(raw if value_kind == "text" else str(raw))
                    if not problem:
                        continue  # a sign, exponent notation: a fine number
                    refuse(table, rowid, _describe(label, kind, "text", value, problem))
                refuse(table, rowid, _describe(label, kind, value_kind, value))
            if table == "indicator" and "provenance" in present:
                text = conn.execute(f"SELECT provenance FROM indicator WHERE rowid = ? AND {_LONG_JSON}",
                                    (rowid,)).fetchone()
                if text is not None and _too_deep(text[0]):
                    refuse("indicator", rowid, "结转来源记录嵌套过深，无法读取")
        _check_values(conn, table, present, refuse, registry_ids)


# Provenance JSON ('{' ≤ text < '|') long enough to nest deeper than Python's parser goes.
_LONG_JSON = f"provenance >= '{{' AND provenance < '|' AND length(provenance) > {MAX_JSON}"


def _too_deep(text: str) -> bool:
    try:
        json.loads(text)
    except RecursionError:
        return True
    except ValueError:
        pass  # not JSON: kept as a note
    return False


def _check_values(conn, table: str, present: set[str], refuse, registry_ids: set[str] | None) -> None:
    """Ranges, known words and references, once the types are right."""
    if table == "unit":
        for (rowid,) in conn.execute("SELECT rowid FROM unit WHERE id != 1 LIMIT 1"):
            refuse("unit", rowid, "编号应为 1")
        if conn.execute("SELECT count(*) FROM unit").fetchone()[0] > 1:
            raise _damaged(f"单位信息重复出现。{UNCHANGED}")
    elif table == "project":
        _duplicates(conn, "project", refuse)
    elif table == "form":
        _duplicates(conn, "form", refuse)
        for rowid, kind in conn.execute(f"SELECT rowid, kind FROM form WHERE kind NOT IN {FORM_KINDS!r}"
                                        f" ORDER BY position, rowid LIMIT 1"):
            refuse("form", rowid, f"表类型“{_shown_text(kind)}”无法识别（应为申报表或自评表）")
        for rowid, year in conn.execute(f"SELECT rowid, year FROM form WHERE year NOT BETWEEN {YEAR_MIN}"
                                        f" AND {YEAR_MAX} ORDER BY position, rowid LIMIT 1"):
            refuse("form", rowid, f"年度 {year} 不在 {YEAR_MIN}—{YEAR_MAX} 年之间")
        for (rowid,) in conn.execute("SELECT f.rowid FROM form f WHERE NOT EXISTS"
                                     " (SELECT 1 FROM project p WHERE p.id = f.project_id)"
                                     " ORDER BY f.position, f.rowid LIMIT 1"):
            refuse("form", rowid, "它所属的项目在文件中不存在")
        if registry_ids is not None:
            for (definition,) in conn.execute("SELECT DISTINCT definition FROM form"):
                if definition not in registry_ids:
                    rowid = conn.execute("SELECT rowid FROM form WHERE definition = ? ORDER BY position, rowid"
                                         " LIMIT 1", (definition,)).fetchone()[0]
                    refuse("form", rowid, f"表单定义“{_shown_text(definition)}”是本程序不认识的"
                                          f"（可能来自更新版本的 PerfDesk）")
    elif table == "snapshot":
        _duplicates(conn, "snapshot", refuse)
        for rowid, year in conn.execute(f"SELECT rowid, year FROM snapshot WHERE year NOT BETWEEN {YEAR_MIN}"
                                        f" AND {YEAR_MAX} ORDER BY rowid LIMIT 1"):
            refuse("snapshot", rowid, f"年度 {year} 不在 {YEAR_MIN}—{YEAR_MAX} 年之间")
        for rowid, text in conn.execute("SELECT rowid, forms FROM snapshot ORDER BY rowid"):
            if not _id_list(text):
                refuse("snapshot", rowid, "所含的表的清单无法读取")
    elif table == "final_mark":
        for (rowid,) in conn.execute("SELECT m.rowid FROM final_mark m WHERE NOT EXISTS"
                                     " (SELECT 1 FROM form f WHERE f.id = m.form_id) LIMIT 1"):
            refuse("final_mark", rowid, "它所标记的表在文件中不存在")
        for (rowid,) in conn.execute("SELECT m.rowid FROM final_mark m WHERE NOT EXISTS"
                                     " (SELECT 1 FROM snapshot s WHERE s.id = m.snapshot_id) LIMIT 1"):
            refuse("final_mark", rowid, "它所属的定稿快照在文件中不存在")
    elif table == "final_log":
        _duplicates(conn, "final_log", refuse)
    if table == "indicator" and "extra" in present:
        for (rowid,) in conn.execute(f"SELECT rowid FROM indicator WHERE extra != '' AND {_NOT_CELLS.format('extra')}"
                                     f" ORDER BY rowid LIMIT 1"):
            refuse("indicator", rowid, "附加栏目的内容无法读取")
    if table == "form_row":
        _duplicates(conn, "form_row", refuse)
        for (rowid,) in conn.execute(f"SELECT rowid FROM form_row WHERE cells != '' AND {_NOT_CELLS.format('cells')}"
                                     f" ORDER BY rowid LIMIT 1"):
            refuse("form_row", rowid, "内容无法读取")
    if table in ("form_field", "form_amount", "indicator", "form_row"):
        # The distinct form ids come from an index (few, fast); each is looked up in form.
        for (form_id,) in conn.execute(f"SELECT form_id FROM (SELECT DISTINCT form_id FROM {table})"
                                       f" WHERE form_id NOT IN (SELECT id FROM form) LIMIT 1"):
            rowid = conn.execute(f"SELECT rowid FROM {table} WHERE form_id = ? LIMIT 1", (form_id,)).fetchone()[0]
            what = {"form_field": "栏目", "form_amount": "金额", "indicator": "指标", "form_row": "表格行"}[table]
            refuse(table, rowid, f"这项{what}所属的表在文件中不存在")


# Extra columns and table rows are a flat JSON object of texts (reader.cells_to_text): anything
# else — not JSON, an array, a nested object, a number — is refused. SQLite's JSON functions
# judge it without Python parsing every row; they stop at nesting deeper than 1000 by themselves.
_NOT_CELLS = ("CASE WHEN json_valid({0}) THEN json_type({0}) != 'object'"
              " OR EXISTS (SELECT 1 FROM json_each({0}) WHERE type != 'text') ELSE 1 END")


def _id_list(text: str) -> bool:
    """A snapshot's `forms`: a JSON list of id strings (short: a few hundred forms a year)."""
    if not isinstance(text, str) or len(text) > 4_000_000:
        return False
    try:
        ids = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(ids, list) and all(isinstance(i, str) for i in ids)


def _duplicates(conn, table: str, refuse) -> None:
    # NOT INDEXED: a tampered file's index may lack the very rows that repeat an id. (Not
    # run on indicator rows: ten times as many, and a repeated id there breaks nothing at
    # opening — the loader's own dictionaries would.)
    for (key,) in conn.execute(f"SELECT id FROM {table} NOT INDEXED GROUP BY id HAVING count(*) > 1 LIMIT 1"):
        rowid = conn.execute(f"SELECT max(rowid) FROM {table} NOT INDEXED WHERE id = ?", (key,)).fetchone()[0]
        refuse(table, rowid, f"编号“{_shown_text(key)}”重复出现")

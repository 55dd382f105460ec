"""Export layer: the record of score overrides, embedded in a saved .xlsx or .docx package.

Why a custom XML part (`customXml/itemN.xml`, related from the workbook or document part, with
its `itemPropsN.xml`): it is the place Office Open XML provides for an application's own data
inside a document. Nothing renders it — no cell, no paragraph, no print area, no header — and
Word and Excel show it nowhere in their user interface, whereas the core properties' comments
field is shown (and edited) in File › Info, and python-docx caps core properties at 255
characters. Its size is ours to bound (`override_record.MAX_RECORD_BYTES`). The python-docx
template already carries such a part (for bibliography sources); this one sits beside it.

The part is added to the finished package: openpyxl has no way to write it, so both writers
save into memory and `embed` copies every part across, adding three parts and one
relationship and one content-type entry by plain text insertion (re-serialising Office XML
with another library would rename its namespace prefixes).
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Sequence

from perfdesk.domain.override_record import FormRecord, item_props_xml, record_xml

CONTENT_TYPES = "[Content_Types].xml"
REL_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
REL_CUSTOM_XML_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"
CT_CUSTOM_XML_PROPS = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
CT_XML = "application/xml"
_ID = re.compile(r'\bId="([^"]*)"')


def _rels_name(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def embed(package: bytes, main_part: str, records: Sequence[FormRecord]) -> bytes:
    """`package` (a saved .xlsx/.docx) with the override record of `records` added, related
    from `main_part` (`xl/workbook.xml`, `word/document.xml`). Unchanged when there is nothing
    to record, or when the package is not laid out as expected (never a damaged file)."""
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        parts = {info.filename: (info, source.read(info)) for info in source.infolist()}
    changed = embed_parts({name: data for name, (_, data) in parts.items()}, main_part, records)
    if not changed:
        return package
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (info, data) in parts.items():
            archive.writestr(info, changed.pop(name, data))
        for name, data in changed.items():
            archive.writestr(name, data)
    return out.getvalue()


def embed_parts(parts: dict[str, bytes], main_part: str, records: Sequence[FormRecord],
                taken: Sequence[str] = ()) -> dict[str, bytes]:
    """The parts to change or add so that a package holding `parts` (at least its .rels parts
    and `[Content_Types].xml`; `taken` names the others) carries the override record of
    `records`: {} when there is nothing to record or the package is not laid out as expected."""
    record, _ = record_xml(records)
    if record is None:
        return {}
    rels_name = _rels_name(main_part)
    names = set(parts) | set(taken)
    if main_part not in names or rels_name not in parts or CONTENT_TYPES not in parts:
        return {}
    n = 1
    while any(name in names for name in (f"customXml/item{n}.xml", f"customXml/itemProps{n}.xml",
                                         f"customXml/_rels/item{n}.xml.rels")):
        n += 1
    item, props, item_rels = f"customXml/item{n}.xml", f"customXml/itemProps{n}.xml", f"customXml/_rels/item{n}.xml.rels"

    rels = parts[rels_name].decode("utf-8")
    ids = set(_ID.findall(rels))
    rid = next(f"rId{k}" for k in range(len(ids) + 1, len(ids) + 1000) if f"rId{k}" not in ids)
    depth = main_part.count("/")
    target = "../" * depth + item
    rels = _insert_before(rels, "</Relationships>",
                          f'<Relationship Id="{rid}" Type="{REL_CUSTOM_XML}" Target="{target}"/>')
    types = parts[CONTENT_TYPES].decode("utf-8")
    overrides = f'<Override PartName="/{props}" ContentType="{CT_CUSTOM_XML_PROPS}"/>'
    if 'Extension="xml"' not in types:
        overrides += f'<Override PartName="/{item}" ContentType="{CT_XML}"/>'
    types = _insert_before(types, "</Types>", overrides)
    if rels is None or types is None:
        return {}
    return {
        rels_name: rels.encode("utf-8"),
        CONTENT_TYPES: types.encode("utf-8"),
        item: record,
        props: item_props_xml(record),
        item_rels: ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{REL_CUSTOM_XML_PROPS}" Target="itemProps{n}.xml"/>'
                    '</Relationships>').encode("utf-8"),
    }


def _insert_before(text: str | None, closing: str, addition: str) -> str | None:
    if text is None or text.count(closing) != 1:
        return None
    return text.replace(closing, addition + closing)

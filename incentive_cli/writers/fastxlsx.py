"""A small, fast XLSX writer for statements: the subset of xlsxwriter's API that
``statements.py`` uses, writing the OOXML parts directly.

Why: 10,000 statements must be written in under a minute on two cores. xlsxwriter spends
about 9 ms on the fixed parts of every workbook (theme, shared strings, one temporary file
per part) and about 11 µs per cell; statements are many small workbooks, so that overhead
dominates. This writer builds each sheet's XML with string formatting, keeps text inline
(``inlineStr``, so there is no shared-strings pass), and zips the parts with fixed
timestamps (identical bytes on rerun). Charts are not supported here: the register and the
manager packs keep using xlsxwriter.

Supported: text (always a string cell, never a formula), numbers (Decimal written exactly),
formulas with cached results, dates, formats (bold, italic, size, colours, fill, top/bottom
border, number format, wrap, alignment, indent), column widths, row heights, frozen panes,
data bars, landscape and fit-to-width print setup, headers and footers, print titles.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..money import written
from .xlsx import col as col_name

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_EPOCH = dt.date(1899, 12, 30)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _text(s: str) -> str:
    """XML text; control characters (not allowed in XML 1.0) as OOXML's _xHHHH_, and a literal
    _xHHHH_ in the text protected as _x005F_xHHHH_ so Excel shows it as written."""
    s = _LITERAL_ESCAPE.sub(r"_x005F_\1", s)
    return escape(_CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", s))


def _num(v: Any) -> str:
    if isinstance(v, Decimal):
        return format(written(v), "f")
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    return repr(float(v))


def _width(w: float) -> float:
    """Excel's stored column width for a width in characters (as xlsxwriter computes it)."""
    if w < 1:
        return int(w * 12 + 0.5) / 256 * 256 / 256
    return int((int(w * 7 + 0.5) + 5) / 7 * 256) / 256


class Format:
    def __init__(self, index: int):
        self.index = index


class Workbook:
    def __init__(self, path: str, title: str = "", created: dt.datetime | None = None):
        self.path = path
        self.title = title
        self.created = created or dt.datetime(2000, 1, 1)
        self.sheets: list[Worksheet] = []
        self._fonts: list[str] = ['<font><sz val="11"/><color rgb="FF000000"/><name val="Calibri"/><family val="2"/></font>']
        self._fills: list[str] = ['<fill><patternFill patternType="none"/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        self._borders: list[str] = ["<border><left/><right/><top/><bottom/><diagonal/></border>"]
        self._numfmts: dict[str, int] = {}
        self._xfs: list[str] = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>']
        self._xf_index: dict[str, int] = {}

    # --- formats ------------------------------------------------------------------------
    @staticmethod
    def _index(items: list[str], xml: str) -> int:
        if xml in items:
            return items.index(xml)
        items.append(xml)
        return len(items) - 1

    def add_format(self, props: dict[str, Any] | None = None) -> Format:
        p = props or {}
        font = "<font>" + ("<b/>" if p.get("bold") else "") + ("<i/>" if p.get("italic") else "") + f'<sz val="{p.get("font_size", 11)}"/><color rgb="FF{str(p.get("font_color", "#000000")).lstrip("#").upper()}"/><name val="Calibri"/><family val="2"/></font>'
        font_id = self._index(self._fonts, font)
        fill_id = 0
        if p.get("bg_color"):
            fill_id = self._index(self._fills, f'<fill><patternFill patternType="solid"><fgColor rgb="FF{str(p["bg_color"]).lstrip("#").upper()}"/><bgColor indexed="64"/></patternFill></fill>')
        border_id = 0
        if p.get("top") or p.get("bottom"):
            top = '<top style="thin"><color auto="1"/></top>' if p.get("top") else "<top/>"
            bottom = '<bottom style="thin"><color auto="1"/></bottom>' if p.get("bottom") else "<bottom/>"
            border_id = self._index(self._borders, f"<border><left/><right/>{top}{bottom}<diagonal/></border>")
        num_id = 0
        if p.get("num_format"):
            code = p["num_format"]
            if code not in self._numfmts:
                self._numfmts[code] = 164 + len(self._numfmts)
            num_id = self._numfmts[code]
        align = ""
        attrs = []
        if p.get("align"):
            attrs.append(f'horizontal="{p["align"]}"')
        if p.get("valign"):
            attrs.append(f'vertical="{ {"vcenter": "center"}.get(p["valign"], p["valign"]) }"')
        if p.get("text_wrap"):
            attrs.append('wrapText="1"')
        if p.get("indent"):
            if not p.get("align"):
                attrs.append('horizontal="left"')
            attrs.append(f'indent="{int(p["indent"])}"')
        if attrs:
            align = "<alignment " + " ".join(attrs) + "/>"
        applies = ' applyNumberFormat="1"' * (num_id > 0) + ' applyFont="1"' * (font_id > 0) + ' applyFill="1"' * (fill_id > 0) + ' applyBorder="1"' * (border_id > 0) + ' applyAlignment="1"' * bool(align)
        xf = f'<xf numFmtId="{num_id}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}" xfId="0"{applies}' + (f">{align}</xf>" if align else "/>")
        if xf not in self._xf_index:
            self._xf_index[xf] = len(self._xfs)
            self._xfs.append(xf)
        return Format(self._xf_index[xf])

    def add_worksheet(self, name: str) -> Worksheet:
        if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name) or name.startswith("'") or name.endswith("'"):
            raise ValueError(f"invalid sheet name {name!r}: make it with xlsx.sheet_name")
        ws = Worksheet(name, len(self.sheets))
        self.sheets.append(ws)
        return ws

    # --- parts --------------------------------------------------------------------------------
    def _styles(self) -> str:
        numfmts = "".join(f'<numFmt numFmtId="{i}" formatCode="{escape(c, {chr(34): "&quot;"})}"/>' for c, i in self._numfmts.items())
        return (
            HEAD + f"<styleSheet {NS.split(' xmlns:r')[0]}>"
            + (f'<numFmts count="{len(self._numfmts)}">{numfmts}</numFmts>' if self._numfmts else "")
            + f'<fonts count="{len(self._fonts)}">{"".join(self._fonts)}</fonts>'
            + f'<fills count="{len(self._fills)}">{"".join(self._fills)}</fills>'
            + f'<borders count="{len(self._borders)}">{"".join(self._borders)}</borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(self._xfs)}">{"".join(self._xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        )

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{escape(ws.name, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, ws in enumerate(self.sheets))
        names = "".join(
            f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{escape(_quote(ws.name))}!${ws.repeat[0] + 1}:${ws.repeat[1] + 1}</definedName>'
            for i, ws in enumerate(self.sheets) if ws.repeat is not None
        )
        return HEAD + f"<workbook {NS}><bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "") + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'

    def close(self) -> None:
        n = len(self.sheets)
        created = self.created.strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = {
            "[Content_Types].xml": HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            + '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(n))
            + '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>',
            "_rels/.rels": HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>',
            "docProps/app.xml": HEAD + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>incentive_cli</Application></Properties>',
            "docProps/core.xml": HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            + f'<dc:title>{_text(self.title)}</dc:title><dc:creator>incentive_cli</dc:creator><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified></cp:coreProperties>',
            "xl/workbook.xml": self._workbook(),
            "xl/_rels/workbook.xml.rels": HEAD + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>' for i in range(n))
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>',
            "xl/styles.xml": self._styles(),
        }
        for i, ws in enumerate(self.sheets):
            parts[f"xl/worksheets/sheet{i + 1}.xml"] = ws.xml(selected=i == 0)
        with zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
            for name, text in parts.items():
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                z.writestr(info, text.encode("utf-8"))


def _quote(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


class Worksheet:
    def __init__(self, name: str, index: int):
        self.name = name
        self.index = index
        self.rows: dict[int, dict[int, str]] = {}
        self.heights: dict[int, float] = {}
        self.widths: dict[int, float] = {}
        self.freeze: tuple[int, int] | None = None
        self.repeat: tuple[int, int] | None = None
        self.landscape = False
        self.paper = 0
        self.fit: tuple[int, int] | None = None
        self.header = ""
        self.footer = ""
        self.data_bars: list[str] = []

    def _put(self, r: int, c: int, xml: str) -> None:
        self.rows.setdefault(r, {})[c] = xml

    @staticmethod
    def _s(fmt: Format | None) -> str:
        return f' s="{fmt.index}"' if fmt is not None and fmt.index else ""

    def write_string(self, r: int, c: int, text: str, fmt: Format | None = None) -> None:
        t = _text(text)
        space = ' xml:space="preserve"' if t != t.strip() else ""
        self._put(r, c, f'<c r="{col_name(c)}{r + 1}"{self._s(fmt)} t="inlineStr"><is><t{space}>{t}</t></is></c>')

    def write_number(self, r: int, c: int, value: Any, fmt: Format | None = None) -> None:
        self._put(r, c, f'<c r="{col_name(c)}{r + 1}"{self._s(fmt)}><v>{_num(value)}</v></c>')

    def write_formula(self, r: int, c: int, formula: str, fmt: Format | None = None, value: Any = 0) -> None:
        f = escape(formula[1:] if formula.startswith("=") else formula)
        self._put(r, c, f'<c r="{col_name(c)}{r + 1}"{self._s(fmt)}><f>{f}</f><v>{_num(value)}</v></c>')

    def write_datetime(self, r: int, c: int, value: dt.date, fmt: Format | None = None) -> None:
        day = value.date() if isinstance(value, dt.datetime) else value
        self._put(r, c, f'<c r="{col_name(c)}{r + 1}"{self._s(fmt)}><v>{(day - _EPOCH).days}</v></c>')

    def set_column(self, first: int, last: int, width: float) -> None:
        for c in range(first, last + 1):
            self.widths[c] = width

    def set_row(self, r: int, height: float) -> None:
        self.heights[r] = height

    def freeze_panes(self, r: int, c: int) -> None:
        self.freeze = (r, c)

    def repeat_rows(self, first: int, last: int | None = None) -> None:
        self.repeat = (first, first if last is None else last)

    def set_landscape(self) -> None:
        self.landscape = True

    def set_paper(self, paper: int) -> None:
        self.paper = paper

    def fit_to_pages(self, width: int, height: int) -> None:
        self.fit = (width, height)

    def set_header(self, text: str) -> None:
        self.header = text

    def set_footer(self, text: str) -> None:
        self.footer = text

    def conditional_format(self, r1: int, c1: int, r2: int, c2: int, options: dict[str, Any]) -> None:
        if options.get("type") != "data_bar":
            raise ValueError("fastxlsx supports data bars only")
        color = str(options.get("bar_color", "#638EC6")).lstrip("#").upper()
        lo, hi = options.get("min_value", 0), options.get("max_value", 1)
        ref = f"{col_name(c1)}{r1 + 1}:{col_name(c2)}{r2 + 1}"
        self.data_bars.append(f'<conditionalFormatting sqref="{ref}"><cfRule type="dataBar" priority="{len(self.data_bars) + 1}"><dataBar><cfvo type="num" val="{lo}"/><cfvo type="num" val="{hi}"/><color rgb="FF{color}"/></dataBar></cfRule></conditionalFormatting>')

    def xml(self, selected: bool = False) -> str:
        out = [HEAD, f"<worksheet {NS}>"]
        if self.fit is not None:
            out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        if self.rows:
            last_r = max(self.rows)
            last_c = max(max(cells) for cells in self.rows.values())
            out.append(f'<dimension ref="A1:{col_name(last_c)}{last_r + 1}"/>')
        view = '<sheetView workbookViewId="0"' + (' tabSelected="1"' if selected else "")
        if self.freeze and (self.freeze[0] or self.freeze[1]):
            r, c = self.freeze
            top_left = f"{col_name(c)}{r + 1}"
            split = (f' xSplit="{c}"' if c else "") + (f' ySplit="{r}"' if r else "")
            pane = "bottomRight" if r and c else ("bottomLeft" if r else "topRight")
            out.append(f'<sheetViews>{view}><pane{split} topLeftCell="{top_left}" activePane="{pane}" state="frozen"/><selection pane="{pane}"/></sheetView></sheetViews>')
        else:
            out.append(f"<sheetViews>{view}/></sheetViews>")
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            out.append("<cols>" + "".join(f'<col min="{c + 1}" max="{c + 1}" width="{_width(w)}" customWidth="1"/>' for c, w in sorted(self.widths.items())) + "</cols>")
        out.append("<sheetData>")
        for r in sorted(set(self.rows) | set(self.heights)):
            cells = self.rows.get(r, {})
            ht = f' ht="{self.heights[r]}" customHeight="1"' if r in self.heights else ""
            out.append(f'<row r="{r + 1}"{ht}>' + "".join(cells[c] for c in sorted(cells)) + "</row>")
        out.append("</sheetData>")
        out.extend(self.data_bars)
        out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
        setup = []
        if self.paper:
            setup.append(f'paperSize="{self.paper}"')
        if self.landscape:
            setup.append('orientation="landscape"')
        if self.fit is not None:
            if self.fit[0] != 1:
                setup.append(f'fitToWidth="{self.fit[0]}"')
            if self.fit[1] != 1:
                setup.append(f'fitToHeight="{self.fit[1]}"')
        if setup:
            out.append("<pageSetup " + " ".join(setup) + "/>")
        if self.header or self.footer:
            out.append("<headerFooter>" + (f"<oddHeader>{_text(self.header)}</oddHeader>" if self.header else "") + (f"<oddFooter>{_text(self.footer)}</oddFooter>" if self.footer else "") + "</headerFooter>")
        out.append("</worksheet>")
        return "".join(out)


def new_workbook(path: Path, title: str) -> Workbook:
    return Workbook(str(path), title)

#!/usr/bin/env python3
"""Joins a folder of CSV exports into one CSV file and one .xlsx workbook of the same rows.

usage: make_xlsx.py EXPORTS_DIR OUT.csv OUT.xlsx

Rows whose field count differs from the header are left out of both (a sheet has no such
thing). Integers without leading zeros become number cells, everything else shared strings.
"""
import csv, glob, io, os, re, sys, zipfile
from xml.sax.saxutils import escape

src, out_csv, out_xlsx = sys.argv[1:4]
rows, header = [], None
for f in sorted(glob.glob(os.path.join(src, "*.csv"))):
    with open(f, encoding="utf-8-sig", newline="") as fh:
        r = list(csv.reader(fh))
    if header is None:
        header = r[0]
        rows.append(header)
    rows += [x for x in r[1:] if len(x) == len(header)]
with open(out_csv, "w", encoding="utf-8", newline="") as fh:
    csv.writer(fh, lineterminator="\n").writerows(rows)

index, strings = {}, []
def shared(s):
    if s not in index:
        index[s] = len(strings)
        strings.append(s)
    return index[s]
def column(i):
    s, i = "", i + 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s
sheet = io.StringIO()
sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
for n, row in enumerate(rows, start=1):
    sheet.write(f'<row r="{n}">')
    for c, v in enumerate(row):
        if v == "":
            continue
        ref = f"{column(c)}{n}"
        if re.fullmatch(r"[1-9]\d{0,8}|0", v):
            sheet.write(f'<c r="{ref}"><v>{v}</v></c>')
        else:
            sheet.write(f'<c r="{ref}" t="s"><v>{shared(v)}</v></c>')
    sheet.write("</row>")
sheet.write("</sheetData></worksheet>")
ns = "http://schemas.openxmlformats.org"
with zipfile.ZipFile(out_xlsx, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
               '<Default Extension="xml" ContentType="application/xml"/></Types>')
    z.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" '
               f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Hồ sơ" sheetId="1" r:id="rId1"/></sheets></workbook>')
    z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
               f'<Relationship Id="rId2" Type="{ns}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
    z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0"?><sst xmlns="{ns}/spreadsheetml/2006/main">'
               + "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in strings) + "</sst>")
print(f"{len(rows) - 1} rows")

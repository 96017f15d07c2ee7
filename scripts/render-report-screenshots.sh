#!/usr/bin/env bash
# Renders report.html in headless Chromium and writes the pictures README and docs/GUIDE.md show:
#   docs/images/report-sample.png    the top of the sample pipeline's report (SampleData)
#   docs/images/report-province.png  the top of a generated multi-tier province (motcua generate --units 60
#                                    --days 90), months with targets, the last one partial:
#                                    its trends
#   docs/images/report-print-tiles.png, report-print-rankings.png  two of its pages printed to PDF
#                                    (A4 landscape): the latest period's tiles, a tier's rankings
# and fails when Chromium logs a console message (the page has no script; a blocked external
# load would be one). Needs a built motcua (MOTCUA=path, default .build/debug/motcua), chromium
# poppler (pdfinfo, pdftotext, pdftoppm) and python3 with Pillow (pip install pillow) for the crops;
# scripts/install-deps.sh installs chromium and poppler.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MOTCUA:-.build/debug/motcua}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$PWD

shot() {   # shot HTML PNG WIDTH HEIGHT
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
    --window-size="$3,$4" --screenshot="$2" --enable-logging=stderr --v=0 "file://$1" 2>"$work/log" >/dev/null
  if grep -E "CONSOLE|Refused to load|ERR_" "$work/log"; then echo "console messages rendering $1" >&2; exit 1; fi
}

"$bin" run pipelines/sample.yaml --quiet --out "$work/sample"
"$bin" generate --out "$work/gen" --units 60 --days 90 --seed 7 >/dev/null
cat > "$work/province.yaml" <<YAML
version: 1
name: province-60
inputs: [{ format: dvcqg-ndjson, paths: ["$work/gen/exports/*.ndjson.gz"] }]
catalogs: { units: $work/gen/catalogs/units.csv, procedures: $work/gen/catalogs/procedures.csv }
periods: { kind: month, from: 2024-02-01, to: 2024-05-31 }
targets:
  - { kpi: on_time_rate, min: 0.95 }
  - { kpi: online_rate, tier: xa, min: 0.30 }
  - { kpi: online_rate, tier: huyen, min: 0.35 }
outputs: { dir: $work/province, formats: [csv], report: true }
limits: { max_reject_rate: 0.01 }
YAML
"$bin" run "$work/province.yaml" --quiet --as-of 2024-05-18

shot "$work/sample/report.html" "$work/sample.png" 1180 1500
shot "$work/province/report.html" "$work/province.png" 1180 2000
# The province printed (A4 landscape, as a reader's browser prints it): the page that opens the
# latest period (its tiles) and the page of its departments' rankings.
chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$work/province.pdf" \
  "file://$work/province/report.html" >/dev/null 2>&1
page_of() {   # the first page of the PDF whose text has $1
  local n
  n=$(pdfinfo "$work/province.pdf" | awk '/^Pages:/ {print $2}')
  for i in $(seq 1 "$n"); do
    if pdftotext -f "$i" -l "$i" "$work/province.pdf" - | grep -q "$1"; then echo "$i"; return; fi
  done
  echo "no page with $1" >&2; exit 1
}
tiles=$(page_of "Kỳ báo cáo: Tháng 5/2024")
ranks=$(page_of "Sở, ban, ngành")
pdftoppm -png -r 64 -f "$tiles" -l "$tiles" -singlefile "$work/province.pdf" "$work/page-tiles"
pdftoppm -png -r 64 -f "$ranks" -l "$ranks" -singlefile "$work/province.pdf" "$work/page-ranks"
python3 - "$work" <<'PY'
import sys
from PIL import Image
work = sys.argv[1]
def small(src, dst, scale):
    im = Image.open(src).convert("RGB")
    if scale != 1:
        im = im.resize((int(im.width * scale), int(im.height * scale)), Image.LANCZOS)
    # 256 colours chosen from the picture (octree keeps the few strong chart colours exact).
    im.quantize(256, method=Image.Quantize.FASTOCTREE).save(dst, optimize=True)
# On screen: the sample's header, trends and first tiles; the province's header and trends.
small(f"{work}/sample.png", "docs/images/report-sample.png", 0.6)
small(f"{work}/province.png", "docs/images/report-province.png", 0.6)
# Printed: two A4 landscape pages of the province.
small(f"{work}/page-tiles.png", "docs/images/report-print-tiles.png", 1)
small(f"{work}/page-ranks.png", "docs/images/report-print-rankings.png", 1)
PY
ls -l docs/images/report-*.png

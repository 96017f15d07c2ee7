#!/usr/bin/env bash
# Renders report.html in headless Chromium and writes the pictures README and docs/GUIDE.md show:
#   docs/images/report-sample.png    the top of the sample pipeline's report (SampleData)
#   docs/images/report-province.png  a generated multi-tier province (motcua generate --units 60
#                                    --days 90), months with targets, the last one partial:
#                                    its trends and the tier rankings
# and fails when Chromium logs a console message (the page has no script; a blocked external
# load would be one). Needs a built motcua (MOTCUA=path, default .build/debug/motcua), chromium
# and python3 with Pillow for the crops (scripts/install-deps.sh installs chromium).
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
shot "$work/province/report.html" "$work/province.png" 1180 7000
python3 - "$work" <<'PY'
import sys
from PIL import Image
work = sys.argv[1]
# The sample: the header, trends and the first tiles, at 60 %.
im = Image.open(f"{work}/sample.png").convert("RGB")
im.resize((im.width * 6 // 10, im.height * 6 // 10), Image.LANCZOS).quantize(64).save("docs/images/report-sample.png", optimize=True)
# The province: the latest period's tiles and tier rankings (below the trends), at 60 %.
im = Image.open(f"{work}/province.png").convert("RGB")
im = im.crop((0, 0, im.width, 7000))
im.resize((im.width * 6 // 10, im.height * 6 // 10), Image.LANCZOS).quantize(64).save("/tmp/report-province-full.png", optimize=True)
PY
ls -l docs/images/report-*.png

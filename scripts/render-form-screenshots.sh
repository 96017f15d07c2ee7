#!/usr/bin/env bash
# Renders bieu-ii06a.xlsx of the sample data with LibreOffice (headless) and writes the pictures
# docs/GUIDE.md shows: docs/images/bieu-ii06a-page.png (a printed page) and
# docs/images/bieu-ii06a-header.png (its top, larger). The sample pipeline for March 2024, limited
# to UBND huyện Ngọc Ninh and its communes (report_units), the district's form counting its subtree.
# Needs a built motcua (MOTCUA=path, default .build/debug/motcua), soffice and pdftoppm
# (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${MOTCUA:-.build/debug/motcua}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$PWD
cat > "$work/p.yaml" <<YAML
version: 1
name: sample-form
inputs: [{ format: dvcqg-ndjson, paths: ["$root/SampleData/exports/*.ndjson.gz"] }]
catalogs: { units: $root/SampleData/catalogs/units.csv, procedures: $root/SampleData/catalogs/procedures.csv }
periods: { kind: month, period: 2024-03 }
report_units: [000.00.20.H56]
outputs: { dir: out, formats: [csv], form_ii06a_xlsx: true, form_scope: subtree }
limits: { max_reject_rate: 0.01 }
YAML
"$bin" run "$work/p.yaml" --quiet
soffice "-env:UserInstallation=file://$work/profile" --headless --convert-to pdf --outdir "$work" "$work/out/bieu-ii06a.xlsx" >/dev/null 2>&1
# Page 1 is the district's sheet (sheets are in unit-code order, one page each).
pdftoppm -png -gray -r 80 -f 1 -l 1 -singlefile "$work/bieu-ii06a.pdf" docs/images/bieu-ii06a-page
pdftoppm -png -gray -r 110 -f 1 -l 1 -x 0 -y 40 -W 1286 -H 392 -singlefile "$work/bieu-ii06a.pdf" docs/images/bieu-ii06a-header
ls -l docs/images/bieu-ii06a-*.png

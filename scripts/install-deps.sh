#!/usr/bin/env bash
# System packages the build and tests need (Debian): zlib, ISA-L, libxml2 and libxlsxwriter
# headers, pkg-config, python3; then, in a section of its own, what only the tests need.
set -euo pipefail
need=()
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
# libxlsxwriter writes bieu-ii06a.xlsx.
dpkg -s libxlsxwriter-dev >/dev/null 2>&1 || need+=(libxlsxwriter-dev)
# ISA-L for the default ISAL trait (a build with --disable-default-traits needs only zlib).
dpkg -s libisal-dev >/dev/null 2>&1 || need+=(libisal-dev)
# libxml2's SAX2 push parser reads the XML inside .xlsx workbooks.
dpkg -s libxml2-dev >/dev/null 2>&1 || need+=(libxml2-dev)
# xxHash: content digests of input files and the checksums of the state kept between runs.
dpkg -s libxxhash-dev >/dev/null 2>&1 || need+=(libxxhash-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# integrations/dask/test.sh makes a virtual environment (Debian's python3 needs python3-venv for it).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

# --- For the tests only (the build does not need them) ---
# FormWorkbookRenderingTests converts bieu-ii06a.xlsx with LibreOffice Calc (soffice --headless)
# to CSV and PDF, and reads the PDF with poppler (pdfinfo, pdftotext); Liberation Serif stands
# in for Times New Roman with the same metrics (version 2: with every Vietnamese letter).
# Without recommends: Calc, not the whole suite.
tests_need=()
command -v soffice >/dev/null 2>&1 || tests_need+=(libreoffice-calc)
command -v pdftotext >/dev/null 2>&1 || tests_need+=(poppler-utils)
dpkg -s fonts-liberation2 >/dev/null 2>&1 || tests_need+=(fonts-liberation2)
# ReportBrowserTests open report.html in headless Chromium (screenshot, DOM, console log);
# Noto Sans is the report's fallback font, with every Vietnamese letter.
command -v chromium >/dev/null 2>&1 || tests_need+=(chromium)
dpkg -s fonts-noto-core >/dev/null 2>&1 || tests_need+=(fonts-noto-core)
# PostgresOutputTests start a throwaway PostgreSQL 15 server (scripts/pg/throwaway-cluster.sh:
# initdb and pg_ctl from /usr/lib/postgresql/15/bin, psql to read the tables back).
[ -x /usr/lib/postgresql/15/bin/initdb ] || tests_need+=(postgresql)
if [ ${#tests_need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${tests_need[@]}"
fi

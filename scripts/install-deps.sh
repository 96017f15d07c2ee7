#!/usr/bin/env bash
# System packages the build and tests need (Debian): zlib, ISA-L and libxml2 headers, pkg-config, python3.
set -euo pipefail
need=()
dpkg -s zlib1g-dev >/dev/null 2>&1 || need+=(zlib1g-dev)
# ISA-L for the default ISAL trait (a build with --disable-default-traits needs only zlib).
dpkg -s libisal-dev >/dev/null 2>&1 || need+=(libisal-dev)
# libxml2's SAX2 push parser reads the XML inside .xlsx workbooks.
dpkg -s libxml2-dev >/dev/null 2>&1 || need+=(libxml2-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v python3 >/dev/null 2>&1 || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests and benchmarks of the PostgreSQL output (issue 17).
#
#   scripts/pg/throwaway-cluster.sh start DIR    initdb (first time) and start; prints DIR/env
#   scripts/pg/throwaway-cluster.sh stop DIR     stop the server, keep DIR (start again resumes it)
#   scripts/pg/throwaway-cluster.sh destroy DIR  stop and remove DIR
#
# The server runs as a non-root user (PostgreSQL refuses root): as root, `nobody`, which then
# owns DIR; otherwise the caller. It listens on a free loopback port and on a Unix socket in DIR.
# Role `motcua` (superuser) has a random password, asked over TCP (scram-sha-256); the socket
# trusts local users. DIR/env holds PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (database
# `motcua`) and PGSOCKETDIR, in shell syntax. PG_BIN overrides /usr/lib/postgresql/15/bin.
set -euo pipefail
command=${1:-}
dir=${2:-}
if [ -z "$command" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop|destroy DIR" >&2
  exit 64
fi
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "$0: PostgreSQL 15 server programs not found in $bin (Debian: apt-get install postgresql; scripts/install-deps.sh does it)" >&2
  exit 69
fi
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

case "$command" in
start)
  # The server must not keep the caller's descriptors open: a caller that waits for them to
  # close (Foundation's Process does, for the exit of its child) would wait for the server.
  for fd in $(ls /proc/$$/fd); do
    if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody:nogroup "$dir"
    runuser -u nobody -- test -w "$dir" || { echo "$0: user nobody cannot reach $dir (a parent folder is not open to others): choose a folder under /tmp" >&2; exit 73; }
  fi
  if [ ! -d "$dir/data" ]; then
    password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    (umask 077; printf "%s\n" "$password" | as_owner tee "$dir/password" >/dev/null)
    as_owner "$bin/initdb" -D "$dir/data" -U motcua --pwfile="$dir/password" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A free loopback port: one that refuses a connection now (bash's /dev/tcp).
    for _ in $(seq 1 100); do
      port=$((20000 + RANDOM % 40000))
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    done
    cat >"$dir/env.tmp" <<ENV
PGHOST=127.0.0.1
PGPORT=$port
PGUSER=motcua
PGPASSWORD=$password
PGDATABASE=motcua
PGSOCKETDIR=$dir
ENV
    mv "$dir/env.tmp" "$dir/env"
    fresh=1
  else
    fresh=0
  fi
  port=$(sed -n 's/^PGPORT=//p' "$dir/env")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=40" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; exit 1; }
  if [ "$fresh" = 1 ]; then
    as_owner "$bin/psql" -h "$dir" -p "$port" -U motcua -d postgres -q -c "CREATE DATABASE motcua" >/dev/null
  fi
  cat "$dir/env"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
  ;;
destroy)
  if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*)
  echo "usage: $0 start|stop|destroy DIR" >&2
  exit 64
  ;;
esac

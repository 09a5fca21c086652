#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks: its own data
# directory under /tmp, listening on 127.0.0.1 only, on a free port.
#
#   eval "$(.ci/postgres.sh start)"    # prints: export MSSANTE_TEST_PG=… MSSANTE_PG_DIR=…
#   .ci/postgres.sh stop "$MSSANTE_PG_DIR"
#
# Installs the distribution's PostgreSQL server when it is missing (as root).
# As root, the cluster runs as the `postgres` user (initdb refuses root).
# MSSANTE_PG_FSYNC=off turns fsync off (faster tests; benchmarks keep it on).
set -euo pipefail

find_bin() {
    local name=$1 d
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/$name" ] && { echo "$d/$name"; return; }
    done
    return 1
}

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    if ! find_bin postgres >/dev/null; then
        if [ "$(id -u)" = 0 ]; then
            echo "installing postgresql from the distribution's packages" >&2
            (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
        else
            echo "PostgreSQL server not found and not root: install postgresql" >&2
            exit 1
        fi
    fi
    initdb=$(find_bin initdb)
    pg_ctl=$(find_bin pg_ctl)
    dir=$(mktemp -d /tmp/mssante-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=${MSSANTE_PG_FSYNC:-on} -c max_connections=200" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    echo "export MSSANTE_TEST_PG=postgres://postgres@127.0.0.1:$port/postgres MSSANTE_PG_DIR=$dir"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    pg_ctl=$(find_bin pg_ctl)
    as_owner "$pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac

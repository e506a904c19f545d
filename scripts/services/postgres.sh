# PostgreSQL from Debian's packages (installed with apt-get if missing) on
# 127.0.0.1:$PG_PORT. Database, user and password are all `custodia`; trust
# auth, TCP on 127.0.0.1 only (no Unix socket), fsync off: a test server, not a
# real one. Sourced by scripts/services.sh; the shape is in lib.sh.

PG_PORT=${CUSTODIA_PG_PORT:-54329}
PG_DB=custodia PG_USER=custodia PG_PASSWORD=custodia

pg_bindir() {
  local initdb
  if initdb=$(command -v initdb 2>/dev/null); then
    dirname "$(readlink -f "$initdb")"
    return 0
  fi
  # Debian keeps the server binaries off PATH; take the newest major version.
  initdb=$(ls -1d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [[ -n $initdb ]] && dirname "$initdb"
}

postgres_healthy() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=2 psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" \
    -d "$PG_DB" -tAc 'SELECT 1' >/dev/null 2>&1
}

# PostgreSQL keeps its own pid file; no pid file of ours.
postgres_pid() {
  local data=$1/data pid
  [[ -s $data/postmaster.pid ]] || return 0
  pid=$(head -n 1 "$data/postmaster.pid")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres; then echo "$pid"; fi
}

postgres_start() {
  local dir=$1 bin
  bin=$(pg_bindir)
  if [[ ! -s $dir/data/PG_VERSION ]]; then
    rm -rf "$dir/data"
    # --no-sync and trust auth: throw-away test cluster, loopback only.
    as_service_user "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || {
      say postgres "FAILED: initdb" >&2
      show_log_tail "$dir/initdb.log"
      return 1
    }
  fi
  # Settings on the command line, not in postgresql.conf, so a changed
  # CUSTODIA_PG_PORT takes effect on an existing data dir. No Unix socket:
  # its path would depend on where the clone is (and has a length limit).
  as_service_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$START_TIMEOUT" \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >>"$dir/pg_ctl.log" 2>&1 8>&- 9>&- || {
    say postgres "FAILED: pg_ctl start (not ready within ${START_TIMEOUT}s or exited)" >&2
    show_log_tail "$dir/postgres.log"
    postgres_stop "$dir" "$(postgres_pid "$dir")"
    return 1
  }
}

postgres_provision() {
  local dir=$1
  local psql=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tA)
  {
    if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'") ]]; then
      "${psql[@]}" -c "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
    fi
    if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'") ]]; then
      "${psql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_USER"
    fi
  } >>"$dir/setup.log" 2>&1 || {
    say postgres "FAILED: creating role/database $PG_DB" >&2
    show_log_tail "$dir/setup.log"
    return 1
  }
}

postgres_stop() {
  local dir=$1 pid=$2
  as_service_user "$(pg_bindir)/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >>"$dir/pg_ctl.log" 2>&1 ||
    stop_group "$pid"
}

postgres_up() {
  ensure_installed postgres "PostgreSQL server binaries" postgresql pg_bindir
  ensure_cmd psql postgresql-client
  local dir
  dir=$(user_state_dir postgres create)
  service_up postgres "$dir" "$dir/postgres.log" "$PG_PORT" " on 127.0.0.1:$PG_PORT" \
    "db/user/password $PG_DB/$PG_USER/$PG_PASSWORD"
}

postgres_down() { service_down postgres "$(user_state_dir postgres)"; }

postgres_status() { service_status postgres "$(user_state_dir postgres)" "$PG_PORT"; }

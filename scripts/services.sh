#!/usr/bin/env bash
# Fetch (cached), start, health-check and stop the real services that
# Custodia's tests and development use, on loopback only.
#
#   scripts/services.sh up     [postgres|elasticsearch|tika|dovecot|smtp|all]...  (default: all)
#   scripts/services.sh down   [postgres|elasticsearch|tika|dovecot|smtp|all]...  (default: all)
#   scripts/services.sh status [postgres|elasticsearch|tika|dovecot|smtp|all]...  (default: all)
#
# `up` is idempotent: a service that already runs and answers is left alone.
# It waits (bounded by CUSTODIA_START_TIMEOUT seconds) until each service is
# healthy, and on failure prints the tail of that service's log and exits 1.
# `down` stops only what `up` started (pid files) and is safe when nothing runs.
# `status` exits 0 when every named service is running and healthy, else 3.
#
# Environment (defaults in brackets):
#   CUSTODIA_PG_PORT [54329]  CUSTODIA_ES_PORT [9201]  CUSTODIA_TIKA_PORT [9998]
#   CUSTODIA_IMAP_PORT [10143]  CUSTODIA_LMTP_PORT [10024]  CUSTODIA_SMTP_PORT [10025]
#   CUSTODIA_IMAP_USERS [allen-p badeer-r clerk-test]  Dovecot's users, all with
#                       the password CUSTODIA_IMAP_PASSWORD [custodia]
#   CUSTODIA_MAIL_DOMAIN [custodia.test]  SMTP recipients there go to Dovecot
#   CUSTODIA_SERVICES_DIR [<repo>/.services]   runtime state: data, logs, pids
#   CUSTODIA_CACHE_DIR [~/.cache/custodia]     fetched/built artefacts
#   CUSTODIA_M2_REPO [~/.m2/repository]        Maven local repository
#   CUSTODIA_ES_VERSION [8.19.21]  CUSTODIA_TIKA_VERSION [3.3.2]
#   CUSTODIA_ES_JAVA_OPTS [-Xms512m -Xmx1g]
#   CUSTODIA_START_TIMEOUT [180]
#   CUSTODIA_SERVICE_USER [custodia-svc]  unprivileged user for PostgreSQL,
#                                         Elasticsearch and Dovecot when run as root
#   CUSTODIA_JAVA_HOME [from `java` on PATH]
#
# PostgreSQL: database/user/password are all `custodia`; trust auth, TCP on
# 127.0.0.1 only (no Unix socket), fsync off: a test server, not a real one.
# Elasticsearch: the real 8.x server from Maven Central's integ-test-zip, single
# node, security off, plus the small custodia-es-extras plugin (GET/HEAD /,
# english analyzer, whitespace tokenizer, asciifolding, html_strip; see
# scripts/services/elasticsearch).
# Tika: tika-server-standard from Maven Central, forked mode.
# Dovecot: Debian's dovecot-imapd/-lmtpd, a private rootless instance: IMAP
# without TLS (cleartext login) and LMTP, Maildir under its state dir.
# SMTP: scripts/services/smtp_sink.py (aiosmtpd, installed into .venv, which
# must exist): keeps each message as <state>/smtp/outbox/<id>.eml + <id>.json
# and delivers @CUSTODIA_MAIL_DOMAIN recipients to Dovecot by LMTP.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HELPERS=$REPO_ROOT/scripts/services

PG_PORT=${CUSTODIA_PG_PORT:-54329}
ES_PORT=${CUSTODIA_ES_PORT:-9201}
TIKA_PORT=${CUSTODIA_TIKA_PORT:-9998}
IMAP_PORT=${CUSTODIA_IMAP_PORT:-10143}
LMTP_PORT=${CUSTODIA_LMTP_PORT:-10024}
SMTP_PORT=${CUSTODIA_SMTP_PORT:-10025}
IMAP_USERS=${CUSTODIA_IMAP_USERS:-allen-p badeer-r clerk-test}
IMAP_PASSWORD=${CUSTODIA_IMAP_PASSWORD:-custodia}
MAIL_DOMAIN=${CUSTODIA_MAIL_DOMAIN:-custodia.test}
SERVICES_DIR=${CUSTODIA_SERVICES_DIR:-$REPO_ROOT/.services}
CACHE_DIR=${CUSTODIA_CACHE_DIR:-$HOME/.cache/custodia}
M2_REPO=${CUSTODIA_M2_REPO:-$HOME/.m2/repository}
ES_VERSION=${CUSTODIA_ES_VERSION:-8.19.21}
TIKA_VERSION=${CUSTODIA_TIKA_VERSION:-3.3.2}
ES_JAVA_OPTS_DEFAULT=${CUSTODIA_ES_JAVA_OPTS:--Xms512m -Xmx1g}
START_TIMEOUT=${CUSTODIA_START_TIMEOUT:-180}
SERVICE_USER=${CUSTODIA_SERVICE_USER:-custodia-svc}
PG_DB=custodia PG_USER=custodia PG_PASSWORD=custodia

ALL_SERVICES=(postgres elasticsearch tika dovecot smtp)
# Pinned for reproducibility. 2.8 (Maven 3.8's default) on purpose: with
# -Dtransitive=false it fetches just the file, while 3.x also reads the pom's
# parent chain, and Central lacks tika-server-standard 3.3.2's parent pom.
MVN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:2.8

# ------------------------------------------------------------------ helpers

say() { printf '%-14s %s\n' "$1:" "$2"; }
die() { say "$1" "ERROR: $2" >&2; exit 1; }

# Print the last lines of a log file to stderr, indented, for failure reports.
show_log_tail() {
  local log=$1
  if [[ -s $log ]]; then
    echo "    --- last 40 lines of $log ---" >&2
    tail -n 40 "$log" | sed 's/^/    /' >&2
  else
    echo "    (no log at $log)" >&2
  fi
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { if [[ -s $1 ]]; then cat "$1"; fi; }

# The pid in a pid file, if that process is alive and its command line
# matches a pattern: after a reboot the number may belong to someone else.
live_pid() {
  local pid
  pid=$(read_pid "$1")
  pid_alive "$pid" || return 0
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"; then echo "$pid"; fi
}

is_root() { [[ $EUID -eq 0 ]]; }

# Install Debian packages (root only). Services start in parallel, so apt
# runs under a lock; `apt-get update` runs only when something is missing.
apt_install() {
  mkdir -p "$CACHE_DIR"
  (
    flock 7
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  ) 7>"$CACHE_DIR/.apt.lock"
}

# Install a missing command from Debian when we are root; otherwise explain.
ensure_cmd() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  is_root || die setup "'$cmd' not found; install the Debian package '$pkg'"
  say setup "installing $pkg (apt-get)" >&2
  apt_install "$pkg"
  command -v "$cmd" >/dev/null 2>&1 || die setup "'$cmd' still missing after installing $pkg"
}

# PostgreSQL, initdb and Elasticsearch refuse to run as root. As root we run
# them as an unprivileged system user (created once); otherwise as ourselves.
ensure_service_user() {
  is_root || return 0
  id -u "$SERVICE_USER" >/dev/null 2>&1 && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$SERVICE_USER" 2>/dev/null || id -u "$SERVICE_USER" >/dev/null
}

as_service_user() {
  if is_root; then
    setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- "$@"
  else
    "$@"
  fi
}

# State dir of a service run as the service user. It lives under
# $SERVICES_DIR unless that user cannot reach it (e.g. the clone sits under
# /root, mode 700); then under /tmp, in a dir named after $SERVICES_DIR so
# that `down`/`status` find it again. With "create", the dir is made and
# handed to the service user.
user_state_dir() {
  local svc=$1 create=${2:-}
  local primary=$SERVICES_DIR/$svc
  local fallback
  fallback=/tmp/custodia-services-$(printf '%s' "$SERVICES_DIR" | sha256sum | cut -c1-10)/$svc
  if [[ -z $create ]]; then
    if [[ -d $fallback && ! -e $primary/.reachable ]]; then echo "$fallback"; else echo "$primary"; fi
    return 0
  fi
  mkdir -p "$primary"
  if is_root; then
    chown "$SERVICE_USER:" "$primary"
    if ! as_service_user test -w "$primary"; then
      mkdir -p "$fallback"
      chmod 755 "$(dirname "$fallback")"
      chown "$SERVICE_USER:" "$fallback"
      echo "$fallback"
      return 0
    fi
  fi
  touch "$primary/.reachable"
  echo "$primary"
}

# Services run as the invoking user (Tika) keep their state here.
own_state_dir() { mkdir -p "$SERVICES_DIR/$1"; echo "$SERVICES_DIR/$1"; }

java_home() {
  if [[ -n ${CUSTODIA_JAVA_HOME:-} ]]; then echo "$CUSTODIA_JAVA_HOME"; return; fi
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
}

# Start a command detached in its own session (so `down` can signal the whole
# process group: ES = CLI + server JVM, Tika = watchdog + forked parser JVM),
# with stdin/stdout/stderr away from the caller (a pipe that stays open would
# hang whoever reads our output), without our lock file descriptors, and in
# the state dir (JVM crash and heap dump files land in the working dir).
start_detached() {
  local log=$1 pidfile=$2
  shift 2
  (cd "$(dirname "$log")" && exec setsid "$@") </dev/null >>"$log" 2>&1 8>&- 9>&- &
  echo $! >"$pidfile"
}

# Stop a process group started by start_detached: TERM, then KILL after 30s.
stop_group() {
  local pid=$1 i
  pid_alive "$pid" || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  sleep 0.5
}

# Poll `check` until it succeeds; give up after START_TIMEOUT seconds or as
# soon as the process we started has died.
wait_healthy() {
  local svc=$1 pid=$2 log=$3 check=$4
  local deadline=$((SECONDS + START_TIMEOUT))
  until $check; do
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      say "$svc" "FAILED: process exited during start-up" >&2
      show_log_tail "$log"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      say "$svc" "FAILED: not healthy after ${START_TIMEOUT}s" >&2
      show_log_tail "$log"
      return 1
    fi
    sleep 0.5
  done
}

# wait_healthy, and on failure leave nothing half-started behind a failed `up`.
wait_healthy_or_stop() {
  local svc=$1 pid=$2 log=$3 check=$4 dir=$5
  wait_healthy "$svc" "$pid" "$log" "$check" && return 0
  stop_group "$pid"
  rm -f "$dir/pid"
  return 1
}

# Maven runs one at a time: two resolvers writing to the same local repo at
# once can corrupt it. Output goes to a log shown only on failure.
mvn_fetch() {
  local svc=$1
  shift
  mkdir -p "$CACHE_DIR"
  local log=$CACHE_DIR/mvn-$svc.log
  (
    flock 8
    mvn -B -q -Dmaven.repo.local="$M2_REPO" "$@" >"$log" 2>&1
  ) 8>"$CACHE_DIR/.mvn.lock" || {
    say "$svc" "FAILED: Maven could not fetch $*" >&2
    show_log_tail "$log"
    return 1
  }
}

# ---------------------------------------------------------------- postgres

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

pg_ensure_binaries() {
  local dir
  if dir=$(pg_bindir) && [[ -n $dir ]]; then echo "$dir"; return 0; fi
  is_root || die postgres "PostgreSQL server binaries not found; install the Debian package 'postgresql'"
  say postgres "installing postgresql (apt-get)" >&2
  apt_install postgresql
  dir=$(pg_bindir) || die postgres "initdb still not found after installing postgresql"
  echo "$dir"
}

pg_healthy() {
  PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=2 psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" \
    -d "$PG_DB" -tAc 'SELECT 1' >/dev/null 2>&1
}

pg_pid() {
  local data=$1 pid
  [[ -s $data/postmaster.pid ]] || return 0
  pid=$(head -n 1 "$data/postmaster.pid")
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q postgres; then echo "$pid"; fi
}

pg_up() {
  local t0 bin dir data log pid
  t0=$(now)
  bin=$(pg_ensure_binaries)
  ensure_cmd psql postgresql-client
  ensure_service_user
  dir=$(user_state_dir postgres create)
  data=$dir/data log=$dir/postgres.log
  pid=$(pg_pid "$data")
  if pid_alive "$pid" && pg_healthy; then
    say postgres "already running on 127.0.0.1:$PG_PORT (pid $pid)"
    return 0
  fi
  if ! pid_alive "$pid" && port_open "$PG_PORT"; then
    die postgres "port $PG_PORT is in use by a process this script did not start"
  fi
  if [[ ! -s $data/PG_VERSION ]]; then
    rm -rf "$data"
    # --no-sync and trust auth: throw-away test cluster, loopback only.
    as_service_user "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || {
      say postgres "FAILED: initdb" >&2
      show_log_tail "$dir/initdb.log"
      return 1
    }
  fi
  if ! pid_alive "$pid"; then
    # Settings on the command line, not in postgresql.conf, so a changed
    # CUSTODIA_PG_PORT takes effect on an existing data dir. No Unix socket:
    # its path would depend on where the clone is (and has a length limit).
    as_service_user "$bin/pg_ctl" -D "$data" -l "$log" -w -t "$START_TIMEOUT" \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >>"$dir/pg_ctl.log" 2>&1 8>&- 9>&- || {
      say postgres "FAILED: pg_ctl start (not ready within ${START_TIMEOUT}s or exited)" >&2
      show_log_tail "$log"
      pg_stop_quietly "$bin" "$dir"
      return 1
    }
  fi
  if ! pg_ensure_role_and_db "$dir" || ! wait_healthy postgres "$(pg_pid "$data")" "$log" pg_healthy; then
    pg_stop_quietly "$bin" "$dir"
    return 1
  fi
  say postgres "started on 127.0.0.1:$PG_PORT in $(elapsed "$t0") (db/user/password $PG_DB/$PG_USER/$PG_PASSWORD)"
}

pg_stop_quietly() {
  local bin=$1 dir=$2
  as_service_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >>"$dir/pg_ctl.log" 2>&1 || true
}

pg_ensure_role_and_db() {
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

# Stop a service started with a pid file: NAME, its state dir, a pattern its
# command line must match (so a recycled pid is never killed).
stop_by_pidfile() {
  local name=$1 dir=$2 pattern=$3 pid
  pid=$(live_pid "$dir/pid" "$pattern")
  if ! pid_alive "$pid"; then
    rm -f "$dir/pid"
    say "$name" "not running"
    return 0
  fi
  stop_group "$pid"
  rm -f "$dir/pid"
  say "$name" "stopped"
}

pg_down() {
  local dir data pid bin
  dir=$(user_state_dir postgres)
  data=$dir/data
  pid=$(pg_pid "$data")
  if ! pid_alive "$pid"; then
    say postgres "not running"
    return 0
  fi
  bin=$(pg_bindir)
  as_service_user "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >>"$dir/pg_ctl.log" 2>&1 || stop_group "$pid"
  say postgres "stopped"
}

pg_status() {
  local dir pid
  dir=$(user_state_dir postgres)
  pid=$(pg_pid "$dir/data")
  status_line postgres "$pid" "$PG_PORT" pg_healthy
}

# ----------------------------------------------------------- elasticsearch
#
# Elasticsearch 8 from Maven Central: the only full server distribution Elastic
# publishes there is the "integ-test-zip" (the real server with the modules
# transport-netty4, x-pack-core, x-pack-security and apm). The custodia-es-extras
# plugin, compiled here with javac, adds GET/HEAD / (needed by the clients'
# info()/ping()) and a few analysis components; see its source for details.

ES_ZIP_REL=org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip
ES_PROCESS=org.elasticsearch.launcher.CliToolLauncher

es_healthy() {
  curl -fsS --max-time 3 \
    "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

es_fetch() {
  [[ -s $M2_REPO/$ES_ZIP_REL ]] && return 0
  say elasticsearch "fetching Elasticsearch $ES_VERSION from Maven Central" >&2
  mvn_fetch elasticsearch "$MVN_DEPENDENCY_PLUGIN:get" \
    -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" -Dtransitive=false || return 1
  [[ -s $M2_REPO/$ES_ZIP_REL ]] || die elasticsearch "Maven finished but $M2_REPO/$ES_ZIP_REL is missing"
}

# Compile the plugin once per (ES version, source) into the cache.
es_build_plugin() {
  local src=$HELPERS/elasticsearch/custodia-es-extras home=$1
  local hash out
  hash=$( (echo "$ES_VERSION"; cat "$src/plugin-descriptor.properties" "$src"/src/custodia/es/*.java) | sha256sum | cut -c1-12)
  out=$CACHE_DIR/elasticsearch/custodia-es-extras-$ES_VERSION-$hash
  if [[ ! -s $out/custodia-es-extras.jar ]]; then
    local tmp
    tmp=$(mktemp -d "$CACHE_DIR/elasticsearch/.build.XXXXXX")
    "$(java_home)/bin/javac" -nowarn --release 17 -cp "$home/lib/*" -d "$tmp/classes" \
      "$src"/src/custodia/es/*.java >"$tmp/javac.log" 2>&1 || {
      say elasticsearch "FAILED: compiling custodia-es-extras" >&2
      show_log_tail "$tmp/javac.log"
      return 1
    }
    "$(java_home)/bin/jar" cf "$tmp/custodia-es-extras.jar" -C "$tmp/classes" .
    sed "s/@ES_VERSION@/$ES_VERSION/g" "$src/plugin-descriptor.properties" >"$tmp/plugin-descriptor.properties"
    rm -rf "$out" "$tmp/classes" "$tmp/javac.log"
    mv "$tmp" "$out"
  fi
  echo "$out"
}

# The ES home is unpacked into the state dir (not the cache) because the
# service user must read it and the cache is usually under $HOME (/root is
# mode 700). Unpacking takes about a second; a marker makes it once-only.
es_install() {
  local dir=$1 home=$1/home-$ES_VERSION plugin
  mkdir -p "$CACHE_DIR/elasticsearch"
  if [[ ! -f $home/.custodia-unpacked ]]; then
    rm -rf "$home" "$dir/.unpack"
    mkdir -p "$dir/.unpack"
    unzip -q "$M2_REPO/$ES_ZIP_REL" -d "$dir/.unpack"
    mv "$dir/.unpack/elasticsearch-$ES_VERSION" "$home"
    rm -rf "$dir/.unpack"
    touch "$home/.custodia-unpacked"
  fi
  plugin=$(es_build_plugin "$home") || return 1
  if ! cmp -s "$plugin/custodia-es-extras.jar" "$home/plugins/custodia-es-extras/custodia-es-extras.jar"; then
    rm -rf "$home/plugins/custodia-es-extras"
    mkdir -p "$home/plugins/custodia-es-extras"
    cp "$plugin"/custodia-es-extras.jar "$plugin"/plugin-descriptor.properties "$home/plugins/custodia-es-extras/"
  fi
  is_root && chown -R "$SERVICE_USER:" "$home"
  echo "$home"
}

# Config is rewritten on every start (so port overrides apply); the keystore
# that ES creates in the same dir is kept.
es_write_config() {
  local dir=$1 home=$2 conf=$1/config
  mkdir -p "$conf" "$dir/data" "$dir/logs" "$dir/tmp"
  cp -r "$home/config/jvm.options" "$home/config/jvm.options.d" "$home/config/log4j2.properties" "$conf/"
  cat >"$conf/elasticsearch.yml" <<EOF
# Written by scripts/services.sh on every start; edits are lost.
cluster.name: custodia-dev
node.name: custodia-es
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $ES_PORT
# A single node talks to no other: any free port. The default (the first free
# one from 9300) can be the http.port of a second instance on this machine.
transport.port: 0
discovery.type: single-node
xpack.security.enabled: false
# Test machines often have little free disk; never go read-only because of it.
cluster.routing.allocation.disk.threshold_enabled: false
# Let tests delete indices by wildcard.
action.destructive_requires_name: false
EOF
  is_root && chown -R "$SERVICE_USER:" "$conf" "$dir/data" "$dir/logs" "$dir/tmp"
  return 0
}

es_up() {
  local t0 dir home pid log
  t0=$(now)
  ensure_cmd curl curl
  ensure_cmd unzip unzip
  ensure_cmd java default-jdk-headless
  ensure_cmd javac default-jdk-headless
  ensure_cmd mvn maven
  ensure_service_user
  dir=$(user_state_dir elasticsearch create)
  log=$dir/console.log
  pid=$(live_pid "$dir/pid" "$ES_PROCESS")
  if pid_alive "$pid"; then
    if es_healthy; then
      say elasticsearch "already running on http://127.0.0.1:$ES_PORT (pid $pid)"
      return 0
    fi
    # Ours but not (yet) healthy: give it the usual time, then stop it.
  else
    port_open "$ES_PORT" && die elasticsearch "port $ES_PORT is in use by a process this script did not start"
    es_fetch || return 1
    home=$(es_install "$dir") || return 1
    es_write_config "$dir" "$home"
    : >"$log"
    is_root && chown "$SERVICE_USER:" "$log"
    local runas=()
    is_root && runas=(setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups --)
    # bin/elasticsearch execs the ES CLI JVM, which starts the server JVM as
    # its child; both share the session that `down` signals.
    start_detached "$log" "$dir/pid" \
      env -u JAVA_HOME -u JAVA_TOOL_OPTIONS -u _JAVA_OPTIONS HOME="$dir" \
      ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" \
      ES_JAVA_OPTS="$ES_JAVA_OPTS_DEFAULT" \
      "${runas[@]}" "$home/bin/elasticsearch"
    pid=$(read_pid "$dir/pid")
  fi
  wait_healthy_or_stop elasticsearch "$pid" "$log" es_healthy "$dir" || return 1
  say elasticsearch "started on http://127.0.0.1:$ES_PORT in $(elapsed "$t0") (Elasticsearch $ES_VERSION)"
}

es_down() {
  stop_by_pidfile elasticsearch "$(user_state_dir elasticsearch)" "$ES_PROCESS"
}

es_status() {
  local dir
  dir=$(user_state_dir elasticsearch)
  status_line elasticsearch "$(live_pid "$dir/pid" "$ES_PROCESS")" "$ES_PORT" es_healthy
}

# -------------------------------------------------------------------- tika

TIKA_JAR=$CACHE_DIR/tika/tika-server-standard-$TIKA_VERSION.jar
TIKA_PROCESS=tika-server-standard

tika_healthy() {
  curl -fsS --max-time 3 "http://127.0.0.1:$TIKA_PORT/version" 2>/dev/null | grep -q 'Apache Tika'
}

tika_fetch() {
  [[ -s $TIKA_JAR ]] && return 0
  local m2jar=$M2_REPO/org/apache/tika/tika-server-standard/$TIKA_VERSION/tika-server-standard-$TIKA_VERSION.jar
  if [[ ! -s $m2jar ]]; then
    say tika "fetching tika-server-standard $TIKA_VERSION from Maven Central" >&2
    # transitive=false: the server jar is self-contained.
    mvn_fetch tika "$MVN_DEPENDENCY_PLUGIN:get" \
      -Dartifact="org.apache.tika:tika-server-standard:$TIKA_VERSION" -Dtransitive=false || return 1
  fi
  mkdir -p "$CACHE_DIR/tika"
  cp "$m2jar" "$TIKA_JAR.tmp" && mv "$TIKA_JAR.tmp" "$TIKA_JAR"
}

# Tika runs as the invoking user: it needs no privileges and refuses nothing.
tika_up() {
  local t0 dir pid log
  t0=$(now)
  ensure_cmd curl curl
  ensure_cmd java default-jdk-headless
  ensure_cmd mvn maven
  dir=$(own_state_dir tika)
  log=$dir/tika.log
  pid=$(live_pid "$dir/pid" "$TIKA_PROCESS")
  if pid_alive "$pid"; then
    if tika_healthy; then
      say tika "already running on http://127.0.0.1:$TIKA_PORT (pid $pid)"
      return 0
    fi
  else
    port_open "$TIKA_PORT" && die tika "port $TIKA_PORT is in use by a process this script did not start"
    tika_fetch || return 1
    : >"$log"
    # PATH: the watchdog starts the forked parser JVM as plain `java`.
    start_detached "$log" "$dir/pid" \
      env PATH="$(java_home)/bin:$PATH" java -Xmx128m -Djava.io.tmpdir="$dir" -jar "$TIKA_JAR" \
      --host 127.0.0.1 --port "$TIKA_PORT" -c "$HELPERS/tika/tika-config.xml"
    pid=$(read_pid "$dir/pid")
  fi
  wait_healthy_or_stop tika "$pid" "$log" tika_healthy "$dir" || return 1
  say tika "started on http://127.0.0.1:$TIKA_PORT in $(elapsed "$t0") (Apache Tika $TIKA_VERSION)"
}

tika_down() {
  stop_by_pidfile tika "$SERVICES_DIR/tika" "$TIKA_PROCESS"
}

tika_status() {
  status_line tika "$(live_pid "$SERVICES_DIR/tika/pid" "$TIKA_PROCESS")" "$TIKA_PORT" tika_healthy
}

# ----------------------------------------------------------------- dovecot
#
# A private Dovecot (Debian's dovecot-imapd and dovecot-lmtpd), never the
# system one: /etc/dovecot and the init system are left alone. Its config is
# generated into the state dir with every path there too (sockets, state, logs,
# mail), and it runs "rootless": every Dovecot process as one unprivileged user
# (the service user as root, else ourselves), no chroots. IMAP without TLS on
# 127.0.0.1:$IMAP_PORT (cleartext login allowed), LMTP on 127.0.0.1:$LMTP_PORT
# (the smtp service delivers @$MAIL_DOMAIN mail through it). Users come from a
# passwd-file rewritten on every start; mail is Maildir under <state>/mail/<user>.

DOVECOT_LIBEXEC=/usr/lib/dovecot

dovecot_bin() {
  local bin
  bin=$(command -v dovecot 2>/dev/null) || bin=/usr/sbin/dovecot # /usr/sbin: not on a user's PATH
  if [[ -x $bin ]]; then echo "$bin"; fi
}

dovecot_ensure() {
  local bin
  bin=$(dovecot_bin)
  if [[ -n $bin && -x $DOVECOT_LIBEXEC/imap && -x $DOVECOT_LIBEXEC/lmtp ]]; then
    echo "$bin"
    return 0
  fi
  is_root || die dovecot "Dovecot not found; install the Debian packages 'dovecot-imapd dovecot-lmtpd'"
  say dovecot "installing dovecot-imapd dovecot-lmtpd (apt-get)" >&2
  apt_install dovecot-imapd dovecot-lmtpd
  bin=$(dovecot_bin)
  [[ -n $bin && -x $DOVECOT_LIBEXEC/lmtp ]] || die dovecot "still missing after installing dovecot-imapd dovecot-lmtpd"
  echo "$bin"
}

dovecot_version() { "$1" --version 2>/dev/null | awk '{ print $1; exit }'; }

# 2.4 rewrote the configuration syntax (dovecot_config_version, mail_driver,
# named passdb/userdb blocks, %{user} variables, auth_allow_cleartext).
dovecot_is_24() { printf '2.4\n%s\n' "$1" | sort -V -C; }

dovecot_user() { if is_root; then echo "$SERVICE_USER"; else id -un; fi; }

# Dovecot's sockets live in base_dir, and a Unix socket path is limited to 107
# bytes: if the state dir's path is long, base_dir goes to a short dir in /tmp.
dovecot_base_dir() {
  local dir=$1 base owner
  if ((${#dir} <= 70)); then
    echo "$dir/run"
    return 0
  fi
  # Dovecot makes base_dir 0755 (some sockets in it are 0666): the parent is 0700.
  base=/tmp/custodia-dovecot-$(printf '%s' "$dir" | sha256sum | cut -c1-10)
  mkdir -m 700 "$base" 2>/dev/null || true
  owner=$(stat -c %U "$base" 2>/dev/null || true)
  if [[ -L $base || ! -d $base || ($owner != "$(dovecot_user)" && $owner != "$(id -un)") ]]; then
    die dovecot "$base exists but is not a directory of ours"
  fi
  is_root && chown "$SERVICE_USER:" "$base"
  chmod 700 "$base"
  echo "$base/run"
}

# The config, rewritten on every start (so port and user overrides apply).
dovecot_write_config() {
  local dir=$1 version=$2 base=$3
  local conf=$dir/dovecot.conf user uid gid group u
  user=$(dovecot_user)
  uid=$(id -u "$user") gid=$(id -g "$user") group=$(id -gn "$user")
  [[ $IMAP_PASSWORD != *[:[:space:]]* ]] || die dovecot "CUSTODIA_IMAP_PASSWORD must not contain ':' or spaces"
  {
    echo "# Written by scripts/services.sh on every start; edits are lost."
    for u in $IMAP_USERS; do
      [[ $u =~ ^[a-z0-9][a-z0-9._-]*$ ]] || die dovecot "bad user name '$u' in CUSTODIA_IMAP_USERS (want lower-case [a-z0-9._-])"
      # user:password:uid:gid:gecos:home:shell:extra; empty uid/gid = mail_uid/gid.
      printf '%s:{PLAIN}%s::::::\n' "$u" "$IMAP_PASSWORD"
    done
  } >"$dir/users.tmp"
  mv "$dir/users.tmp" "$dir/users"
  if dovecot_is_24 "$version"; then
    cat >"$conf.tmp" <<EOF
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
# Written by scripts/services.sh on every start; edits are lost.
# A private test instance of Dovecot $version: rootless, loopback only, no TLS.
instance_name = custodia-dovecot
base_dir = $base
state_dir = $dir/lib
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
auth_allow_cleartext = yes
auth_mechanisms = plain login
# Logins are case-insensitive and may carry a domain (allen-p@$MAIL_DOMAIN).
auth_username_format = %{user | username | lower}
auth_failure_delay = 0
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
mail_home = $dir/home/%{user}
mail_driver = maildir
mail_path = $dir/mail/%{user}
# Layout fs: "/" separates folders and "." is allowed in names ("Holds/2024.01").
mailbox_list_layout = fs
mail_fsync = never
mail_max_userip_connections = 100
namespace inbox {
  inbox = yes
  separator = /
}
passdb passwd-file {
  passwd_file_path = $dir/users
}
userdb passwd-file {
  passwd_file_path = $dir/users
}
EOF
  else
    cat >"$conf.tmp" <<EOF
# Written by scripts/services.sh on every start; edits are lost.
# A private test instance of Dovecot $version: rootless, loopback only, no TLS.
instance_name = custodia-dovecot
base_dir = $base
state_dir = $dir/lib
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap lmtp
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Logins are case-insensitive and may carry a domain (allen-p@$MAIL_DOMAIN).
auth_username_format = %Ln
auth_failure_delay = 0
default_internal_user = $user
default_internal_group = $group
default_login_user = $user
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
mail_home = $dir/home/%Ln
# LAYOUT=fs: "/" separates folders and "." is allowed in names ("Holds/2024.01").
mail_location = maildir:$dir/mail/%Ln:LAYOUT=fs
mail_fsync = never
mail_max_userip_connections = 100
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = username_format=%Ln $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%Ln $dir/users
}
EOF
  fi
  # Rootless: no chroot for the login and anvil processes.
  cat >>"$conf.tmp" <<EOF
service imap-login {
  chroot =
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    port = $LMTP_PORT
  }
}
service anvil {
  chroot =
}
EOF
  mv "$conf.tmp" "$conf"
  mkdir -p "$dir/lib" "$dir/mail" "$dir/home" "$base"
  if is_root; then
    chown "$user:" "$conf" "$dir/users" "$dir/lib" "$dir/mail" "$dir/home" "$base"
  fi
  chmod 600 "$dir/users"
}

# True when a server on 127.0.0.1:PORT greets with a line that starts with
# WANT; then says BYE and reads the answer (so neither side sees a reset).
greets() {
  local port=$1 want=$2 bye=$3
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    IFS= read -r -t 3 line <&3 || exit 1
    printf '%s\r\n' "$bye" >&3
    IFS= read -r -t 3 _ <&3 || true
    [[ $line == "$want"* ]]
  ) 2>/dev/null
}

dovecot_healthy() { greets "$IMAP_PORT" '* OK' 'a LOGOUT' && greets "$LMTP_PORT" '220 ' 'QUIT'; }

dovecot_process() { echo "dovecot -F -c $1/dovecot.conf"; }

dovecot_up() {
  local t0 bin version dir conf log pid base port
  t0=$(now)
  bin=$(dovecot_ensure)
  version=$(dovecot_version "$bin")
  ensure_service_user
  dir=$(user_state_dir dovecot create)
  [[ $dir != *[[:space:]%]* ]] || die dovecot "its state dir must not contain spaces or '%': $dir"
  chmod 700 "$dir" # its sockets and the users file are for its own user only
  conf=$dir/dovecot.conf log=$dir/dovecot.log
  pid=$(live_pid "$dir/pid" "$(dovecot_process "$dir")")
  if pid_alive "$pid"; then
    if dovecot_healthy; then
      say dovecot "already running: IMAP on 127.0.0.1:$IMAP_PORT, LMTP on 127.0.0.1:$LMTP_PORT (pid $pid)"
      return 0
    fi
  else
    for port in "$IMAP_PORT" "$LMTP_PORT"; do
      port_open "$port" && die dovecot "port $port is in use by a process this script did not start"
    done
    base=$(dovecot_base_dir "$dir")
    dovecot_write_config "$dir" "$version" "$base"
    # A master.pid left by a crash stops Dovecot if its number was reused.
    rm -f "$base/master.pid"
    : >"$log"
    is_root && chown "$SERVICE_USER:" "$log"
    local runas=()
    is_root && runas=(setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups --)
    # -F: the master stays in the foreground, so the pid file is its pid and
    # its children (login, imap, lmtp, auth...) share the session `down` signals.
    start_detached "$log" "$dir/pid" "${runas[@]}" "$bin" -F -c "$conf"
    pid=$(read_pid "$dir/pid")
  fi
  wait_healthy_or_stop dovecot "$pid" "$log" dovecot_healthy "$dir" || return 1
  say dovecot "started: IMAP on 127.0.0.1:$IMAP_PORT, LMTP on 127.0.0.1:$LMTP_PORT in $(elapsed "$t0") (Dovecot $version; users ${IMAP_USERS// /, }; password $IMAP_PASSWORD)"
}

dovecot_down() {
  local dir
  dir=$(user_state_dir dovecot)
  stop_by_pidfile dovecot "$dir" "$(dovecot_process "$dir")"
}

dovecot_status() {
  local dir
  dir=$(user_state_dir dovecot)
  status_line dovecot "$(live_pid "$dir/pid" "$(dovecot_process "$dir")")" "$IMAP_PORT" dovecot_healthy
}

# -------------------------------------------------------------------- smtp
#
# A real SMTP server (aiosmtpd, scripts/services/smtp_sink.py) run by the repo's
# .venv as the invoking user. It keeps every message it accepts as
# <state>/outbox/<id>.eml (+ <id>.json, the envelope), and also delivers
# recipients @$MAIL_DOMAIN to the dovecot service over LMTP, so a test can send
# by SMTP and read by IMAP. AUTH PLAIN/LOGIN (optional) takes custodia/custodia.

SMTP_PROCESS=smtp_sink.py
VENV_PYTHON=$REPO_ROOT/.venv/bin/python
AIOSMTPD_REQUIREMENT='aiosmtpd>=1.4.6,<2'

smtp_healthy() { greets "$SMTP_PORT" '220 ' 'QUIT'; }

smtp_ensure_venv() {
  local dir=$1
  if [[ ! -x $VENV_PYTHON ]]; then
    [[ -e $VENV_PYTHON ]] && die smtp "$VENV_PYTHON is not executable by $(id -un)"
    die smtp "no virtualenv at $REPO_ROOT/.venv; create it first: python3 -m venv .venv && .venv/bin/pip install -e '.[test]' (scripts/test.sh does this)"
  fi
  "$VENV_PYTHON" -c 'import aiosmtpd' 2>/dev/null && return 0
  say smtp "installing $AIOSMTPD_REQUIREMENT into .venv (pip)" >&2
  (
    flock 7
    "$VENV_PYTHON" -m pip install --quiet --disable-pip-version-check "$AIOSMTPD_REQUIREMENT"
  ) 7>"$SERVICES_DIR/.pip.lock" >"$dir/pip.log" 2>&1 || {
    say smtp "FAILED: pip install $AIOSMTPD_REQUIREMENT" >&2
    show_log_tail "$dir/pip.log"
    return 1
  }
}

smtp_up() {
  local t0 dir log pid
  t0=$(now)
  dir=$(own_state_dir smtp)
  log=$dir/smtp.log
  pid=$(live_pid "$dir/pid" "$SMTP_PROCESS")
  if pid_alive "$pid"; then
    if smtp_healthy; then
      say smtp "already running on 127.0.0.1:$SMTP_PORT (pid $pid); outbox $dir/outbox"
      return 0
    fi
  else
    port_open "$SMTP_PORT" && die smtp "port $SMTP_PORT is in use by a process this script did not start"
    smtp_ensure_venv "$dir" || return 1
    mkdir -p "$dir/outbox"
    : >"$log"
    start_detached "$log" "$dir/pid" "$VENV_PYTHON" -u "$HELPERS/$SMTP_PROCESS" \
      --host 127.0.0.1 --port "$SMTP_PORT" --outbox "$dir/outbox" \
      --lmtp "127.0.0.1:$LMTP_PORT" --local-domain "$MAIL_DOMAIN"
    pid=$(read_pid "$dir/pid")
  fi
  wait_healthy_or_stop smtp "$pid" "$log" smtp_healthy "$dir" || return 1
  say smtp "started on 127.0.0.1:$SMTP_PORT in $(elapsed "$t0") (aiosmtpd; outbox $dir/outbox; @$MAIL_DOMAIN also to Dovecot)"
}

smtp_down() {
  stop_by_pidfile smtp "$SERVICES_DIR/smtp" "$SMTP_PROCESS"
}

smtp_status() {
  status_line smtp "$(live_pid "$SERVICES_DIR/smtp/pid" "$SMTP_PROCESS")" "$SMTP_PORT" smtp_healthy
}

# ---------------------------------------------------------------- commands

status_line() {
  local svc=$1 pid=$2 port=$3 check=$4
  if pid_alive "$pid"; then
    if $check; then
      say "$svc" "running on 127.0.0.1:$port (pid $pid)"
      return 0
    fi
    say "$svc" "started (pid $pid) but not healthy on 127.0.0.1:$port"
    return 1
  fi
  if port_open "$port"; then
    say "$svc" "stopped, but port $port is in use by another process"
  else
    say "$svc" "stopped"
  fi
  return 1
}

# Run one service's `up` under a per-service lock, so two concurrent `up`s
# (say, parallel test workers) do not both start it.
up_one() {
  local svc=$1
  mkdir -p "$SERVICES_DIR"
  (
    flock 9
    case $svc in
      postgres) pg_up ;;
      elasticsearch) es_up ;;
      tika) tika_up ;;
      dovecot) dovecot_up ;;
      smtp) smtp_up ;;
    esac
  ) 9>"$SERVICES_DIR/.$svc.lock"
}

cmd_up() {
  local svcs=("$@") pids=() rc=0 i
  if ((${#svcs[@]} == 1)); then
    up_one "${svcs[0]}"
    return
  fi
  # Several services start in parallel: cold, ES and Tika downloads overlap
  # with PostgreSQL's start-up; warm, the JVMs start side by side.
  for i in "${!svcs[@]}"; do
    up_one "${svcs[$i]}" &
    pids[i]=$!
  done
  for i in "${!svcs[@]}"; do
    wait "${pids[$i]}" || rc=1
  done
  return $rc
}

cmd_down() {
  local svc
  for svc in "$@"; do
    case $svc in
      postgres) pg_down ;;
      elasticsearch) es_down ;;
      tika) tika_down ;;
      dovecot) dovecot_down ;;
      smtp) smtp_down ;;
    esac
  done
}

cmd_status() {
  local svc rc=0
  for svc in "$@"; do
    case $svc in
      postgres) pg_status || rc=3 ;;
      elasticsearch) es_status || rc=3 ;;
      tika) tika_status || rc=3 ;;
      dovecot) dovecot_status || rc=3 ;;
      smtp) smtp_status || rc=3 ;;
    esac
  done
  return $rc
}

# Print the comment block at the top of this file.
usage() {
  sed -n '2,/^[^#]/{/^#/p}' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

main() {
  (($# >= 1)) || usage
  local cmd=$1
  shift
  local svcs=()
  if (($# == 0)); then set -- all; fi
  local arg
  for arg in "$@"; do
    case $arg in
      all) svcs+=("${ALL_SERVICES[@]}") ;;
      postgres | elasticsearch | tika | dovecot | smtp) svcs+=("$arg") ;;
      imap) svcs+=(dovecot) ;;
      pg | postgresql) svcs+=(postgres) ;;
      es) svcs+=(elasticsearch) ;;
      *) echo "unknown service: $arg" >&2; usage ;;
    esac
  done
  case $cmd in
    up) cmd_up "${svcs[@]}" ;;
    down) cmd_down "${svcs[@]}" ;;
    status) cmd_status "${svcs[@]}" ;;
    -h | --help | help) usage 0 ;;
    *) echo "unknown command: $cmd" >&2; usage ;;
  esac
}

main "$@"

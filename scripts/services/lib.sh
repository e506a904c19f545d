# What every service in scripts/services/ shares: settings, logging, pids and
# ports, state dirs, Debian and Maven fetches, and the one shape of `up`,
# `down` and `status`. Sourced by scripts/services.sh (and for its installs
# by scripts/install-chromium.sh and scripts/install-tools.sh), never run.
#
# Each service file (postgres.sh, elasticsearch.sh, tika.sh, dovecot.sh,
# smtp.sh) defines, for its service NAME:
#   NAME_up, NAME_down, NAME_status  what `scripts/services.sh CMD NAME` runs; each
#                                    is a call to service_up, service_down or
#                                    service_status below, after any installs
#   NAME_pid DIR                     the pid of our instance if it runs, else nothing
#   NAME_healthy                     true when it answers on its port(s)
#   NAME_start DIR                   fetch, configure and start it in the background
# and where the default does not fit:
#   NAME_stop DIR PID                stop it (default: the process group, pid file removed)
#   NAME_provision DIR               once it runs, create what clients expect (a database)
# DIR is the service's state dir: data, config, logs and its pid file.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HELPERS=$REPO_ROOT/scripts/services
SERVICES_DIR=${CUSTODIA_SERVICES_DIR:-$REPO_ROOT/.services}
CACHE_DIR=${CUSTODIA_CACHE_DIR:-$HOME/.cache/custodia}
M2_REPO=${CUSTODIA_M2_REPO:-$HOME/.m2/repository}
START_TIMEOUT=${CUSTODIA_START_TIMEOUT:-180}
SERVICE_USER=${CUSTODIA_SERVICE_USER:-custodia-svc}
# Pinned for reproducibility. 2.8 (Maven 3.8's default) on purpose: with
# -Dtransitive=false it fetches just the file, while 3.x also reads the pom's
# parent chain, and Central lacks tika-server-standard 3.3.2's parent pom.
MVN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:2.8

# ------------------------------------------------------------------ output

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

# ---------------------------------------------------------- pids and ports

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

# ------------------------------------------------------ users and state dirs

is_root() { [[ $EUID -eq 0 ]]; }

# PostgreSQL, initdb and Elasticsearch refuse to run as root. As root we run
# them (and Dovecot) as an unprivileged system user; otherwise as ourselves.
AS_SERVICE_USER=()
if is_root; then AS_SERVICE_USER=(setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups --); fi

as_service_user() { "${AS_SERVICE_USER[@]}" "$@"; }

ensure_service_user() {
  is_root || return 0
  id -u "$SERVICE_USER" >/dev/null 2>&1 && return 0
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$SERVICE_USER" 2>/dev/null || id -u "$SERVICE_USER" >/dev/null
}

# chown [-R] to the service user, when there is one (as root).
chown_service_user() {
  is_root || return 0
  local recursive=()
  if [[ $1 == -R ]]; then recursive=(-R); shift; fi
  chown "${recursive[@]}" "$SERVICE_USER:" "$@"
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
  ensure_service_user
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

# State dir of a service run as the invoking user (Tika, SMTP).
own_state_dir() {
  if [[ -n ${2:-} ]]; then mkdir -p "$SERVICES_DIR/$1"; fi
  echo "$SERVICES_DIR/$1"
}

# ---------------------------------------------------------------- installs

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

# When CHECK... fails, install the Debian packages PKGS if we are root (else
# explain) and check again. WHAT names what CHECK looks for.
ensure_installed() {
  local svc=$1 what=$2 pkgs=$3 noun=package
  shift 3
  "$@" >/dev/null 2>&1 && return 0
  if [[ $pkgs == *' '* ]]; then noun=packages; fi
  is_root || die "$svc" "$what not found; install the Debian $noun '$pkgs'"
  say "$svc" "installing $pkgs (apt-get)" >&2
  # shellcheck disable=SC2086 # PKGS is a list of package names
  apt_install $pkgs
  "$@" >/dev/null 2>&1 || die "$svc" "$what still missing after installing $pkgs"
}

ensure_cmd() { ensure_installed setup "'$1'" "$2" command -v "$1"; }

java_home() {
  if [[ -n ${CUSTODIA_JAVA_HOME:-} ]]; then echo "$CUSTODIA_JAVA_HOME"; return; fi
  dirname "$(dirname "$(readlink -f "$(command -v java)")")"
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

# Print the path in the local Maven repository of GROUP:ARTIFACT:VERSION[:TYPE]
# (type jar by default), fetched from Maven Central first if it is not there.
maven_artifact() {
  local svc=$1 what=$2 coordinates=$3 group artifact version type path
  IFS=: read -r group artifact version type <<<"$coordinates"
  type=${type:-jar}
  path=$M2_REPO/${group//.//}/$artifact/$version/$artifact-$version.$type
  if [[ ! -s $path ]]; then
    say "$svc" "fetching $what from Maven Central" >&2
    # transitive=false: only the file itself, no dependencies.
    mvn_fetch "$svc" "$MVN_DEPENDENCY_PLUGIN:get" -Dartifact="$coordinates" -Dtransitive=false || return 1
    [[ -s $path ]] || die "$svc" "Maven finished but $path is missing"
  fi
  echo "$path"
}

# ------------------------------------------------- starting and stopping

# Start a command detached in its own session (so `down` can signal the whole
# process group: ES = CLI + server JVM, Tika = watchdog + forked parser JVM),
# with stdin/stdout/stderr away from the caller (a pipe that stays open would
# hang whoever reads our output), without our lock file descriptors, and in
# the state dir (JVM crash and heap dump files land in the working dir). The
# log starts empty and belongs to whoever owns the state dir.
start_detached() {
  local log=$1 pidfile=$2
  shift 2
  : >"$log"
  chown --reference="$(dirname "$log")" "$log"
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

service_provision() {
  if declare -F "${1}_provision" >/dev/null; then "${1}_provision" "$2"; fi
}

service_stop() {
  local svc=$1 dir=$2 pid=$3
  if declare -F "${svc}_stop" >/dev/null; then
    "${svc}_stop" "$dir" "$pid"
  else
    stop_group "$pid"
    rm -f "$dir/pid"
  fi
}

# --------------------------------------------------- up, down and status

# `up` of service SVC, with state dir DIR and start-up output in LOG. PORTS
# (space-separated) are where it listens; WHERE says how it is reached, after
# "running" (" on 127.0.0.1:5432"); DETAIL says what started; NOTE follows the
# "already running" line. Idempotent: our instance, if it answers, is left
# alone. On failure it prints the log's tail, leaves nothing half-started
# behind and returns 1. UP_SINCE is when this `up` began (services.sh).
service_up() {
  local svc=$1 dir=$2 log=$3 ports=$4 where=$5 detail=$6 note=${7:-} pid port
  pid=$("${svc}_pid" "$dir")
  if pid_alive "$pid" && "${svc}_healthy"; then
    say "$svc" "already running$where (pid $pid)$note"
    return 0
  fi
  if ! pid_alive "$pid"; then
    for port in $ports; do
      ! port_open "$port" || die "$svc" "port $port is in use by a process this script did not start"
    done
    "${svc}_start" "$dir"
    pid=$("${svc}_pid" "$dir")
  fi
  # Just started, or ours but not (yet) healthy: give it the usual time, then stop it.
  if ! service_provision "$svc" "$dir" || ! wait_healthy "$svc" "$pid" "$log" "${svc}_healthy"; then
    service_stop "$svc" "$dir" "$pid"
    return 1
  fi
  say "$svc" "started$where in $(elapsed "$UP_SINCE") ($detail)"
}

# `down`: stop only what `up` started (so a recycled pid is never killed).
service_down() {
  local svc=$1 dir=$2 pid
  pid=$("${svc}_pid" "$dir")
  if ! pid_alive "$pid"; then
    rm -f "$dir/pid"
    say "$svc" "not running"
    return 0
  fi
  service_stop "$svc" "$dir" "$pid"
  say "$svc" "stopped"
}

# `status`: 0 when our instance runs and answers on PORT, else 1.
service_status() {
  local svc=$1 dir=$2 port=$3 pid
  pid=$("${svc}_pid" "$dir")
  if pid_alive "$pid"; then
    if "${svc}_healthy"; then
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

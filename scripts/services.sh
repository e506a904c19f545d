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
#   CUSTODIA_ES_CLUSTER [custodia-dev]  CUSTODIA_ES_NODE [custodia-es]
#   CUSTODIA_ES_TRANSPORT_PORT [0: any]  CUSTODIA_ES_SEED_HOSTS [empty: single node]
#   CUSTODIA_ES_INITIAL_MASTER  CUSTODIA_ES_ROLES   a node of a cluster (elasticsearch.sh)
#   CUSTODIA_START_TIMEOUT [180]
#   CUSTODIA_SERVICE_USER [custodia-svc]  unprivileged user for PostgreSQL,
#                                         Elasticsearch and Dovecot when run as root
#   CUSTODIA_JAVA_HOME [from `java` on PATH]
#
# One file per service in scripts/services/ says how it is fetched and run
# (postgres.sh, elasticsearch.sh, tika.sh, dovecot.sh, smtp.sh); lib.sh holds
# what they share.
set -euo pipefail

SERVICES=(postgres elasticsearch tika dovecot smtp)
# shellcheck source-path=SCRIPTDIR source=services/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/services/lib.sh"
for svc in "${SERVICES[@]}"; do
  # shellcheck source=/dev/null
  source "$HELPERS/$svc.sh"
done

# Run one service's `up` under a per-service lock, so two concurrent `up`s
# (say, parallel test workers) do not both start it.
up_one() {
  local svc=$1
  mkdir -p "$SERVICES_DIR"
  (
    flock 9
    UP_SINCE=$(now)
    "${svc}_up"
  ) 9>"$SERVICES_DIR/.$svc.lock"
}

cmd_up() {
  local svcs=("$@") pids=() rc=0 i
  if ((${#svcs[@]} == 1)); then
    up_one "${svcs[0]}"
    return
  fi
  # The service user first, once: created by parallel starts it raced with the
  # package installs, and a state dir was handed to a uid that no longer existed.
  ensure_service_user
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
  for svc in "$@"; do "${svc}_down"; done
}

cmd_status() {
  local svc rc=0
  for svc in "$@"; do "${svc}_status" || rc=3; done
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
      all) svcs+=("${SERVICES[@]}") ;;
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

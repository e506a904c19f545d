# Apache Tika server (tika-server-standard from Maven Central) on
# http://127.0.0.1:$TIKA_PORT, forked mode (tika/tika-config.xml). It runs as
# the invoking user: it needs no privileges and refuses nothing.
# Sourced by scripts/services.sh; the shape is in lib.sh.

TIKA_PORT=${CUSTODIA_TIKA_PORT:-9998}
TIKA_VERSION=${CUSTODIA_TIKA_VERSION:-3.3.2}
TIKA_JAR=$CACHE_DIR/tika/tika-server-standard-$TIKA_VERSION.jar
TIKA_PROCESS=tika-server-standard

tika_healthy() {
  curl -fsS --max-time 3 "http://127.0.0.1:$TIKA_PORT/version" 2>/dev/null | grep -q 'Apache Tika'
}

tika_pid() { live_pid "$1/pid" "$TIKA_PROCESS"; }

tika_start() {
  local dir=$1 jar
  if [[ ! -s $TIKA_JAR ]]; then
    jar=$(maven_artifact tika "tika-server-standard $TIKA_VERSION" \
      "org.apache.tika:tika-server-standard:$TIKA_VERSION") || return 1
    mkdir -p "$CACHE_DIR/tika"
    cp "$jar" "$TIKA_JAR.tmp" && mv "$TIKA_JAR.tmp" "$TIKA_JAR"
  fi
  # PATH: the watchdog starts the forked parser JVM as plain `java`.
  start_detached "$dir/tika.log" "$dir/pid" \
    env PATH="$(java_home)/bin:$PATH" java -Xmx128m -Djava.io.tmpdir="$dir" -jar "$TIKA_JAR" \
    --host 127.0.0.1 --port "$TIKA_PORT" -c "$HELPERS/tika/tika-config.xml"
}

tika_up() {
  ensure_cmd curl curl
  ensure_cmd java default-jdk-headless
  ensure_cmd mvn maven
  local dir
  dir=$(own_state_dir tika create)
  service_up tika "$dir" "$dir/tika.log" "$TIKA_PORT" " on http://127.0.0.1:$TIKA_PORT" \
    "Apache Tika $TIKA_VERSION"
}

tika_down() { service_down tika "$(own_state_dir tika)"; }

tika_status() { service_status tika "$(own_state_dir tika)" "$TIKA_PORT"; }

# Elasticsearch 8 on http://127.0.0.1:$ES_PORT: single node, security off.
# Sourced by scripts/services.sh; the shape is in lib.sh.
#
# The only full server distribution Elastic publishes on Maven Central is the
# "integ-test-zip" (the real server with the modules transport-netty4,
# x-pack-core, x-pack-security and apm). The custodia-es-extras plugin beside
# this file, compiled here with javac, adds GET/HEAD / (needed by the clients'
# info()/ping()), the english analyzer, the whitespace tokenizer and the
# asciifolding and html_strip filters; see its source for details.

ES_PORT=${CUSTODIA_ES_PORT:-9201}
ES_VERSION=${CUSTODIA_ES_VERSION:-8.19.21}
ES_JAVA_OPTS_DEFAULT=${CUSTODIA_ES_JAVA_OPTS:--Xms512m -Xmx1g}
ES_PROCESS=org.elasticsearch.launcher.CliToolLauncher
# A node of a cluster (tests of fail-over) instead of a single node: its name, its
# transport port, and the transport addresses of the nodes it joins. Empty
# CUSTODIA_ES_SEED_HOSTS: a single node. The first node of a cluster names itself
# in CUSTODIA_ES_INITIAL_MASTER; CUSTODIA_ES_ROLES restricts a node (say, "data").
ES_CLUSTER=${CUSTODIA_ES_CLUSTER:-custodia-dev}
ES_NODE=${CUSTODIA_ES_NODE:-custodia-es}
ES_TRANSPORT_PORT=${CUSTODIA_ES_TRANSPORT_PORT:-0}
ES_SEED_HOSTS=${CUSTODIA_ES_SEED_HOSTS:-}
ES_INITIAL_MASTER=${CUSTODIA_ES_INITIAL_MASTER:-}
ES_ROLES=${CUSTODIA_ES_ROLES:-}

elasticsearch_healthy() {
  curl -fsS --max-time 3 \
    "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1
}

elasticsearch_pid() { live_pid "$1/pid" "$ES_PROCESS"; }

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

# The ES home is unpacked from ZIP into the state dir (not the cache) because
# the service user must read it and the cache is usually under $HOME (/root is
# mode 700). Unpacking takes about a second; a marker makes it once-only.
es_install() {
  local dir=$1 zip=$2 home=$1/home-$ES_VERSION plugin
  mkdir -p "$CACHE_DIR/elasticsearch"
  if [[ ! -f $home/.custodia-unpacked ]]; then
    rm -rf "$home" "$dir/.unpack"
    mkdir -p "$dir/.unpack"
    unzip -q "$zip" -d "$dir/.unpack"
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
  chown_service_user -R "$home"
  echo "$home"
}

# Config is rewritten on every start (so port overrides apply); the keystore
# that ES creates in the same dir is kept.
es_write_config() {
  local dir=$1 home=$2 conf=$1/config
  mkdir -p "$conf" "$dir/data" "$dir/logs" "$dir/tmp"
  cp -r "$home/config/jvm.options" "$home/config/jvm.options.d" "$home/config/log4j2.properties" "$conf/"
  cat >"$conf/elasticsearch.yml" <<EOF
# Written by scripts/services/elasticsearch.sh on every start; edits are lost.
cluster.name: $ES_CLUSTER
node.name: $ES_NODE
path.data: $dir/data
path.logs: $dir/logs
network.host: 127.0.0.1
http.port: $ES_PORT
# Any free port unless set. The default (the first free one from 9300) can be the
# http.port of a second instance on this machine.
transport.port: $ES_TRANSPORT_PORT
$(es_discovery)
xpack.security.enabled: false
# Test machines often have little free disk; never go read-only because of it.
cluster.routing.allocation.disk.threshold_enabled: false
# Let tests delete indices by wildcard.
action.destructive_requires_name: false
EOF
  chown_service_user -R "$conf" "$dir/data" "$dir/logs" "$dir/tmp"
}

es_discovery() {
  if [[ -z $ES_SEED_HOSTS ]]; then
    echo "discovery.type: single-node"
    return
  fi
  echo "discovery.seed_hosts: [$ES_SEED_HOSTS]"
  [[ -z $ES_INITIAL_MASTER ]] || echo "cluster.initial_master_nodes: [$ES_INITIAL_MASTER]"
  [[ -z $ES_ROLES ]] || echo "node.roles: [$ES_ROLES]"
}

elasticsearch_start() {
  local dir=$1 zip home
  zip=$(maven_artifact elasticsearch "Elasticsearch $ES_VERSION" \
    "org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip") || return 1
  home=$(es_install "$dir" "$zip") || return 1
  es_write_config "$dir" "$home"
  # bin/elasticsearch execs the ES CLI JVM, which starts the server JVM as
  # its child; both share the session that `down` signals.
  start_detached "$dir/console.log" "$dir/pid" \
    env -u JAVA_HOME -u JAVA_TOOL_OPTIONS -u _JAVA_OPTIONS HOME="$dir" \
    ES_JAVA_HOME="$(java_home)" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" \
    ES_JAVA_OPTS="$ES_JAVA_OPTS_DEFAULT" \
    "${AS_SERVICE_USER[@]}" "$home/bin/elasticsearch"
}

elasticsearch_up() {
  ensure_cmd curl curl
  ensure_cmd unzip unzip
  ensure_cmd java default-jdk-headless
  ensure_cmd javac default-jdk-headless
  ensure_cmd mvn maven
  local dir
  dir=$(user_state_dir elasticsearch create)
  service_up elasticsearch "$dir" "$dir/console.log" "$ES_PORT" " on http://127.0.0.1:$ES_PORT" \
    "Elasticsearch $ES_VERSION"
}

elasticsearch_down() { service_down elasticsearch "$(user_state_dir elasticsearch)"; }

elasticsearch_status() { service_status elasticsearch "$(user_state_dir elasticsearch)" "$ES_PORT"; }

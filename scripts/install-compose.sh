#!/usr/bin/env bash
# Install the Docker Compose CLI plugin so that `docker compose ...` works.
#
# Why it is built from source: machines of this project's kind ship only the
# docker CLI client (no engine, no `compose` subcommand) and can reach package
# registries only. Debian bookworm has no `docker-compose-plugin` /
# `docker-compose-v2` package; its `docker-compose` (1.29.2) is the old Python
# v1 tool, a standalone `docker-compose` command that is not a CLI plugin and
# has no `config --format json`. Compose v2+ is a Go module, so it is built
# with `go build` from its source on the Go module proxy (`go install
# ...@version` refuses it: its go.mod has `exclude` directives) and installed
# as a docker CLI plugin in ${DOCKER_CONFIG:-~/.docker}/cli-plugins/.
#
# Idempotent:
#   * does nothing when `docker compose version` already works (unless --force);
#   * the built binary is cached in ${CUSTODIA_CACHE_DIR:-~/.cache/custodia},
#     so a re-install (e.g. after ~/.docker was wiped) only copies a file.
#
# Only `docker compose config` (and other engine-less commands) can work here:
# there is no Docker engine on these machines.
#
# Environment:
#   CUSTODIA_CACHE_DIR        cache root (default: $HOME/.cache/custodia)
#   CUSTODIA_COMPOSE_VERSION  compose module version to build, e.g. v5.6.0 or
#                             v2.40.3 (default: chosen from the local Go version)
#   DOCKER_CONFIG             docker CLI config dir (default: $HOME/.docker)
#
# Usage: scripts/install-compose.sh [--force]
set -euo pipefail

log() { printf 'install-compose: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
case "${1:-}" in
  --force) force=1 ;;
  "") ;;
  -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
  *) die "unknown argument: $1 (usage: $0 [--force])" ;;
esac

command -v docker >/dev/null 2>&1 \
  || die "the docker CLI is not installed; the compose plugin needs it (docker compose ...)"

if [[ $force -eq 0 ]] && docker compose version >/dev/null 2>&1; then
  log "already available: $(docker compose version 2>&1 | head -n1)"
  exit 0
fi

cache_root="${CUSTODIA_CACHE_DIR:-$HOME/.cache/custodia}"
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
plugin="$plugin_dir/docker-compose"

# --- pick the version -------------------------------------------------------
# Pinned versions, newest first, with the minimum Go each one's go.mod asks
# for. GOTOOLCHAIN=local below: never download a Go toolchain, use the
# machine's own Go (go1.26.8 on this kind of machine).
#   v5.6.0  -> go 1.26.8
#   v2.40.3 -> go 1.24.9   (last v2 release; fallback for older Go)
go_version=""
if command -v go >/dev/null 2>&1; then
  go_version="$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)"
  go_version="${go_version#go}"
fi

version_ge() {  # version_ge A B: A >= B
  [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" == "$2" ]]
}

version="${CUSTODIA_COMPOSE_VERSION:-}"
if [[ -z "$version" ]]; then
  if [[ -n "$go_version" ]] && version_ge "$go_version" 1.26.8; then
    version=v5.6.0
  elif [[ -z "$go_version" ]] && compgen -G "$cache_root/docker-compose/v*/docker-compose" >/dev/null; then
    # No Go here, but a binary was cached earlier: use the newest one.
    version="$(basename "$(dirname "$(printf '%s\n' "$cache_root"/docker-compose/v*/docker-compose | sort -V | tail -n1)")")"
  else
    version=v2.40.3
  fi
fi
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad CUSTODIA_COMPOSE_VERSION: $version"
major="${version%%.*}"                    # v5 / v2
module="github.com/docker/compose/$major" # the Go module path carries the major

cached="$cache_root/docker-compose/$version/docker-compose"

# --- build into the cache if needed -----------------------------------------
if [[ -x "$cached" ]] && "$cached" version >/dev/null 2>&1; then
  log "using cached binary $cached"
else
  [[ -n "$go_version" ]] || die "go is not installed; it is needed to build $module@$version"
  log "building $module@$version ./cmd with go $go_version (a few minutes on 2 cores)"
  mkdir -p "$(dirname "$cached")"
  gobin="$(mktemp -d "$(dirname "$cached")/.build.XXXXXX")"
  trap 'rm -rf "$gobin"' EXIT
  start=$SECONDS
  export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:-} -modcacherw -buildvcs=false"
  # `go install module/cmd@version` is refused: compose's go.mod has `exclude`
  # directives. So fetch the module's source zip from the proxy (into the Go
  # module cache) and build it as the main module, as compose's Makefile does.
  src="$(cd "$gobin" && GOWORK=off go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -n "$src" && -f "$src/go.mod" ]] || die "could not download $module@$version"
  # ldflags as in compose's own Makefile (version string), plus -s to strip.
  (cd "$src" && GOWORK=off go build -trimpath \
      -ldflags "-s -w -X $module/internal.Version=$version" \
      -o "$gobin/docker-compose" ./cmd)
  [[ -x "$gobin/docker-compose" ]] || die "go build produced no binary"
  "$gobin/docker-compose" version >/dev/null || die "the built binary does not run"
  mv -f "$gobin/docker-compose" "$cached"   # same filesystem: atomic
  rm -rf "$gobin"
  trap - EXIT
  log "built in $((SECONDS - start))s -> $cached"
fi

# --- install as a docker CLI plugin -----------------------------------------
mkdir -p "$plugin_dir"
tmp="$(mktemp "$plugin_dir/.docker-compose.XXXXXX")"
cp "$cached" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$plugin"

docker compose version >/dev/null 2>&1 \
  || die "installed $plugin but 'docker compose version' still fails"
log "installed $plugin: $(docker compose version 2>&1 | head -n1)"

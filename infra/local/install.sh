# Idempotent installers for the local stack, from the registries these machines reach.
# Sourced by infra/local/stack. Each function returns at once when its install is cached.

apt_ready=""
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} by hand"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "$apt_ready" ]; then
    log "apt-get update"
    $sudo apt-get update -qq >"$FG_LOGS/apt.log" 2>&1 || die "apt-get update failed: see $FG_LOGS/apt.log"
    apt_ready=1
  fi
  log "apt-get install ${missing[*]}"
  # Packages must not start their own system-wide daemons: the stack runs its own on other ports.
  local policy=/usr/sbin/policy-rc.d own_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >>"$FG_LOGS/apt.log" 2>&1
  local rc=$?
  [ -n "$own_policy" ] && $sudo rm -f "$policy"
  [ $rc -eq 0 ] || die "apt-get install ${missing[*]} failed: see $FG_LOGS/apt.log"
}

install_bun() {
  [ -x "$FG_BUN" ] && return 0
  command -v npm >/dev/null || die "npm is needed to install Bun (the bun package on npm ships the binary)"
  log "installing Bun $FG_BUN_VERSION from npm"
  mkdir -p "$FG_CACHE/bun-$FG_BUN_VERSION"
  npm install --prefix "$FG_CACHE/bun-$FG_BUN_VERSION" --no-audit --no-fund --loglevel=error \
    "bun@$FG_BUN_VERSION" >"$FG_LOGS/bun-install.log" 2>&1 || die "Bun install failed: see $FG_LOGS/bun-install.log"
  [ -x "$FG_BUN" ] || die "Bun install left no binary at $FG_BUN"
}

install_duckdb() {
  [ -x "$FG_DUCKDB_PYTHON" ] && return 0
  log "installing DuckDB $FG_DUCKDB_VERSION from PyPI"
  local venv="$FG_CACHE/duckdb-$FG_DUCKDB_VERSION"
  { python3 -m venv "$venv.tmp" && "$venv.tmp/bin/pip" install -q "duckdb==$FG_DUCKDB_VERSION" && mv "$venv.tmp" "$venv"; } \
    >"$FG_LOGS/duckdb-install.log" 2>&1 || { rm -rf "$venv.tmp"; die "DuckDB install failed: see $FG_LOGS/duckdb-install.log"; }
}

install_kafka() {
  [ -f "$FG_KAFKA_LIBS/.complete" ] && return 0
  command -v mvn >/dev/null || die "Maven is needed to fetch Kafka from Maven Central"
  command -v java >/dev/null || die "Java 17 is needed to run Kafka"
  log "fetching Apache Kafka $FG_KAFKA_VERSION jars from Maven Central"
  rm -rf "$FG_KAFKA_LIBS"
  (cd "$FG_REPO/infra/local/kafka" && mvn -q -B dependency:copy-dependencies \
    -Dkafka.version="$FG_KAFKA_VERSION" -DincludeScope=runtime -DoutputDirectory="$FG_KAFKA_LIBS") \
    >"$FG_LOGS/kafka-install.log" 2>&1 || die "Kafka download failed: see $FG_LOGS/kafka-install.log"
  touch "$FG_KAFKA_LIBS/.complete"
}

# The console's browser test drives Debian's chromium (playwright-core downloads no browser).
install_chromium() { command -v chromium >/dev/null || apt_install chromium; }

install_redis() { command -v redis-server >/dev/null || apt_install redis-server; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
install_postgres() { [ -n "$(pg_bin)" ] || apt_install postgresql; }

install_clickhouse() { command -v clickhouse-server >/dev/null || apt_install clickhouse-server clickhouse-client; }

go_install() { # go_install <binary path> <module@version>
  [ -x "$1" ] && return 0
  command -v go >/dev/null || die "Go is needed to build $2"
  log "building $2 with go install (first time only; cached in $FG_CACHE/bin)"
  local gobin; gobin=$(mktemp -d)
  GOBIN="$gobin" GOFLAGS=-trimpath go install "$2" >"$FG_LOGS/$(basename "$1").log" 2>&1 \
    || die "go install $2 failed: see $FG_LOGS/$(basename "$1").log"
  mkdir -p "$(dirname "$1")" && mv "$gobin"/* "$1" && rm -rf "$gobin"
}

install_minio() { go_install "$FG_MINIO" "github.com/minio/minio@$FG_MINIO_VERSION"; }
install_k6() { go_install "$FG_K6" "go.k6.io/k6@$FG_K6_VERSION"; }

# Benthos's own main imports components/all, which pulls a module the Go proxy refuses: build the
# small main in infra/local/benthos (http_server, kafka_franz and the pure processors) instead.
install_benthos() {
  [ -x "$FG_BENTHOS" ] && return 0
  command -v go >/dev/null || die "Go is needed to build Benthos $FG_BENTHOS_VERSION"
  log "building Benthos $FG_BENTHOS_VERSION with go build (first time only; cached in $FG_CACHE/bin)"
  mkdir -p "$(dirname "$FG_BENTHOS")"
  (cd "$FG_REPO/infra/local/benthos" && GOFLAGS=-trimpath go build -o "$FG_BENTHOS.tmp" .) >"$FG_LOGS/benthos-build.log" 2>&1 \
    || die "building Benthos failed: see $FG_LOGS/benthos-build.log"
  mv "$FG_BENTHOS.tmp" "$FG_BENTHOS"
}

# Shared settings for the local-stack scripts: where installs are cached, where data lives,
# which ports each service uses. Sourced, never run. Every value can be overridden from the
# environment so that two checkouts (or a developer's own services) never collide.

FG_REPO="${FG_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
# Installs are slow (Kafka jars, a MinIO build) and outlive any clone: keep them outside it.
FG_CACHE="${FG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fluxgate}"
# Data and pid files belong to this checkout and are ignored by git.
FG_DATA="${FG_DATA:-$FG_REPO/.fluxgate}"
FG_RUN="$FG_DATA/run"
FG_LOGS="$FG_DATA/logs"

FG_HOST=127.0.0.1
FG_KAFKA_PORT="${FG_KAFKA_PORT:-19092}"
FG_KAFKA_CONTROLLER_PORT="${FG_KAFKA_CONTROLLER_PORT:-19093}"
FG_REDIS_PORT="${FG_REDIS_PORT:-16379}"
FG_PG_PORT="${FG_PG_PORT:-15432}"
FG_CH_HTTP_PORT="${FG_CH_HTTP_PORT:-18123}"
FG_CH_TCP_PORT="${FG_CH_TCP_PORT:-19000}"
FG_S3_PORT="${FG_S3_PORT:-19100}"
FG_S3_CONSOLE_PORT="${FG_S3_CONSOLE_PORT:-19101}"

FG_BUN_VERSION="1.4.5"
FG_KAFKA_VERSION="3.9.1"
FG_MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
FG_K6_VERSION="v1.8.1"
# The gateway benchmark's peer (bench/gateway.ts): the last MIT release of Benthos.
FG_BENTHOS_VERSION="v4.27.0"
FG_S3_ACCESS_KEY="${FG_S3_ACCESS_KEY:-fluxgate}"
FG_S3_SECRET_KEY="${FG_S3_SECRET_KEY:-fluxgate-secret}"

FG_BUN="$FG_CACHE/bun-$FG_BUN_VERSION/node_modules/.bin/bun"
# DuckDB reads the archive's Parquet in tests: a reader independent of the one that wrote it.
FG_DUCKDB_VERSION="${FG_DUCKDB_VERSION:-2.0.0}"
FG_DUCKDB_PYTHON="$FG_CACHE/duckdb-$FG_DUCKDB_VERSION/bin/python"
FG_KAFKA_LIBS="$FG_CACHE/kafka-$FG_KAFKA_VERSION/libs"
FG_MINIO="$FG_CACHE/bin/minio-$FG_MINIO_VERSION"
FG_K6="$FG_CACHE/bin/k6-$FG_K6_VERSION"
FG_BENTHOS="$FG_CACHE/bin/benthos-$FG_BENTHOS_VERSION"

# The URLs the product and its tests read (see infra/config): one place derives them from the ports.
# `export` lines, so that `eval "$(bash infra/local/stack env)"` alone hands them to the programs
# started after it (plain assignments would stay shell variables and the product would silently
# start on its embedded defaults).
fg_service_env() {
  cat <<EOF
export FG_KAFKA_BROKERS=$FG_HOST:$FG_KAFKA_PORT
export FG_REDIS_URL=redis://$FG_HOST:$FG_REDIS_PORT
export FG_POSTGRES_URL=postgres://fluxgate@$FG_HOST:$FG_PG_PORT/fluxgate
export FG_CLICKHOUSE_URL=http://$FG_HOST:$FG_CH_HTTP_PORT
export FG_S3_ENDPOINT=http://$FG_HOST:$FG_S3_PORT
export FG_S3_ACCESS_KEY=$FG_S3_ACCESS_KEY
export FG_S3_SECRET_KEY=$FG_S3_SECRET_KEY
export FG_S3_BUCKET=fluxgate
EOF
}

log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

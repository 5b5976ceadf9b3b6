#!/usr/bin/env bash
# Start the real infrastructure on this machine: Kafka (KRaft) and Redis on loopback.
# Idempotent and quiet: prints one line per service it started, nothing when both already run.
#   FIXSTREAM_KAFKA_PORT (9092), FIXSTREAM_REDIS_PORT (6379), FIXSTREAM_CACHE_DIR (<repo>/.cache)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$HERE/redis.sh" start
bash "$HERE/kafka.sh" start

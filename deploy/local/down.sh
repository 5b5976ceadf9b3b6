#!/usr/bin/env bash
# Stop what up.sh started (Kafka, then Redis). Idempotent and quiet.
# FIXSTREAM_KAFKA_CLEAN=1 also wipes Kafka's data dir.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rc=0
bash "$HERE/kafka.sh" stop || rc=$?
bash "$HERE/redis.sh" stop || rc=$?
exit "$rc"

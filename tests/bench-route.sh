#!/bin/sh
# The routing benchmark (never part of `make check`): tests/bench-route
# generates R rules and N records (deterministic; BENCH_ROUTE_N and
# BENCH_ROUTE_RULES set them, default 100000 and 1000), times the rules
# alone without and with the explanation, then the whole routing stage
# (route rows, outbox rows and explanation in SQLite) in a temporary
# store.  Prints the figures; a benchmark never fails on time.
set -u
: "${FLAGPOST:=$(pwd)/flagpost}"
: "${BENCH_ROUTE:=$(dirname "$FLAGPOST")/tests/bench-route}"
T=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-bench-route.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

echo "routing: store in $T ($(stat -f -c %T "$T" 2>/dev/null || echo '?'))"
"$BENCH_ROUTE" -n "${BENCH_ROUTE_N:-100000}" -r "${BENCH_ROUTE_RULES:-1000}" \
    --store "$T" || echo "bench-route: failed ($?)"
exit 0

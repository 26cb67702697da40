#!/bin/sh
# The benchmark (never part of `make check`): N realistic 4-8 KB flag mails
# in a Maildir, timed through `flagpost ingest --maildir` (parse, verify,
# validate, store) and through the parse path alone (tests/bench-parse),
# with the peak RSS of each.  BENCH_N="1000 10000" sets the sizes.
set -eu
: "${FLAGPOST:=$(pwd)/flagpost}"
: "${top_srcdir:=.}"
: "${BENCH_PARSE:=$(dirname "$FLAGPOST")/tests/bench-parse}"
srcdir=$(cd "$top_srcdir" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

run() {	# prints "seconds maxrss_kb" for the command
	python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
dt = time.monotonic() - t
if r.returncode != 0:
    sys.exit("benchmark command failed: %d" % r.returncode)
print("%.3f %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
}

printf '%-8s %-22s %12s %12s %14s\n' mails stage seconds mails/s "peak RSS KiB"
for n in ${BENCH_N:-1000 10000 50000}; do
	rm -rf "$T/md" "$T/db"*
	python3 "$srcdir/tests/bench-gen.py" "$n" "$T/md"
	cat >"$T/conf" <<CONF
[gateway]
store = $T/db
address = flags@gateway.example.eu
[auth]
policy = dmarc
authserv_id = mx.gateway.example.eu
CONF
	"$FLAGPOST" -c "$T/conf" orgs add "CSO Example" --domain cso.example.org >/dev/null
	set -- $(run "$BENCH_PARSE" "$T/md/new")
	printf '%-8s %-22s %12s %12.0f %14s\n' "$n" "parse+validate" "$1" "$(awk "BEGIN { print $n / $1 }")" "$2"
	set -- $(run "$FLAGPOST" -c "$T/conf" ingest --maildir "$T/md")
	printf '%-8s %-22s %12s %12.0f %14s\n' "$n" "ingest (all stages)" "$1" "$(awk "BEGIN { print $n / $1 }")" "$2"
	stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from record").fetchone()[0])' "$T/db")
	echo "         ($stored records stored; mail size $(du -sk --apparent-size "$T/md/new" | cut -f1) KiB in all)"
done

# the routing stage: the rules alone, then route rows and outbox rows in SQLite
echo
BENCH_ROUTE="${BENCH_ROUTE:-$(dirname "$FLAGPOST")/tests/bench-route}" \
    FLAGPOST="$FLAGPOST" sh "$srcdir/tests/bench-route.sh"

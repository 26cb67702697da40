#!/bin/sh
# The delivery benchmark (never part of `make check`): N routed notices
# queued in a store, sent by `flagpost run-once` to Postfix's smtp-sink on
# one connection and on four, beside Postfix's smtp-source sending the
# same count of mails of the same size to the same sink with -s 1 and -s 4.
# BENCH_SMTP_N sets N (default 10000).  Prints mails/s; never fails on time.
set -eu
: "${FLAGPOST:=$(pwd)/flagpost}"
: "${top_srcdir:=.}"
srcdir=$(cd "$top_srcdir" && pwd)
N=${BENCH_SMTP_N:-10000}
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source
if [ ! -x "$SINK" ] || [ ! -x "$SOURCE" ]; then
	echo "delivery: smtp-sink and smtp-source are needed (apt-get install postfix); skipped"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-bench-smtp.XXXXXX")
cleanup() {
	[ -n "${sink_pid:-}" ] && kill "$sink_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=""
[ "$(id -u)" -eq 0 ] && user="-u nobody"
# shellcheck disable=SC2086
"$SINK" $user "127.0.0.1:$port" 1000 &
sink_pid=$!
sleep 0.5

secs() {	# the seconds a command takes
	python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
if r.returncode != 0:
    sys.exit("benchmark command failed: %d" % r.returncode)
print("%.3f" % (time.monotonic() - t))
PY
}

config() {	# config CONNECTIONS: with [smtp] when CONNECTIONS is not 0
	cat >"$T/conf" <<CONF
[gateway]
store = $T/db
address = flags@gateway.example.eu
[auth]
policy = dmarc
authserv_id = mx.gateway.example.eu
[routing]
rules = $T/rules
default = desk@youtube.example.com
[delivery]
templates = $srcdir/templates
replies_per_day = 0
batch = 500
CONF
	if [ "$1" -gt 0 ]; then
		cat >>"$T/conf" <<CONF
[smtp]
relay = smtp://127.0.0.1:$port
connections = $1
CONF
	fi
}

mkdir "$T/rules"
python3 "$srcdir/tests/bench-gen.py" "$N" "$T/md"
config 0
"$FLAGPOST" -c "$T/conf" orgs add "CSO Example" --domain cso.example.org >/dev/null
"$FLAGPOST" -c "$T/conf" contacts add desk@youtube.example.com >/dev/null
"$FLAGPOST" -c "$T/conf" ingest --maildir "$T/md" >/dev/null 2>&1
"$FLAGPOST" -c "$T/conf" run-once >/dev/null 2>&1
queued=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from outbox where kind = '"'notice'"'").fetchone()[0])' "$T/db")
config 1
size=$("$FLAGPOST" -c "$T/conf" queue show 1 2>/dev/null | sed '1,/^$/d' | wc -c)

echo "delivery: $queued notices of about $size bytes to smtp-sink on 127.0.0.1"
printf '%-34s %10s %10s\n' sender seconds mails/s
rate() { awk "BEGIN { printf \"%.0f\", $1 / $2 }"; }
for c in 1 4; do
	python3 -c 'import sqlite3,sys; c = sqlite3.connect(sys.argv[1]); c.execute("update outbox set status = '"'pending'"', attempts = 0"); c.commit()' "$T/db"
	config "$c"
	s=$(secs "$FLAGPOST" -c "$T/conf" run-once)
	sent=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from outbox where status = '"'sent'"'").fetchone()[0])' "$T/db")
	printf '%-34s %10s %10s\n' "flagpost run-once, $c connection$( [ "$c" -gt 1 ] && echo s)" "$s" "$(rate "$sent" "$s")"
done
for c in 1 4; do
	s=$(secs "$SOURCE" -s "$c" -m "$queued" -l "$size" -f flags@gateway.example.eu \
	    -t desk@youtube.example.com "127.0.0.1:$port")
	printf '%-34s %10s %10s\n' "smtp-source -s $c" "$s" "$(rate "$queued" "$s")"
done
exit 0

#!/bin/sh
# The digest benchmark (never part of `make check`): a weekly list with
# 1,000 subscribers (500 company contacts, 200 of them with 50 open flags
# each, routed digest-only, half of them overdue; and 500 members of a
# registered organisation) and a period with 500 items (450 hub
# contributions, 50 early warnings), all ingested and routed by flagpost
# itself.  Times `flagpost digest run` (compose the digest, record it and
# queue one outbox row per subscriber, in one transaction), then
# `flagpost run-once` rendering and sending those 1,000 digests to
# Postfix's smtp-sink on loopback, on one connection and on four, with the
# peak RSS of each; beside Postfix's smtp-source sending as many mails of
# the same size to the same sink.
# BENCH_DIGEST_CONTACTS, BENCH_DIGEST_MEMBERS, BENCH_DIGEST_HUB,
# BENCH_DIGEST_EW, BENCH_DIGEST_FLAGGED and BENCH_DIGEST_FLAGS set the
# sizes (defaults 500, 500, 450, 50, 200, 50).  The binary is
# $BENCH_FLAGPOST, else $FLAGPOST, else ./flagpost.  Prints the figures;
# never fails on time, only when the digest does not queue one mail per
# subscriber or a command fails.
set -eu
: "${BENCH_FLAGPOST:=${FLAGPOST:-$(pwd)/flagpost}}"
: "${top_srcdir:=.}"
srcdir=$(cd "$top_srcdir" && pwd)
case $BENCH_FLAGPOST in /*) ;; *) BENCH_FLAGPOST=$(pwd)/$BENCH_FLAGPOST ;; esac
NC=${BENCH_DIGEST_CONTACTS:-500}
NM=${BENCH_DIGEST_MEMBERS:-500}
NHUB=${BENCH_DIGEST_HUB:-450}
NEW=${BENCH_DIGEST_EW:-50}
NFLAGGED=${BENCH_DIGEST_FLAGGED:-200}
NFLAGS=${BENCH_DIGEST_FLAGS:-50}
NSUBS=$((NC + NM))
NITEMS=$((NHUB + NEW))
[ "$NFLAGGED" -gt "$NC" ] && NFLAGGED=$NC
[ "$NFLAGGED" -eq 0 ] && NFLAGS=0
# the period: Monday 2026-11-23 08:00 to Monday 2026-11-30 08:00 Brussels
INSIDE=2026-11-25T10:00:00Z	# most of the records are routed then
LATE=2026-11-29T12:00:00Z	# half the flags, not overdue at the end
DUE=2026-11-30T07:00:00Z	# 08:00 in Brussels: the digest is due
SINK=/usr/sbin/smtp-sink
SOURCE=/usr/sbin/smtp-source

die() { echo "digest: FAILED: $*" >&2; exit 1; }
[ -x "$BENCH_FLAGPOST" ] || die "no flagpost at $BENCH_FLAGPOST (set BENCH_FLAGPOST)"

T=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-bench-digest.XXXXXX")
# shellcheck disable=SC2317
cleanup() {
	[ -n "${sink_pid:-}" ] && kill "$sink_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fp() { "$BENCH_FLAGPOST" -c "$T/conf" "$@"; }
at() {	# at TIME ARGS: flagpost with FLAGPOST_NOW=TIME
	now=$1
	shift
	env FLAGPOST_NOW="$now" "$BENCH_FLAGPOST" -c "$T/conf" "$@"
}

# db SQL: the first column of the first row
db() {
	python3 - "$T/db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
r = c.execute(sys.argv[2]).fetchone()
c.commit()
print("" if r is None or r[0] is None else r[0])
PY
}

# run OUT CMD...: runs CMD (its output in OUT) and prints
# "seconds peak_rss_kib"; dies when CMD fails
if [ -x /usr/bin/time ] && /usr/bin/time -f '%e %M' -o /dev/null true 2>/dev/null; then
	run() {
		out=$1
		shift
		/usr/bin/time -f '%e %M' -o "$T/.time" "$@" >"$out" 2>&1 ||
			{ cat "$out" >&2; die "$* failed"; }
		tail -n 1 "$T/.time"
	}
else
	run() {
		out=$1
		shift
		python3 - "$out" "$@" <<'PY' || { cat "$out" >&2; die "$* failed"; }
import resource, subprocess, sys, time
t = time.monotonic()
with open(sys.argv[1], "w") as out:
    r = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
dt = time.monotonic() - t
if r.returncode != 0:
    sys.exit(1)
print("%.2f %d" % (dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
	}
fi
mb() { awk "BEGIN { printf \"%.1f\", $1 / 1024 }"; }
rate() { awk "BEGIN { s = $2; printf \"%.0f\", $1 / (s > 0.01 ? s : 0.01) }"; }

config() {	# config CONNECTIONS PORT: with [smtp] when CONNECTIONS is not 0
	cat >"$T/conf" <<CONF
[gateway]
store = $T/db
address = flags@gateway.example.eu
[auth]
policy = dmarc
authserv_id = mx.gateway.example.eu
[routing]
rules = $T/rules
default = desk@platform.example.com
[delivery]
templates = $srcdir/templates
replies_per_day = 0
batch = 500
[digest]
timezone = Europe/Brussels
[list bench]
description = Bench weekly digest
schedule = weekly mon 08:00
timezone = Europe/Brussels
CONF
	if [ "$1" -gt 0 ]; then
		cat >>"$T/conf" <<CONF
[smtp]
relay = smtp://127.0.0.1:$2
connections = $1
CONF
	fi
}

# ---------------------------------------------------------------- setup
mkdir "$T/rules"
cat >"$T/rules/10-bench.rules" <<'RULES'
rule hub-to-desk
    if kind /^hub$/
    route desk@platform.example.com
rule warnings-to-desk
    if kind /^early-warning$/
    route desk@platform.example.com
RULES
[ "$NFLAGS" -gt 0 ] && cat >>"$T/rules/10-bench.rules" <<'RULES'
rule flags-to-reviewers
    if kind /^flag$/
    route reviewers
    digest-only
RULES
config 0 0
t0=$(date +%s)
fp orgs add "CSO Bench" --domain cso.example.org --good-faith >/dev/null
fp contacts add desk@platform.example.com --name "Platform desk" >/dev/null
i=1
while [ "$i" -le "$NC" ]; do
	fp contacts add "$(printf 'c%04d@platform.example.com' "$i")" >/dev/null
	i=$((i + 1))
done
# the first NFLAGGED contacts review the flags, digest-only
# shellcheck disable=SC2046
[ "$NFLAGGED" -eq 0 ] || fp contacts group add reviewers $(i=1; while [ "$i" -le "$NFLAGGED" ]; do
	printf 'c%04d@platform.example.com\n' "$i"; i=$((i + 1)); done) >/dev/null
t_contacts=$(($(date +%s) - t0))

# the mails: hub contributions, early warnings, flags, in two Maildirs
python3 - "$T" "$NHUB" "$NEW" "$NFLAGS" <<'PY'
import os, random, sys
top, nhub, new, nflags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(4711)
CATS = ["campaign", "data", "policy-update", "transparency-report",
        "monitoring-result", "research", "best-practice", "training", "event"]
GROUNDS = ["antisemitism", "anti-muslim-hatred", "antigypsyism", "racism",
           "xenophobia", "sexual-orientation", "gender-identity"]
LANGS = ["de", "fr", "pl", "it", "es", "nl", "hu", "cs", "en"]
COUNTRIES = ["DE", "FR", "PL", "IT", "ES", "NL", "BE", "AT"]
WORDS = ("the report documents online hatred against protected groups across "
         "platforms and member states with data on removal rates response "
         "times and the share of content left online after notice while the "
         "campaign material offers counter speech and training for moderators "
         "teachers and youth workers").split()

def text(lo, hi):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))

def mail(d, n, tag, form):
    head = (
        "Authentication-Results: mx.gateway.example.eu; dkim=pass"
        " header.d=cso.example.org; dmarc=pass header.from=cso.example.org\n"
        "From: Anna Kowalska <anna@cso.example.org>\n"
        "To: flags@gateway.example.eu\n"
        "Subject: [%s] bench %d\n"
        "Date: Wed, 25 Nov 2026 09:00:00 +0100\n"
        "Message-ID: <bench-%s-%d@cso.example.org>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\n\n" % (tag, n, tag, n))
    with open(os.path.join(top, d, "new", "%s-%05d.bench" % (tag, n)), "w") as f:
        f.write((head + form).replace("\n", "\r\n"))

for d in ("md", "md-late"):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(top, d, sub), exist_ok=True)
for i in range(nhub):
    cat = CATS[i % len(CATS)]
    form = ("Category: %s\nTitle: Bench contribution %d: %s\nLanguage: %s\n"
            "Country: %s\nURL: https://hub.example.org/material/%d\n" %
            (cat, i, text(4, 10), rng.choice(LANGS), rng.choice(COUNTRIES), i))
    if cat in ("transparency-report", "monitoring-result"):
        form += "Period-Start: 2026-01-01\nPeriod-End: 2026-06-30\n"
    form += "Summary: %s\n" % text(60, 140)
    mail("md", i, "hub", form)
for i in range(new):
    form = ("Event: Bench event %d: %s\nStarts: 2026-11-%02d\n"
            "Country: %s\nGround: %s\nRisk: %s\nURL: https://news.example.org/%d\n"
            "Description: %s\n" %
            (i, text(3, 8), 24 + i % 6, rng.choice(COUNTRIES),
             rng.choice(GROUNDS), ["low", "medium", "high", "critical"][i % 4],
             i, text(40, 100)))
    mail("md", i, "early-warning", form)
for i in range(nflags):
    form = ("URL: https://www.youtube.com/watch?v=bench%d\nGround: %s\n"
            "Language: %s\nExplanation: %s\n" %
            (i, rng.choice(GROUNDS), rng.choice(LANGS), text(20, 60)))
    mail("md" if i % 2 == 0 else "md-late", i, "flag", form)
PY
t0=$(date +%s)
at "$INSIDE" ingest --maildir "$T/md" >"$T/ingest.out" 2>&1 ||
	{ cat "$T/ingest.out" >&2; die "ingest failed"; }
t_ingest=$(($(date +%s) - t0))
t0=$(date +%s)
at "$INSIDE" run-once >"$T/route.out" 2>&1 ||
	{ cat "$T/route.out" >&2; die "run-once (routing) failed"; }
at "$LATE" ingest --maildir "$T/md-late" >"$T/ingest.out" 2>&1 ||
	{ cat "$T/ingest.out" >&2; die "ingest failed"; }
at "$LATE" run-once >"$T/route.out" 2>&1 ||
	{ cat "$T/route.out" >&2; die "run-once (routing) failed"; }
t_route=$(($(date +%s) - t0))
routed=$(db "select count(*) from record where status = 'routed'")
[ "$routed" -eq $((NITEMS + NFLAGS)) ] ||
	die "$routed records routed, want $((NITEMS + NFLAGS)) (see flagpost messages list)"

# every subscriber at once: the contacts, then members of the organisation
t0=$(date +%s)
# shellcheck disable=SC2046
fp lists subscribe bench $(i=1; while [ "$i" -le "$NC" ]; do
	printf 'c%04d@platform.example.com\n' "$i"; i=$((i + 1)); done
    i=1; while [ "$i" -le "$NM" ]; do
	printf 'm%04d@cso.example.org\n' "$i"; i=$((i + 1)); done) \
    >"$T/subscribe.out" 2>&1 || { cat "$T/subscribe.out" >&2; die "lists subscribe failed"; }
t_subscribe=$(($(date +%s) - t0))
subs=$(db "select count(*) from subscriber where list = 'bench'")
[ "$subs" -eq "$NSUBS" ] || die "$subs subscribers, want $NSUBS"
echo "digest: setup: $NC contacts in ${t_contacts}s, $NITEMS items and $NFLAGS flags" \
    "ingested in ${t_ingest}s, routed in ${t_route}s, $NSUBS subscribed in ${t_subscribe}s"

# ---------------------------------------------------------------- compose
before=$(db "select count(*) from outbox where kind = 'digest'")
r=$(run "$T/digest.out" "$BENCH_FLAGPOST" -c "$T/conf" digest run --now "$DUE") || exit 1
# shellcheck disable=SC2086
set -- $r
secs=$1 rss=$2
queued=$(($(db "select count(*) from outbox where kind = 'digest'") - before))
recorded=$(db "select queued || ' ' || items from digest where list = 'bench' and period_end = '$DUE'")
flags=$(db "select count(*) from digest_flag")
overdue=$(db "select count(*) from digest_flag where overdue")
if [ "$queued" -ne "$NSUBS" ] || [ "$recorded" != "$NSUBS $NITEMS" ]; then
	cat "$T/digest.out" >&2
	die "the digest queued $queued outbox rows and recorded '$recorded' (queued items), want $NSUBS rows of $NITEMS items"
fi
echo "digest: $NSUBS subscribers, $NITEMS items: composed and queued in $secs s, peak RSS $(mb "$rss") MB"
[ "$NFLAGGED" -eq 0 ] ||
	echo "        ($NFLAGGED subscribers with $((flags / NFLAGGED)) open flags each, $overdue of the $flags overdue)"

# ---------------------------------------------------------------- send
if [ ! -x "$SINK" ]; then
	echo "digest: sending: smtp-sink is needed (apt-get install postfix); skipped"
	exit 0
fi
# only the digests: the notices to the desk are not this benchmark's
db "update outbox set status = 'dropped' where kind <> 'digest' and status = 'pending'" >/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user=""
[ "$(id -u)" -eq 0 ] && user="-u nobody"
# shellcheck disable=SC2086
"$SINK" $user "127.0.0.1:$port" 1000 &
sink_pid=$!
sleep 0.5
config 1 "$port"
size() {	# size [not]: the size of a digest without (with) open flags
	id=$(db "select min(id) from outbox o where kind = 'digest' and $1 exists (select 1 from digest_flag f where f.outbox = o.id)")
	[ -n "$id" ] && at "$DUE" queue show "$id" 2>/dev/null | sed '1,/^$/d' | wc -c || echo 0
}
size=$(size not)
with=""
[ "$NFLAGGED" -eq 0 ] || with=" ($(($(size "") / 1024)) KiB with open flags)"
echo "digest: sending $NSUBS digests of $((size / 1024)) KiB$with to smtp-sink on 127.0.0.1"
for c in 1 4; do
	db "update outbox set status = 'pending', attempts = 0 where kind = 'digest'" >/dev/null
	config "$c" "$port"
	r=$(run "$T/send.out" env FLAGPOST_NOW="$DUE" "$BENCH_FLAGPOST" -c "$T/conf" run-once) || exit 1
	# shellcheck disable=SC2086
	set -- $r
	sent=$(db "select count(*) from outbox where kind = 'digest' and status = 'sent'")
	[ "$sent" -eq "$NSUBS" ] || { cat "$T/send.out" >&2; die "$sent of $NSUBS digests sent"; }
	echo "digest: rendered and sent $sent digests on $c connection$([ "$c" -gt 1 ] && echo s) in $1 s:" \
	    "$(rate "$sent" "$1") mails/s, peak RSS $(mb "$2") MB"
done
if [ -x "$SOURCE" ]; then
	for c in 1 4; do
		r=$(run "$T/source.out" "$SOURCE" -s "$c" -m "$NSUBS" -l "$size" \
		    -f flags@gateway.example.eu -t c0001@platform.example.com \
		    "127.0.0.1:$port") || exit 1
		# shellcheck disable=SC2086
		set -- $r
		echo "digest: (smtp-source -s $c: $NSUBS mails of the same size in $1 s:" \
		    "$(rate "$NSUBS" "$1") mails/s)"
	done
fi
exit 0

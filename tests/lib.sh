# tests/lib.sh: shared by the script tests; emits TAP for automake's tap-driver
set -u
: "${FLAGPOST:=$(pwd)/flagpost}"
: "${top_srcdir:=.}"
: "${PYTHON3:=python3}"
[ "$PYTHON3" = no ] && PYTHON3=python3
srcdir=$(cd "$top_srcdir" && pwd)
export FLAGPOST_NOW="${FLAGPOST_NOW:-2026-11-28T10:00:00Z}"

T=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-test.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT

tap_n=0
tap_failed=0

pass() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
fail() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $1"; }

# ok STATUS DESCRIPTION: passes when STATUS is 0
ok() { if [ "$1" -eq 0 ]; then pass "$2"; else fail "$2"; fi; }

# is GOT WANT DESCRIPTION: exact comparison, a diff on failure
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		printf '%s\n' "$2" >"$T/.want"
		printf '%s\n' "$1" >"$T/.got"
		diff -u "$T/.want" "$T/.got" | sed 's/^/# /'
	fi
}

# like STRING PATTERN DESCRIPTION: grep -E on the string
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		printf '%s\n' "$1" | head -n 20 | sed 's/^/# got: /'
		echo "# want: /$2/"
	fi
}

# has TEXT PART NAME: TEXT contains PART, as it is (several lines allowed)
has() {
	case "$1" in
	*"$2"*) pass "$3" ;;
	*)
		fail "$3"
		printf '%s\n' "$1" | head -n 40 | sed 's/^/# got: /'
		printf '%s\n' "$2" | sed 's/^/# part: /'
		;;
	esac
}
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

# a configuration and a store in $T
write_config() {
	cat >"$T/flagpost.conf" <<CONF
[gateway]
store = $T/flagpost.db
address = flags@gateway.example.eu

[auth]
policy = dmarc
authserv_id = mx.gateway.example.eu

[limits]
${1:-}
CONF
}

fp() { "$FLAGPOST" -c "$T/flagpost.conf" "$@"; }

# db SQL: runs SQL on the test's store and prints the rows, "|" between
# columns (writes are committed)
db() { "$PYTHON3" - "$T/flagpost.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
for row in c.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))
c.commit()
PY
}

# wait_for SQL WANT SECONDS: polls the store until SQL prints WANT
wait_for() {
	i=0
	while [ $i -lt $(($3 * 20)) ]; do
		[ "$(db "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# the organisations and contacts that the corpus mails come from
register() {
	fp orgs add "CSO Example" --domain cso.example.org >/dev/null &&
	fp orgs add "Licra Demo" --domain licra.example.fr --good-faith \
		--licence CC-BY-4.0 >/dev/null &&
	fp orgs add "Jugendschutz Demo" \
		--address meldungen@jugendschutz.example.de >/dev/null &&
	fp contacts add trust@youtube.example.com --name "YouTube T&S" \
		--platform youtube --languages de,fr,en >/dev/null &&
	fp contacts add safety@tiktok.example.com --name "TikTok T&S" \
		--platform tiktok >/dev/null
}

# a plain, well-authenticated flag mail: mail FILE [MESSAGE-ID] [URL]
mail() {
	cat >"$1" <<MAIL
Authentication-Results: mx.gateway.example.eu; dkim=pass header.d=cso.example.org; dmarc=pass header.from=cso.example.org
From: Anna Kowalska <anna@cso.example.org>
To: flags@gateway.example.eu
Subject: [flag] antisemitic video
Date: Sat, 28 Nov 2026 09:00:00 +0100
Message-ID: <${2:-m1@cso.example.org}>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

URL: ${3:-https://www.youtube.com/watch?v=abc123}
Ground: antisemitism
Language: de
Explanation: Holocaust denial.
Good-Faith: yes
MAIL
}

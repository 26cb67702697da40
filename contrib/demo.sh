#!/bin/sh
# The gateway doing its job on a fresh Debian 12 machine: installs what it
# needs, builds, starts a private Dovecot on loopback, registers two CSOs
# and two company contacts in a new store, delivers the sample CSO mails of
# contrib/samples/ to the IMAP inbox, dry-runs the routing rules of rules/
# on one of them, runs `flagpost run-once`, and shows the records, where
# each was routed and why, the notices, acknowledgements and error reply
# as a local SMTP server received them, the JSON the knowledge hub got,
# and what was refused.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/contrib/setup-debian.sh"
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi
fi
mkdir -p _build
cd _build
[ -f Makefile ] || "$top/configure" --enable-werror
make -j"$(nproc 2>/dev/null || echo 2)" flagpost >/dev/null
fp_bin="$top/_build/flagpost"

demo=$(mktemp -d "${TMPDIR:-/tmp}/flagpost-demo.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$demo"
}
# a private Dovecot on free loopback ports, with TLS from a CA made here
T=$demo
PYTHON3=python3
srcdir=$top
. "$top/tests/lib-dovecot.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fp() { "$fp_bin" -c "$demo/flagpost.conf" "$@"; }

say "a private Dovecot IMAP server on 127.0.0.1 (TLS with its own CA)"
dovecot_start
echo "imaps port $DV_IMAPS, CA $DV_CA"

say "an SMTP server and a knowledge hub on 127.0.0.1 (tests/smtp-server.py, tests/hub-server.py)"
mkdir "$demo/smtp" "$demo/hub"
python3 "$top/tests/smtp-server.py" --dir "$demo/smtp" >"$demo/smtp.port" 2>/dev/null &
pids="$pids $!"
python3 "$top/tests/hub-server.py" --dir "$demo/hub" --token demo-hub-token >"$demo/hub.port" 2>/dev/null &
pids="$pids $!"
i=0
while { [ ! -s "$demo/smtp.port" ] || [ ! -s "$demo/hub.port" ]; } && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
smtp_port=$(head -n 1 "$demo/smtp.port")
hub_port=$(head -n 1 "$demo/hub.port")
printf 'demo-hub-token\n' >"$demo/hub.token"
chmod 600 "$demo/hub.token"
echo "smtp port $smtp_port, hub http://127.0.0.1:$hub_port"

cat >"$demo/flagpost.conf" <<CONF
[gateway]
store = $demo/flagpost.db
address = flags@gateway.example.eu

[auth]
policy = dmarc
authserv_id = mx.gateway.example.eu

[routing]
rules = $top/rules
default = coordinators

[smtp]
relay = smtp://127.0.0.1:$smtp_port
envelope_from = bounces@gateway.example.eu

[hub]
url = http://127.0.0.1:$hub_port
token_file = $demo/hub.token

[delivery]
templates = $top/templates

[digest]
timezone = Europe/Brussels

[list weekly]
description = Weekly digest of the Code of Conduct gateway
schedule = weekly mon 08:00
CONF
inbox_config flags implicit "$DV_IMAPS" "after = move:Processed"

say "the coordinator registers organisations, company contacts and their groups"
fp orgs add "CSO Example" --domain cso.example.org
fp orgs add "Licra Demo" --domain licra.example.fr --good-faith --licence CC-BY-4.0
fp contacts add coordinators@gateway.example.eu --name "Coordinators"
fp contacts add trust@youtube.example.com --name "YouTube T&S" --platform youtube --languages de,fr,en
fp contacts add safety@tiktok.example.com --name "TikTok T&S" --platform tiktok
fp contacts group add coordinators coordinators@gateway.example.eu
fp contacts group add youtube trust@youtube.example.com
fp contacts group add tiktok safety@tiktok.example.com
# the other groups that the shipped rules/ route to, one desk each
for g in facebook instagram x linkedin snapchat twitch dailymotion jeuxvideo \
    viber microsoft team-de team-at-ch team-fr team-pl researchers; do
	fp contacts add "desk@$g.example" --name "$g desk" >/dev/null
	fp contacts group add "$g" "desk@$g.example" >/dev/null
done
fp contacts group list

say "the coordinator subscribes the YouTube desk to the weekly digest"
fp lists subscribe weekly trust@youtube.example.com

say "flagpost check: the configuration, the rules of rules/ and their contacts"
fp check

say "CSOs and companies write to the gateway's IMAP inbox: contrib/samples/"
for f in "$top"/contrib/samples/*.eml; do
	dv_save anna INBOX "$f"
	printf '%s: %s\n' "$(basename "$f")" "$(grep -m1 '^Subject:' "$f")"
done

say "flagpost rules test: where the rules would send the first sample (a dry run)"
fp rules test "$top/contrib/samples/1-flag.eml"

say "flagpost run-once: fetch, parse, verify, validate, store, route, send; then move to Processed"
fp run-once
echo "INBOX now holds $(dv_uids anna INBOX | wc -l) mails, Processed $(dv_uids anna Processed | wc -l)"

say "flagpost records list"
fp records list

for ref in $(fp records list | awk '{print $1}'); do
	say "flagpost records show $ref"
	fp records show "$ref"
	say "flagpost rules explain $ref"
	fp rules explain "$ref"
done

say "flagpost messages list"
fp messages list
for id in $(fp messages list --status rejected | awk '{print $1}') \
    $(fp messages list --status quarantined | awk '{print $1}'); do
	say "flagpost messages show $id (what the sender will be told, or why not)"
	fp messages show "$id"
done

say "flagpost queue list: everything the gateway sent"
fp queue list

say "what the SMTP server received (To: Subject)"
python3 - "$demo/smtp" <<'PY'
import email, email.policy, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/*.eml")):
    m = email.message_from_binary_file(open(p, "rb"), policy=email.policy.default)
    print("%-34s %s" % (m["To"].addresses[0].addr_spec, m["Subject"]))
PY

for pick in "Subject: \[FLG-" "Subject: Accepted:" "Subject: Not accepted:"; do
	f=$(grep -l "^$pick" "$demo"/smtp/*.eml | head -n 1)
	[ -n "$f" ] || continue
	say "$(basename "$f"): the text part of one mail ($(grep -m1 "^Subject:" "$f"))"
	python3 - "$f" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("From", "To", "Reply-To", "Subject", "Message-ID", "In-Reply-To", "Auto-Submitted", "Importance"):
    if m[h]:
        print("%s: %s" % (h, m[h]))
print()
print(m.get_body(("plain",)).get_content())
PY
done

say "Anna asked for the weekly digest by mail (7-subscribe.eml): she got a confirmation"
confirm=$(grep -l '^Subject: confirm ' "$demo"/smtp/*.eml | head -n 1)
token=$(sed -n 's/^Subject: confirm \([a-z2-7]*\).*/\1/p' "$confirm")
grep -E '^(To|Reply-To|Subject):' "$confirm"
echo "flagpost lists show weekly, before she answers:"
fp lists show weekly | sed -n '/^subscribers/,$p'

say "Anna answers the confirmation; the gateway subscribes her"
cat >"$demo/confirm.eml" <<MAIL
Authentication-Results: mx.gateway.example.eu; dkim=pass header.d=cso.example.org; dmarc=pass header.from=cso.example.org
From: Anna Kowalska <anna@cso.example.org>
To: flags+confirm-$token@gateway.example.eu
Subject: Re: confirm $token: subscribe to weekly
Date: Sat, 28 Nov 2026 09:40:00 +0100
Message-ID: <sample-7-confirm@cso.example.org>
Content-Type: text/plain; charset=utf-8

Yes, please.
MAIL
fp ingest "$demo/confirm.eml"
fp lists list

next=$(fp lists list | awk '$1 == "weekly" {print $NF}')
say "flagpost digest run --now $next: the digest of the week, composed once, queued to each subscriber"
fp digest run --now "$next" --dry-run
FLAGPOST_NOW=$next fp digest run
FLAGPOST_NOW=$next fp digest run
FLAGPOST_NOW=$next fp run-once | grep '^delivery'

for f in $(grep -l '^List-Id:' "$demo"/smtp/*.eml | head -n 1); do
	say "$(basename "$f"): a digest as the subscriber reads it"
	python3 - "$f" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("From", "To", "Subject", "List-Id", "List-Unsubscribe", "List-Help", "List-Post", "Precedence", "Auto-Submitted"):
    if m[h]:
        print("%s: %s" % (h, m[h]))
print()
print(m.get_body(("plain",)).get_content())
PY
done

say "what the knowledge hub received"
for f in "$demo"/hub/*.json; do
	[ -f "$f" ] || continue
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); [a.update(content="(%d bytes of base64)" % len(a["content"])) for a in j.get("attachments", [])]; print(json.dumps(j, indent=2, ensure_ascii=False))' "$f"
done

#!/bin/sh
# The gateway doing its job on a fresh Debian 12 machine: installs what it
# needs, builds, starts a private Dovecot on loopback, registers two CSOs
# and two company contacts in a new store, delivers the sample CSO mails of
# contrib/samples/ to the IMAP inbox, dry-runs the routing rules of rules/
# on one of them, runs `flagpost run-once`, and shows the records, where
# each was routed and why, the problems that the senders will be told
# about, and what was refused.
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
cleanup() { rm -rf "$demo"; }
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

say "flagpost check: the configuration, the rules of rules/ and their contacts"
fp check

say "CSOs and companies write to the gateway's IMAP inbox: contrib/samples/"
for f in "$top"/contrib/samples/*.eml; do
	dv_save anna INBOX "$f"
	printf '%s: %s\n' "$(basename "$f")" "$(grep -m1 '^Subject:' "$f")"
done

say "flagpost rules test: where the rules would send the first sample (a dry run)"
fp rules test "$top/contrib/samples/1-flag.eml"

say "flagpost run-once: fetch, parse, verify, validate, store, route; then move to Processed"
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


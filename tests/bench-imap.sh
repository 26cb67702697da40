#!/bin/sh
# The IMAP benchmark (never part of `make check`): N realistic mails in a
# private Dovecot's INBOX, then, on the same machine in the same run,
# `flagpost run-once` from an empty store to every mail stored (parsed,
# verified, validated and stored), and `mbsync` (isync) pulling the same
# mailbox into a Maildir.  Prints both times and their ratio.
# BENCH_IMAP_N sets N (default 10000).
set -u
: "${FLAGPOST:=$(pwd)/flagpost}"
: "${top_srcdir:=.}"
. "$top_srcdir/tests/lib.sh"
. "$srcdir/tests/lib-dovecot.sh"
n=${BENCH_IMAP_N:-10000}

command -v mbsync >/dev/null || { echo "bench-imap: mbsync is missing (apt-get install isync)"; exit 1; }
dovecot_start || exit 1
"$PYTHON3" "$srcdir/tests/bench-gen.py" "$n" "$T/gen"
mkdir -p "$DV/mail/anna/new"
for f in "$T/gen/new/"*; do
	mv "$f" "$DV/mail/anna/new/$(basename "$f"):2,"
done
chown -R dovecot:dovecot "$DV/mail"
# let Dovecot index the folder once, so neither client pays for it
doveadm -c "$DV_CONF" mailbox status -u anna messages INBOX

write_config
register
inbox_config bench implicit "$DV_IMAPS" "after = keep" "batch = 500"

secs() {	# seconds that the command took
	"$PYTHON3" - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
if r.returncode != 0:
    sys.exit("bench-imap: %s failed: %d" % (sys.argv[1], r.returncode))
print("%.2f" % (time.monotonic() - t))
PY
}

t_fp=$(secs "$FLAGPOST" -c "$T/flagpost.conf" run-once) || exit 1
stored=$("$PYTHON3" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from message").fetchone()[0])' "$T/flagpost.db")

mkdir -p "$T/mbsync/Maildir"
cat >"$T/mbsyncrc" <<CONF
IMAPAccount bench
Host localhost
Port $DV_IMAPS
User anna
Pass secret
SSLType IMAPS
CertificateFile $DV_CA

IMAPStore remote
Account bench

MaildirStore local
Path $T/mbsync/
Inbox $T/mbsync/Maildir

Channel bench
Far :remote:INBOX
Near :local:INBOX
Sync Pull
Create Near
Expunge None
SyncState *
CONF
t_mb=$(secs mbsync -c "$T/mbsyncrc" bench) || exit 1
pulled=$(find "$T/mbsync/Maildir" -type f -path '*/cur/*' -o -type f -path '*/new/*' | wc -l)

printf '%s mails in one IMAP folder (%s KiB)\n' "$n" "$(du -sk --apparent-size "$DV/mail/anna" | cut -f1)"
printf 'flagpost run-once (fetch, parse, store): %8.2f s  %8.0f mails/s  (%s stored)\n' "$t_fp" "$(awk "BEGIN { print $n / $t_fp }")" "$stored"
printf 'mbsync pull to a Maildir:                %8.2f s  %8.0f mails/s  (%s pulled)\n' "$t_mb" "$(awk "BEGIN { print $n / $t_mb }")" "$pulled"
printf 'ratio flagpost / mbsync:                 %8.2f\n' "$(awk "BEGIN { print $t_fp / $t_mb }")"

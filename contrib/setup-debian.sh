#!/bin/sh
# Installs every Debian 12 package that building and testing flagpost needs.
# Idempotent and non-interactive; run as root (or through sudo).
set -eu

PACKAGES="
build-essential autoconf automake pkg-config
libetpan-dev libsqlite3-dev libpcre2-dev libcurl4-gnutls-dev libgnutls28-dev
libinih-dev libjansson-dev libgumbo-dev libcsv-dev
clang libclang-rt-14-dev
sqlite3 python3 groff-base tzdata
dovecot-imapd openssl isync
postfix
"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "setup-debian: every package is installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		exec sudo "$0" "$@"
	fi
	echo "setup-debian: run as root to install:$missing" >&2
	exit 1
fi

echo "setup-debian: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Postfix only for smtp-sink and smtp-source (tests, benchmark): no mail
# system is configured or started
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

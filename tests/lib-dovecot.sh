# tests/lib-dovecot.sh: a private Dovecot for the tests, on free loopback
# ports, with TLS from a CA that the test makes.  Sourced after lib.sh.
#   dovecot_start            start it (users anna and bob, password "secret")
#   dovecot_stop / dovecot_restart
#   dv_save USER FOLDER FILE append a mail (doveadm save)
#   dv_drop USER FILE        deliver a mail into the INBOX's Maildir
#   dv_uids USER FOLDER      the UIDs in a folder, one a line
#   dv_flags USER FOLDER     "UID FLAGS" lines
# 127.0.0.2 is the same server without MOVE, 127.0.0.4 without IDLE.
# Sets DV_IMAP (plain+STARTTLS port), DV_IMAPS (implicit TLS port),
# DV_CA (the CA file), DV_BADCA (another CA), DV_CONF.

DV="$T/dovecot"

free_port() {
	"$PYTHON3" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

dv_certs() {
	mkdir -p "$DV/ssl"
	(
		cd "$DV/ssl" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=flagpost test CA" \
			-keyout ca.key -out ca.pem >/dev/null 2>&1
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
			-keyout bad.key -out bad.pem >/dev/null 2>&1
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
			-keyout server.key -out server.csr >/dev/null 2>&1
		printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2,IP:127.0.0.4\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext.cnf
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 2 -extfile ext.cnf -out server.pem >/dev/null 2>&1
	)
	DV_CA="$DV/ssl/ca.pem"
	DV_BADCA="$DV/ssl/bad.pem"
}

dovecot_start() {
	mkdir -p "$DV/base" "$DV/mail"
	[ -f "$DV/ssl/server.pem" ] || dv_certs
	chmod 755 "$T" "$DV"
	chown -R dovecot:dovecot "$DV/mail"
	if [ -z "${DV_IMAP:-}" ]; then
		DV_IMAP=$(free_port)
		DV_IMAPS=$(free_port)
	fi
	printf 'anna:{PLAIN}secret\nbob:{PLAIN}secret\n' >"$DV/passwd"
	# XOAUTH2, checked against a token introspection endpoint of our own
	if [ -z "${DV_OAUTH_PID:-}" ]; then
		"$PYTHON3" "$srcdir/tests/oauth-introspect.py" >"$DV/oauth.port" &
		DV_OAUTH_PID=$!
		i=0
		while [ ! -s "$DV/oauth.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	fi
	cat >"$DV/oauth2.conf.ext" <<OAUTH
introspection_mode = post
introspection_url = http://127.0.0.1:$(cat "$DV/oauth.port")/introspect
username_attribute = username
active_attribute = active
active_value = true
OAUTH
	DV_CONF="$DV/dovecot.conf"
	DV_CAPS="IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE LITERAL+ STATUS"
	cat >"$DV_CONF" <<CONF
base_dir = $DV/base
state_dir = $DV/base/state
log_path = $DV/dovecot.log
protocols = imap
listen = 127.0.0.1 127.0.0.2 127.0.0.4
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:$DV/mail/%u
mail_uid = dovecot
mail_gid = dovecot
first_valid_uid = 1
auth_mechanisms = plain login xoauth2
disable_plaintext_auth = no
passdb {
  driver = passwd-file
  args = scheme=PLAIN $DV/passwd
}
passdb {
  driver = oauth2
  mechanisms = xoauth2
  args = $DV/oauth2.conf.ext
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=$DV/mail/%u
}
ssl = yes
ssl_cert = <$DV/ssl/server.pem
ssl_key = <$DV/ssl/server.key
ssl_min_protocol = TLSv1.2
namespace inbox {
  inbox = yes
  mailbox Processed {
    auto = create
  }
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1 127.0.0.2 127.0.0.4
    port = $DV_IMAP
  }
  inet_listener imaps {
    address = 127.0.0.1 127.0.0.2 127.0.0.4
    port = $DV_IMAPS
    ssl = yes
  }
}
# the same server without MOVE (127.0.0.2) and without IDLE (127.0.0.4)
local 127.0.0.2 {
  protocol imap {
    imap_capability = $DV_CAPS IDLE UIDPLUS
  }
}
local 127.0.0.4 {
  protocol imap {
    imap_capability = $DV_CAPS UIDPLUS MOVE
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-reader {
    mode = 0666
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
CONF
	mkdir -p "$DV/base/state"
	dovecot -c "$DV_CONF" || return 1
	# wait until it answers
	i=0
	while [ $i -lt 100 ]; do
		if "$PYTHON3" -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1])),1); s.recv(100)' "$DV_IMAP" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "# dovecot did not start:" >&2
	sed 's/^/# /' "$DV/dovecot.log" >&2
	return 1
}

dovecot_stop() {
	[ -n "${DV_CONF:-}" ] || return 0
	doveadm -c "$DV_CONF" stop 2>/dev/null
	i=0
	while [ -f "$DV/base/master.pid" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

dovecot_restart() { dovecot_stop; dovecot_start; }

dv_save() { doveadm -c "$DV_CONF" save -u "$1" -m "$2" <"$3"; }
# a delivery straight into the Maildir, as an MDA does (works while stopped)
dv_drop() {
	mkdir -p "$DV/mail/$1/new"
	cp "$2" "$DV/mail/$1/new/$(date +%s).$$.$(basename "$2")"
	chown -R dovecot:dovecot "$DV/mail/$1"
}
dv_uids() { doveadm -c "$DV_CONF" -f flow fetch -u "$1" uid mailbox "$2" | sed 's/^uid=//'; }
dv_flags() { doveadm -c "$DV_CONF" -f flow fetch -u "$1" 'uid flags' mailbox "$2" | sed 's/^uid=\([0-9]*\) flags=/\1 /'; }

# the gateway's configuration for one inbox: inbox_config NAME TLS PORT [key = value ...]
inbox_config() {
	name=$1 tls=$2 port=$3
	shift 3
	printf 'secret\n' >"$T/password"
	chmod 600 "$T/password"
	{
		printf '\n[inbox %s]\nhost = %s\nport = %s\ntls = %s\nca_file = %s\nuser = anna\npassword_file = %s\ntimeout = 10\n' \
			"$name" "${DV_HOST:-127.0.0.1}" "$port" "$tls" "$DV_CA" "$T/password"
		for kv in "$@"; do printf '%s\n' "$kv"; done
	} >>"$T/flagpost.conf"
}

trap 'dovecot_stop; [ -z "${DV_OAUTH_PID:-}" ] || kill "$DV_OAUTH_PID" 2>/dev/null; cleanup' EXIT

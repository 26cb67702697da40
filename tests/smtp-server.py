#!/usr/bin/env python3
"""A scriptable SMTP server for the tests (asyncio streams, no aiosmtpd).

It listens on --bind (127.0.0.1) and --port (0: a free one), prints the
port on stdout, and writes each mail it accepts as DIR/NNNN.eml (exactly
the DATA bytes, dot-stuffing undone, without the final dot) with the
envelope in DIR/NNNN.env ("from ADDR" and "rcpt ADDR" lines).

  --starttls CERT KEY   advertise STARTTLS and require it before MAIL/AUTH
  --tls CERT KEY        implicit TLS (smtps) from the first byte
  --auth USER:PASS      AUTH PLAIN and LOGIN, required before MAIL
  --reject-rcpt ADDR    550 5.1.1 for that recipient (repeatable)
  --tempfail-rcpt ADDR  451 4.3.0 for that recipient (repeatable)
  --reject-data         554 5.6.0 after the final dot
  --close-after N       after N mails accepted on a connection, answer the
                        next command with 421 and close; new connections
                        start again from 0
  --hang-after N        after N mails accepted in all, answer nothing more
                        (not even the greeting of a new connection)
  --log FILE            the transcript: "connect", then one line per
                        command as received (AUTH data not logged)
"""

import argparse
import asyncio
import base64
import os
import ssl
import sys

LINE_MAX = 1 << 20


class State:
    def __init__(self, args):
        self.args = args
        self.count = 0          # mails accepted in all
        self.seq = 0            # files written
        self.hanging = False
        self.ssl = None
        self.implicit = None
        if args.starttls:
            self.ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.ssl.load_cert_chain(args.starttls[0], args.starttls[1])
        if args.tls:
            self.implicit = ssl.create_default_context(
                ssl.Purpose.CLIENT_AUTH)
            self.implicit.load_cert_chain(args.tls[0], args.tls[1])
        self.reject = {a.lower() for a in args.reject_rcpt}
        self.tempfail = {a.lower() for a in args.tempfail_rcpt}

    def log(self, line):
        if self.args.log:
            with open(self.args.log, "a", encoding="utf-8",
                      errors="backslashreplace") as f:
                f.write(line + "\n")

    def store(self, mail_from, rcpts, data):
        self.seq += 1
        base = os.path.join(self.args.dir, "%04d" % self.seq)
        with open(base + ".env.tmp", "w", encoding="utf-8",
                  errors="backslashreplace") as f:
            f.write("from %s\n" % mail_from)
            for r in rcpts:
                f.write("rcpt %s\n" % r)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(data)
        os.rename(base + ".eml.tmp", base + ".eml")
        os.rename(base + ".env.tmp", base + ".env")


def addr(arg, prefix):
    """the address in 'FROM:<a> SIZE=1', or None"""
    if not arg.upper().startswith(prefix):
        return None
    rest = arg[len(prefix):].strip()
    if not rest.startswith("<") or ">" not in rest:
        return None
    return rest[1:rest.index(">")]


class Session:
    def __init__(self, st, reader, writer):
        self.st = st
        self.r = reader
        self.w = writer
        self.tls = st.implicit is not None
        self.authed = False
        self.helo = False
        self.accepted = 0       # on this connection
        self.reset()

    def reset(self):
        self.mail_from = None
        self.rcpts = []

    async def reply(self, text):
        if self.st.hanging:
            await asyncio.sleep(3600)
        self.w.write(text.encode() + b"\r\n")
        await self.w.drain()

    async def readline(self):
        line = await self.r.readline()
        if not line:
            raise ConnectionResetError
        return line

    async def run(self):
        st = self.st
        st.log("connect")
        await self.reply("220 test.example ESMTP flagpost test server")
        while True:
            line = await self.readline()
            text = line.decode("utf-8", "backslashreplace").rstrip("\r\n")
            verb, _, arg = text.partition(" ")
            verb = verb.upper()
            st.log(text if verb != "AUTH" else
                   "AUTH " + arg.split(" ")[0].upper())
            if st.hanging:
                await asyncio.sleep(3600)
            if st.args.close_after is not None and \
                    self.accepted >= st.args.close_after and verb != "QUIT":
                await self.reply("421 4.3.2 closing after %d mails"
                                 % self.accepted)
                return
            if verb in ("EHLO", "HELO"):
                self.helo = True
                self.reset()
                if verb == "HELO":
                    await self.reply("250 test.example")
                    continue
                caps = ["test.example", "SIZE 52428800", "8BITMIME"]
                if st.ssl and not self.tls:
                    caps.append("STARTTLS")
                if st.args.auth and (self.tls or not st.ssl):
                    caps.append("AUTH PLAIN LOGIN")
                caps.append("HELP")
                out = ["250-" + c for c in caps[:-1]] + ["250 " + caps[-1]]
                await self.reply("\r\n".join(out))
            elif verb == "STARTTLS":
                if not st.ssl or self.tls:
                    await self.reply("502 5.5.1 no STARTTLS here")
                    continue
                await self.reply("220 2.0.0 go ahead")
                try:
                    await self.w.start_tls(st.ssl)
                except (ssl.SSLError, OSError) as e:
                    st.log("tls failed: %s" % e)
                    return
                self.tls = True
                self.helo = False
                self.authed = False
                self.reset()
            elif verb == "AUTH":
                await self.auth(arg)
            elif verb == "MAIL":
                if st.ssl and not self.tls:
                    await self.reply("530 5.7.0 Must issue a STARTTLS "
                                     "command first")
                elif st.args.auth and not self.authed:
                    await self.reply("530 5.7.0 Authentication required")
                elif not self.helo:
                    await self.reply("503 5.5.1 EHLO first")
                elif self.mail_from is not None:
                    await self.reply("503 5.5.1 nested MAIL")
                else:
                    a = addr(arg, "FROM:")
                    if a is None:
                        await self.reply("501 5.5.4 bad MAIL FROM")
                    else:
                        self.mail_from = a
                        await self.reply("250 2.1.0 ok")
            elif verb == "RCPT":
                a = addr(arg, "TO:")
                if self.mail_from is None:
                    await self.reply("503 5.5.1 MAIL first")
                elif a is None:
                    await self.reply("501 5.5.4 bad RCPT TO")
                elif a.lower() in st.reject:
                    await self.reply("550 5.1.1 <%s>: Recipient address "
                                     "rejected: User unknown" % a)
                elif a.lower() in st.tempfail:
                    await self.reply("451 4.3.0 <%s>: try again later" % a)
                else:
                    self.rcpts.append(a)
                    await self.reply("250 2.1.5 ok")
            elif verb == "DATA":
                if not self.rcpts:
                    await self.reply("503 5.5.1 no valid recipients")
                    continue
                await self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = await self.data()
                if st.args.reject_data:
                    await self.reply("554 5.6.0 message refused")
                else:
                    st.store(self.mail_from, self.rcpts, data)
                    st.count += 1
                    self.accepted += 1
                    await self.reply("250 2.0.0 Ok: queued as %04d"
                                     % st.seq)
                    if st.args.hang_after is not None and \
                            st.count >= st.args.hang_after:
                        st.hanging = True
                self.reset()
            elif verb == "RSET":
                self.reset()
                await self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                await self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                await self.reply("221 2.0.0 bye")
                return
            else:
                await self.reply("502 5.5.2 unknown command")

    async def data(self):
        out = []
        at_start = True
        while True:
            line = await self.readline()
            if at_start and line == b".\r\n":
                return b"".join(out)
            if at_start and line.startswith(b"."):
                line = line[1:]
            out.append(line)
            at_start = line.endswith(b"\r\n")

    async def auth(self, arg):
        st = self.st
        parts = arg.split(" ")
        mech = parts[0].upper()
        if not st.args.auth or (st.ssl and not self.tls):
            await self.reply("503 5.5.1 AUTH not available")
            return
        if self.authed:
            await self.reply("503 5.5.1 already authenticated")
            return
        if mech == "PLAIN":
            if len(parts) > 1:
                resp = parts[1]
            else:
                await self.reply("334 ")
                resp = (await self.readline()).decode().strip()
            try:
                _, user, pw = base64.b64decode(resp).decode().split("\0")
            except ValueError:
                await self.reply("501 5.5.2 bad PLAIN")
                return
        elif mech == "LOGIN":
            if len(parts) > 1:
                user_b64 = parts[1]
            else:
                await self.reply("334 VXNlcm5hbWU6")
                user_b64 = (await self.readline()).decode().strip()
            await self.reply("334 UGFzc3dvcmQ6")
            pw_b64 = (await self.readline()).decode().strip()
            try:
                user = base64.b64decode(user_b64).decode()
                pw = base64.b64decode(pw_b64).decode()
            except ValueError:
                await self.reply("501 5.5.2 bad LOGIN")
                return
        else:
            await self.reply("504 5.5.4 unknown mechanism")
            return
        if "%s:%s" % (user, pw) == st.args.auth:
            self.authed = True
            st.log("auth ok %s" % user)
            await self.reply("235 2.7.0 Authentication successful")
        else:
            st.log("auth failed %s" % user)
            await self.reply("535 5.7.8 Authentication credentials invalid")


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    p.add_argument("--reject-rcpt", action="append", default=[])
    p.add_argument("--tempfail-rcpt", action="append", default=[])
    p.add_argument("--reject-data", action="store_true")
    p.add_argument("--close-after", type=int)
    p.add_argument("--hang-after", type=int)
    p.add_argument("--log")
    args = p.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    st = State(args)
    if args.hang_after == 0:
        st.hanging = True

    async def handle(reader, writer):
        try:
            await Session(st, reader, writer).run()
        except (ConnectionError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError, ssl.SSLError, OSError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    server = await asyncio.start_server(handle, args.bind, args.port,
                                        limit=LINE_MAX, ssl=st.implicit)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

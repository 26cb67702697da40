#!/usr/bin/env python3
"""compose-check.py: reads a mail written by gateway/compose.c with Python's
own email package, an independent parser, and checks it against what the
writer meant (NAME.json next to NAME.eml, written by `test-compose --write`).

usage: compose-check.py NAME.eml [NAME.json]

Prints one line per check, "ok - WHAT" or "not ok - WHAT", with "# ..."
lines for the details; exits 1 when a check failed.  tests/compose.test
turns the lines into TAP.
"""

import email
import email.header
import email.policy
import email.utils
import hashlib
import json
import os
import re
import sys
from email.parser import BytesParser

failed = 0


def check(cond, what, *details):
    global failed
    if cond:
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what)
        for d in details:
            for line in str(d).splitlines() or [""]:
                print("# " + line)
    return cond


def ws(s):
    """white space runs as one space, none at the ends (as the writer does
    in header fields)"""
    return " ".join(s.split()) if s is not None else None


def structure(part):
    ct = part.get_content_type()
    if part.is_multipart():
        return "%s(%s)" % (ct, ",".join(structure(p)
                                        for p in part.iter_parts()))
    return ct


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def raw_checks(raw, boundaries):
    bad8 = [i for i, b in enumerate(raw) if b >= 0x80 or b == 0]
    check(not bad8, "7-bit: no 8-bit byte, no NUL",
          "first at offset %d" % bad8[0] if bad8 else "")

    bare = re.search(rb"(?<!\r)\n|\r(?!\n)", raw)
    check(bare is None and raw.endswith(b"\r\n"),
          "every line ends in CRLF",
          "bare CR or LF at offset %d" % bare.start() if bare else
          "no CRLF at the end")

    lines = raw.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    longest = max((len(l) for l in lines), default=0)
    check(longest <= 998, "every line <= 998 octets",
          "longest: %d" % longest)

    # header lines: the top block and the block after each delimiter
    delims = {b"--" + b.encode() for b in boundaries}
    closes = {b"--" + b.encode() + b"--" for b in boundaries}
    in_hdr, hdr_lines = True, []
    for l in lines:
        if in_hdr:
            if l == b"":
                in_hdr = False
            else:
                hdr_lines.append(l)
        elif l in delims:
            in_hdr = True
        elif l in closes:
            in_hdr = False
    long_hdr = [l for l in hdr_lines if len(l) > 78]
    check(not long_hdr, "header lines <= 78 octets",
          *[l.decode("ascii", "replace") for l in long_hdr[:5]])
    # RFC 2047 2: a line with an encoded word at most 76
    long_ew = [l for l in hdr_lines if b"=?" in l and len(l) > 76]
    check(not long_ew, "header lines with encoded words <= 76 octets",
          *[l.decode("ascii", "replace") for l in long_ew[:5]])

    # each boundary: once in its parameter, otherwise only as delimiters
    for b in boundaries:
        bb = b.encode()
        uses = raw.count(bb)
        dl = sum(1 for l in lines if l in (b"--" + bb, b"--" + bb + b"--"))
        check(uses == dl + 1 and dl >= 2,
              "boundary %s only in its parameter and delimiters" % b,
              "uses %d, delimiter lines %d" % (uses, dl))


def encoded_lines(msg):
    qp, b64 = [], []
    for p in leaves(msg):
        cte = (p.get("Content-Transfer-Encoding") or "7bit").lower()
        body = p.get_payload(decode=False)
        if cte == "quoted-printable":
            qp.extend(body.splitlines())
        elif cte == "base64":
            b64.append(body.splitlines())
    if qp:
        longest = max(len(l) for l in qp)
        check(longest <= 76, "quoted-printable lines <= 76",
              "longest: %d" % longest)
        stray = [l for l in qp
                 if re.search(r"=(?![0-9A-F]{2}|$)", l) or
                 re.search(r"[ \t]$", l)]
        check(not stray, "quoted-printable: every '=' is =XX or a soft "
              "break, no trailing white space", *stray[:3])
    if b64:
        # every line of a part 76 long, its last one at most
        longest = max((len(l) for b in b64 for l in b), default=0)
        short = [l for b in b64 for l in b[:-1] if len(l) != 76]
        check(longest <= 76 and not short, "base64 lines of 76",
              "longest %d, short lines: %r" % (longest, short[:3]))


def defects(msg):
    found = []
    for p in msg.walk():
        for d in p.defects:
            found.append("%s: %r" % (p.get_content_type(), d))
        for name, value in p.items():
            for d in getattr(value, "defects", ()):
                found.append("%s: %r" % (name, d))
    return found


def decoded_compat32(value):
    """the header through the older API: decode_header and make_header"""
    return str(email.header.make_header(email.header.decode_header(value)))


def expect_checks(msg, raw, exp):
    check(structure(msg) == exp["structure"],
          "structure is %s" % exp["structure"], "got %s" % structure(msg))

    subject = msg["Subject"]
    check(subject is not None and str(subject) == ws(exp["subject"]),
          "Subject decodes to what was written",
          "got:  %r" % str(subject), "want: %r" % ws(exp["subject"]))
    old = email.message_from_bytes(raw, policy=email.policy.compat32)
    got = ws(decoded_compat32(old["Subject"]))
    check(got == ws(exp["subject"]),
          "Subject decodes the same with compat32 decode_header",
          "got:  %r" % got, "want: %r" % ws(exp["subject"]))

    for field, name, addr in (("From", "from_name", "from_addr"),
                              ("To", "to_name", "to_addr")):
        h = msg[field]
        a = h.addresses if h is not None else ()
        ok = len(a) == 1 and a[0].addr_spec == exp[addr] and \
            a[0].display_name == (ws(exp[name]) or "")
        check(ok, "%s: one mailbox, name and address as written" % field,
              "got:  %r" % (list(a),),
              "want: %r <%s>" % (ws(exp[name]), exp[addr]))
    if exp.get("reply_to"):
        h = msg["Reply-To"]
        check(h is not None and len(h.addresses) == 1 and
              h.addresses[0].addr_spec == exp["reply_to"], "Reply-To",
              "got %r" % (str(h),))
    else:
        check(msg["Reply-To"] is None, "no Reply-To")

    mid = msg["Message-ID"]
    want = "<%s>" % exp["message_id"]
    check(mid is not None and str(mid).strip() == want and
          email.utils.unquote(str(mid).strip()) == exp["message_id"],
          "Message-ID parses: %s" % want, "got %r" % str(mid))
    date = msg["Date"]
    dt = getattr(date, "datetime", None)
    check(dt is not None and int(dt.timestamp()) == exp["date"] and
          dt.utcoffset() is not None and dt.utcoffset().total_seconds() == 0,
          "Date parses to %d, UTC" % exp["date"], "got %r" % str(date))
    pd = email.utils.parsedate_to_datetime(str(date))
    check(int(pd.timestamp()) == exp["date"], "Date: parsedate_to_datetime")

    if exp.get("in_reply_to"):
        check(str(msg["In-Reply-To"]) == "<%s>" % exp["in_reply_to"],
              "In-Reply-To", "got %r" % str(msg["In-Reply-To"]))
    if exp.get("references"):
        check(ws(str(msg["References"])) == ws(exp["references"]),
              "References", "got %r" % str(msg["References"]))
    check(str(msg["MIME-Version"]) == "1.0", "MIME-Version: 1.0")
    check(str(msg["Auto-Submitted"]) == (exp["auto_submitted"] or
                                         "auto-generated"),
          "Auto-Submitted", "got %r" % str(msg["Auto-Submitted"]))
    if exp.get("importance"):
        check(str(msg["Importance"]) == "high" and
              str(msg["X-Priority"]) == "1", "Importance: high, X-Priority: 1")
    else:
        check(msg["Importance"] is None and msg["X-Priority"] is None,
              "no Importance, no X-Priority")
    for name, value in exp["extra"]:
        got = msg.get_all(name) or []
        check(len(got) == 1 and str(got[0]) == ws(value),
              "%s decodes to what was written" % name,
              "got:  %r" % [str(g) for g in got], "want: %r" % ws(value))

    order = [k.lower() for k in msg.keys()]
    want = ["date", "from", "to", "reply-to", "subject", "message-id",
            "in-reply-to", "references", "mime-version", "auto-submitted",
            "importance", "x-priority"]
    want = [w for w in want if w in order]
    tail = ["content-type"] if msg.is_multipart() else \
        ["content-type", "content-transfer-encoding"]
    check(order[:len(want)] == want and order[-len(tail):] == tail,
          "header fields in order", "got %r" % order)
    if not msg.is_multipart():
        check(msg.get_content_type() == "text/plain" and
              msg.get_content_charset() == "utf-8" and
              str(msg["Content-Transfer-Encoding"]) == "quoted-printable",
              "text/plain; charset=utf-8, quoted-printable")

    texts = [p for p in leaves(msg)
             if p.get_content_type() == "text/plain" and
             p.get_content_disposition() is None]
    htmls = [p for p in leaves(msg)
             if p.get_content_type() == "text/html" and
             p.get_content_disposition() is None]
    if check(len(texts) == 1, "one text/plain part"):
        got = texts[0].get_content().replace("\r\n", "\n")
        want = exp["text"].replace("\r\n", "\n")
        check(texts[0].get_content_charset() == "utf-8" and got == want,
              "text body decodes to what was written",
              "got:  %r" % got, "want: %r" % want)
    if exp.get("html") is not None:
        if check(len(htmls) == 1, "one text/html part"):
            # CRLF and LF are both line breaks on the way in
            got = htmls[0].get_content().replace("\r\n", "\n")
            want = exp["html"].replace("\r\n", "\n")
            check(got == want, "HTML body decodes to what was written",
                  "got:  %r" % got, "want: %r" % want)
        alt = [p for p in msg.walk()
               if p.get_content_type() == "multipart/alternative"]
        if check(len(alt) == 1, "one multipart/alternative"):
            kids = [p.get_content_type() for p in alt[0].iter_parts()]
            check(kids == ["text/plain", "text/html"],
                  "alternative: text/plain first, text/html last",
                  "got %r" % kids)
    else:
        check(not htmls, "no HTML part")

    atts = [p for p in leaves(msg) if p.get_content_disposition() ==
            "attachment"]
    check(len(atts) == len(exp["attachments"]),
          "%d attachments" % len(exp["attachments"]), "got %d" % len(atts))
    for i, (p, want) in enumerate(zip(atts, exp["attachments"])):
        data = p.get_payload(decode=True) or b""
        check(p.get_filename() == want["filename"] and
              p.get_param("name") is not None and
              email.utils.collapse_rfc2231_value(p.get_param("name")) ==
              want["filename"],
              "attachment %d: filename and name %r" % (i, want["filename"]),
              "got filename %r, name %r" % (p.get_filename(),
                                            p.get_param("name")))
        check(p.get_content_type() == want["type"] and
              p["Content-Transfer-Encoding"] == "base64",
              "attachment %d: %s, base64" % (i, want["type"]),
              "got %s" % p.get_content_type())
        check(len(data) == want["size"] and
              hashlib.sha256(data).hexdigest() == want["sha256"],
              "attachment %d: the bytes (%d)" % (i, want["size"]),
              "got %d bytes" % len(data))


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: compose-check.py NAME.eml [NAME.json]",
              file=sys.stderr)
        return 64
    path = sys.argv[1]
    jpath = sys.argv[2] if len(sys.argv) == 3 else \
        os.path.splitext(path)[0] + ".json"
    with open(path, "rb") as f:
        raw = f.read()

    msg = BytesParser(policy=email.policy.default).parsebytes(raw)
    found = defects(msg)
    check(not found, "no defects (policy.default, every part and field)",
          *found)
    try:
        strict = BytesParser(policy=email.policy.strict).parsebytes(raw)
        # header fields are parsed when read: read them all
        for p in strict.walk():
            for _name, value in p.items():
                str(value)
        check(not defects(strict), "parses with policy.strict")
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        check(False, "parses with policy.strict", repr(e))

    boundaries = [p.get_boundary() for p in msg.walk() if p.is_multipart()]
    raw_checks(raw, boundaries)
    encoded_lines(msg)
    if os.path.exists(jpath):
        with open(jpath, encoding="utf-8") as f:
            expect_checks(msg, raw, json.load(f))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

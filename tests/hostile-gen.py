#!/usr/bin/env python3
"""Writes the hostile mail corpus to OUTDIR: hostile-gen.py OUTDIR

Every file is a mail that a careless or hostile sender could make: broken
MIME, huge lines, deep nesting, lying charsets, NUL bytes.  They are made at
test time because some are large (the 50 MB mail, 100,000 parts).  Each
name says what the mail is; where it makes sense the mail carries a
plausible flag form, so a parser that survives can also be checked for
reading it.  The output is deterministic (no clock, a fixed random seed).
"""

import base64
import os
import random
import sys

FROM = "Anna Kowalska <anna@cso.example.org>"
TO = "flags@gateway.example.eu"
DATE = "Sat, 28 Nov 2026 10:00:00 +0100"

FORM = (
    "Hello,\n"
    "\n"
    "please find the video below.\n"
    "\n"
    "URL: https://www.youtube.com/watch?v=abc\n"
    "Ground: antisemitism\n"
    "Language: de\n"
    "Explanation: The video denies the Holocaust and calls for\n"
    "  violence against Jewish people.\n"
    "Good-Faith: yes\n"
    "\n"
    "Best regards,\n"
    "Anna\n"
)


def crlf(s):
    """LF line ends to CRLF (bytes or str)."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    return s.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def headers(subject, extra=(), msgid="<hostile@cso.example.org>"):
    h = [
        "From: " + FROM,
        "To: " + TO,
        "Subject: " + subject,
        "Date: " + DATE,
        "Message-ID: " + msgid,
        "MIME-Version: 1.0",
    ]
    h.extend(extra)
    return "\n".join(h) + "\n"


def simple(subject, body=FORM, extra=("Content-Type: text/plain; charset=utf-8",)):
    return crlf(headers(subject, extra) + "\n" + body)


def b64lines(data):
    enc = base64.b64encode(data)
    return b"\r\n".join(enc[i:i + 76] for i in range(0, len(enc), 76)) + b"\r\n"


def multipart(subject, parts, boundary="b1", sub="mixed", extra=()):
    out = [crlf(headers(subject, list(extra) + [
        'Content-Type: multipart/%s; boundary="%s"' % (sub, boundary)]) + "\n")]
    out.append(b"This is a multi-part message in MIME format.\r\n")
    for p in parts:
        out.append(b"--" + boundary.encode() + b"\r\n")
        out.append(p if isinstance(p, bytes) else crlf(p))
        out.append(b"\r\n")
    out.append(b"--" + boundary.encode() + b"--\r\n")
    return b"".join(out)


TEXT_PART = "Content-Type: text/plain; charset=utf-8\n\n" + FORM


def gen(out):
    rnd = random.Random(20261128)
    files = {}

    def put(name, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        files[name] = data

    # --- structure -------------------------------------------------------
    whole = multipart("[flag] truncated", [
        TEXT_PART,
        b"Content-Type: application/pdf; name=evidence.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" +
        b64lines(bytes(rnd.getrandbits(8) for _ in range(6000)))])
    put("truncated-mime.eml", whole[:len(whole) * 2 // 3])
    put("truncated-in-header.eml", crlf(headers("[flag] cut"))[:70])
    put("truncated-in-part-header.eml",
        multipart("[flag] cut in a part header", [TEXT_PART,
                  "Content-Type: image/png;\n name=x.png\nContent-Tra"])[:-10])

    put("missing-closing-boundary.eml",
        multipart("[flag] no closing boundary", [TEXT_PART])
        .rsplit(b"--b1--", 1)[0])
    put("missing-boundary-param.eml",
        crlf(headers("[flag] no boundary", ["Content-Type: multipart/mixed"]) +
             "\n--xyz\n" + TEXT_PART + "\n--xyz--\n"))
    put("empty-boundary.eml",
        crlf(headers("[flag] empty boundary",
                     ['Content-Type: multipart/mixed; boundary=""']) +
             "\n--\n" + TEXT_PART + "\n----\n"))
    # mailmime_extract_boundary() in libetpan 1.9.4 overflows on a
    # boundary that is a lone quote
    put("quote-boundary.eml",
        crlf(headers("[flag] quote boundary",
                     ['Content-Type: multipart/mixed; boundary="\\""']) +
             '\n--"\n' + TEXT_PART + '\n--"--\n'))
    put("boundary-prefixes.eml",
        multipart("[flag] boundaries that are prefixes", [
            'Content-Type: multipart/alternative; boundary="b1x"\n\n'
            "--b1x\n" + TEXT_PART + "\n--b1x\n"
            "Content-Type: text/html; charset=utf-8\n\n<p>html</p>\n--b1x--\n",
            "Content-Type: text/csv; name=rows.csv\n\nurl,ground\n"
            "https://www.youtube.com/watch?v=abc,antisemitism\n"]))
    put("same-boundary-nested.eml",
        multipart("[flag] same boundary twice", [
            'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\n' +
            TEXT_PART, TEXT_PART]))
    put("delimiter-in-header.eml",
        multipart("[flag] delimiter right after part headers", [
            "Content-Type: text/plain\n--b1 \nContent-Type: "
            "multipart/mixed; boundary=zz\n\n--zz\n" + TEXT_PART +
            "\n--zz--\n", TEXT_PART]))
    put("close-then-more.eml",
        multipart("[flag] close delimiter, then more parts", [TEXT_PART])
        + b"--b1\r\nContent-Type: text/plain\r\n\r\nafter the end\r\n--b1--\r\n")
    put("preamble-only.eml",
        crlf(headers("[flag] only a preamble",
                     ['Content-Type: multipart/mixed; boundary="b1"']) +
             "\n" + FORM))
    put("multipart-no-parts.eml",
        crlf(headers("[flag] only a close delimiter",
                     ['Content-Type: multipart/mixed; boundary="b1"']) +
             "\n--b1--\n"))

    # --- encodings ---------------------------------------------------------
    put("broken-base64.eml",
        crlf(headers("[flag] broken base64",
                     ["Content-Type: text/plain; charset=utf-8",
                      "Content-Transfer-Encoding: base64"]) + "\n") +
        b64lines(FORM.encode())[:-40] + b"!!**==\r\n%%%\r\nQUJD=\r\n")
    put("broken-qp.eml",
        crlf(headers("[flag] broken quoted-printable",
                     ["Content-Type: text/plain; charset=utf-8",
                      "Content-Transfer-Encoding: quoted-printable"]) +
             "\n" + FORM.replace("video", "vid=ZZeo") + "=\n=4\n="))
    put("unknown-transfer-encoding.eml",
        simple("[flag] x-uuencode", extra=(
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: x-uuencode")))
    put("nul-in-headers.eml",
        crlf(headers("[flag] NUL\0in the subject",
                     ["X-Nul: a\0b\0c",
                      "Content-Type: text/plain; charset=utf-8"]) + "\n" + FORM))
    put("nul-in-body.eml", simple("[flag] NUL in the body",
                                  FORM.replace("video", "vi\0deo")))
    put("nul-everywhere.eml", bytes(rnd.choice(b"\0\0From: a\r\n") for _ in
                                    range(20000)))
    put("invalid-utf8-declared-utf8.eml",
        crlf(headers("[flag] invalid UTF-8",
                     ["Content-Type: text/plain; charset=utf-8"]) + "\n") +
        crlf(FORM.encode() + b"\xff\xfe\xc3\x28\xe2\x82\n\xed\xa0\x80\xf4\x90\x80\x80\n"))
    put("unknown-charset.eml",
        crlf(headers("[flag] unknown charset",
                     ["Content-Type: text/plain; charset=x-foo"]) + "\n") +
        crlf(FORM.encode("utf-8").replace(b"Hello", b"Gr\xfc\xdf Gott")))
    put("charset-lie-latin1-is-utf8.eml",
        crlf(headers("[flag] declared latin1, really UTF-8",
                     ["Content-Type: text/plain; charset=iso-8859-1"]) + "\n" +
             FORM.replace("Hello", "Grüße – Zażółć")))
    put("charset-lie-utf8-is-latin1.eml",
        crlf(headers("[flag] declared UTF-8, really latin1",
                     ["Content-Type: text/plain; charset=utf-8"]) + "\n") +
        crlf(FORM.replace("Hello", "Grüße").encode("latin-1")))
    put("charset-garbage-name.eml",
        crlf(headers("[flag] charset name with slashes",
                     ['Content-Type: text/plain; charset="UTF-8//TRANSLIT/../../x"'])
             + "\n") + crlf(FORM.encode() + b"\xe9\n"))
    put("utf16-bom.eml",
        crlf(headers("[flag] UTF-16", ["Content-Type: text/plain; charset=utf-16",
                                        "Content-Transfer-Encoding: base64"]) + "\n") +
        b64lines(FORM.encode("utf-16")))
    put("utf16-odd-bytes.eml",
        crlf(headers("[flag] UTF-16 with an odd byte",
                     ["Content-Type: text/plain; charset=utf-16le",
                      "Content-Transfer-Encoding: base64"]) + "\n") +
        b64lines(FORM.encode("utf-16-le") + b"\x41"))
    put("iso-2022-jp.eml",
        crlf(headers("[flag] ISO-2022-JP", ["Content-Type: text/plain; charset=iso-2022-jp"]) +
             "\n") + crlf(FORM.encode() + "日本語のテキスト\n".encode("iso-2022-jp")))
    put("utf7.eml", crlf(headers("[flag] UTF-7", ["Content-Type: text/plain; charset=utf-7"]) +
                         "\n") + crlf(FORM.encode("utf-7")))

    # --- line ends -----------------------------------------------------------
    mixed = crlf(headers("[flag] CRLF and LF mixed",
                         ["Content-Type: text/plain; charset=utf-8"]) + "\n" + FORM)
    lines = mixed.split(b"\r\n")
    put("crlf-lf-mix.eml", b"".join(
        l + (b"\r\n" if i % 2 else b"\n") for i, l in enumerate(lines)))
    put("lf-only.eml", (headers("[flag] LF only", ["Content-Type: text/plain"]) +
                        "\n" + FORM).encode())
    put("cr-only.eml", (headers("[flag] CR only", ["Content-Type: text/plain"]) +
                        "\n" + FORM).encode().replace(b"\n", b"\r"))
    put("cr-cr-lf.eml", crlf(headers("[flag] CR CR LF", ["Content-Type: text/plain"])
                             + "\n" + FORM).replace(b"\r\n", b"\r\r\n"))
    put("mbox-from-line.eml", b"From anna@cso.example.org Sat Nov 28 10:00:00 2026\n" +
        (headers("[flag] mbox From_ line") + "\n" + FORM).encode())

    # --- sizes and limits -------------------------------------------------------
    put("empty.eml", b"")
    put("whitespace-only.eml", b"\r\n \r\n\t\r\n")
    put("headers-only.eml", crlf(headers("[flag] headers only"))[:-2])
    put("headers-only-blank-line.eml", crlf(headers("[flag] headers and a blank line") + "\n"))
    put("no-headers.eml", crlf(FORM))
    put("binary-garbage.eml", bytes(rnd.getrandbits(8) for _ in range(65536)))
    put("header-line-2mb.eml",
        crlf(headers("[flag] " + "x" * (2 * 1024 * 1024))) + b"\r\n" + crlf(FORM))
    put("header-line-64k.eml",
        crlf(headers("[flag] " + "x" * (65536 - len("Subject: [flag] ")))) + b"\r\n" +
        crlf(FORM))
    put("header-field-4mb-folded.eml",
        crlf(headers("[flag] folded", ["X-Long: " + "\n ".join(["y" * 60000] * 70)])) +
        b"\r\n" + crlf(FORM))
    put("many-header-fields.eml",
        crlf(headers("[flag] 100000 fields", ["X-F%d: v" % i for i in range(100000)])) +
        b"\r\n" + crlf(FORM))
    put("part-header-line-2mb.eml",
        multipart("[flag] long part header", [
            "Content-Type: text/plain; charset=utf-8\nX-Long: " + "z" * (2 * 1024 * 1024)
            + "\n\n" + FORM]))
    put("body-line-10mb.eml", simple("[flag] a 10 MB body line", FORM + "w" * (10 << 20) + "\n"))

    att = bytes(rnd.getrandbits(8) for _ in range(1 << 20)) * 38  # 38 MB
    big = multipart("[flag] 50 MB", [
        TEXT_PART,
        b"Content-Type: video/mp4; name=evidence.mp4\r\n"
        b"Content-Disposition: attachment; filename=evidence.mp4\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + b64lines(att)])
    put("mail-50mb.eml", big[:50 * 1024 * 1024 - 20] + b"\r\n--b1--\r\n")
    del att, big

    # nesting
    def nested(depth, subject):
        head = crlf(headers(subject, ['Content-Type: multipart/mixed; boundary="n0"']) + "\n")
        parts = [head]
        for i in range(1, depth):
            parts.append(b"--n%d\r\nContent-Type: multipart/mixed; boundary=\"n%d\"\r\n\r\n"
                         % (i - 1, i))
        parts.append(b"--n%d\r\n" % (depth - 1) + crlf(TEXT_PART) + b"\r\n")
        for i in range(depth - 1, -1, -1):
            parts.append(b"--n%d--\r\n" % i)
        return b"".join(parts)

    put("nested-10000.eml", nested(10000, "[flag] nested 10000 deep"))
    put("nested-20.eml", nested(20, "[flag] nested 20 deep"))
    put("nested-21.eml", nested(21, "[flag] nested 21 deep"))
    put("nested-10000-no-close.eml",
        nested(10000, "[flag] nested, never closed").split(b"--n9999--")[0])

    def rfc822(depth):
        inner = crlf(headers("[flag] innermost") + "\n" + FORM)
        for i in range(depth):
            inner = crlf(headers("[flag] wrapper %d" % i, ["Content-Type: message/rfc822"],
                                 msgid="<w%d@x>" % i) + "\n") + inner
        return inner

    put("rfc822-nested-1000.eml", rfc822(1000))
    put("rfc822-nested-5.eml", rfc822(5))
    put("rfc822-attached.eml", multipart("[flag] forwarded mail", [
        TEXT_PART,
        b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" +
        crlf(headers("the original", ['Content-Type: multipart/alternative; boundary="in"']) +
             "\n--in\nContent-Type: text/plain\n\noriginal text\n--in\n"
             "Content-Type: text/html\n\n<p>original</p>\n--in--\n")]))
    put("digest-nested.eml", multipart("[flag] digest", [
        crlf(headers("digest item %d" % i) + "\n" + FORM) for i in range(5)], sub="digest"))

    def many_parts(n):
        head = crlf(headers("[flag] %d parts" % n, ['Content-Type: multipart/mixed; boundary="p"']) + "\n")
        body = b"--p\r\n" + crlf(TEXT_PART) + b"\r\n" + b"--p\r\n\r\nx\r\n" * (n - 1) + b"--p--\r\n"
        return head + body

    put("parts-100000.eml", many_parts(100000))
    put("parts-199.eml", many_parts(199))
    put("parts-200.eml", many_parts(200))

    # --- headers --------------------------------------------------------------------
    put("rfc2047-garbage.eml", crlf(
        "From: =?utf-8?q?Anna=?= =?x-nope?b?////?= <anna@cso.example.org>\n"
        "To: =?utf-8?B?not base64 at all?= <flags@gateway.example.eu>, =?\n"
        "Subject: [flag] =?utf-8?q?unterminated =?utf-8?b?w6k?= =?utf-8?b?w6k?==?iso-8859-2?q?=B1?="
        " =?=?= =??q?x?= =?utf-8?x?y?= =?utf-8?q?" + "=FF" * 30 + "?= " + "=?utf-8?q?ab?= " * 3000 + "\n"
        "Date: Mon, 99 Foo 20261 99:99:99 +9999\n"
        "Message-ID: <<<>>>\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + FORM))
    put("rfc2047-many-words.eml", crlf(headers(
        "[flag] " + "\n ".join(["=?utf-8?q?ab?= " * 3000] * 20))) + b"\r\n" + crlf(FORM))
    put("comments-nested-deep.eml", crlf(
        "From: anna@cso.example.org " + "\n ".join(["(" * 50000] * 12) + "\n"
        "Subject: [flag] deep comments\n\n" + FORM))
    put("comments-in-content-type.eml", crlf(headers("[flag] comments in Content-Type", [
        "Content-Type: multipart/mixed (" + "(" * 200 + ") ; boundary=b1"]) +
        "\n--b1\n" + TEXT_PART + "\n--b1--\n"))
    put("to-huge.eml", crlf(headers("[flag] 60000 recipients", [
        "Cc: " + ",\n ".join("r%d@example.org" % i for i in range(60000))])) + b"\r\n" +
        crlf(FORM))
    put("params-huge.eml", crlf(headers("[flag] many parameters", [
        "Content-Type: text/plain; charset=utf-8; " +
        "\n ".join("p%d=v;" % i for i in range(60000))])) + b"\r\n" + crlf(FORM))
    put("header-8bit-latin1.eml",
        crlf(headers("[flag] Gr\xfc\xdfe", ["Content-Type: text/plain; charset=utf-8"]).encode("latin-1")
             + b"\n" + FORM.encode()))
    put("header-8bit-utf8.eml", simple("[flag] Grüße aus Łódź"))
    put("from-broken.eml", crlf(
        "From: Anna <anna@cso.example.org\nSubject: [flag] broken From\n"
        "To: ;;;@@@,<>\nDate: yesterday\n\n" + FORM))
    put("no-from.eml", crlf("Subject: [flag] no From\n\n" + FORM))
    put("header-no-colon.eml", crlf(
        "From: anna@cso.example.org\nthis is not a header\nSubject: [flag] after\n\n" + FORM))
    put("continuation-first.eml", crlf(" folded first\nFrom: anna@cso.example.org\n\n" + FORM))

    # --- HTML -------------------------------------------------------------------------
    def html_mail(subject, html):
        return crlf(headers(subject, ["Content-Type: text/html; charset=utf-8"]) + "\n") + \
            crlf(html)

    form_html = "".join("<div>%s</div>" % (l or "<br>") for l in FORM.split("\n"))
    put("html-only.eml", html_mail("[flag] HTML only", "<html><body>" + form_html +
                                   "<blockquote type=cite>On Friday Bob wrote:<br>old"
                                   "</blockquote></body></html>"))
    put("html-nested-100000.eml", html_mail("[flag] deep HTML", "<div>" * 100000 + form_html))
    put("html-formatting-blowup.eml", html_mail(
        "[flag] formatting elements",
        "".join('<b id="%d"><p>x' % i for i in range(30000)) + form_html))
    put("html-table-nested.eml", html_mail(
        "[flag] nested tables", "<table><tr><td>" * 3000 + form_html))
    put("html-script-unclosed.eml", html_mail("[flag] unclosed script",
                                              form_html + "<script>" + "x<div>" * 50000))
    put("html-huge.eml", html_mail("[flag] 12 MB of HTML", form_html + "<p>filler</p>\n" * 900000))
    put("html-entities.eml", html_mail("[flag] entities",
                                       "URL:&nbsp;https://www.youtube.com/watch?v=abc&amp;t=1<br>"
                                       "Ground: anti&shy;semitism &#x41;&#65;&#0;&#xD800;&#99999999;"
                                       "&notanentity; &lt;b&gt;<br>" + form_html))

    # --- attachments ----------------------------------------------------------------
    put("attachments.eml", multipart("[flag] CSV, JSON and a picture", [
        TEXT_PART,
        "Content-Type: text/csv; charset=utf-8\nContent-Disposition: attachment;\n"
        " filename*=UTF-8''%E2%82%AC%20rows.csv\n\nurl,ground\n"
        "https://www.youtube.com/watch?v=abc,antisemitism\n",
        'Content-Type: application/json; name="=?UTF-8?B?ZmxhZ3MuanNvbg==?="\n'
        "Content-Transfer-Encoding: base64\n\n" +
        base64.b64encode(b'[{"url":"https://www.youtube.com/watch?v=abc"}]').decode() + "\n",
        "Content-Type: image/png\nContent-Transfer-Encoding: base64\n\n" +
        base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(100)).decode() + "\n"]))
    put("attachment-filename-continuations.eml", multipart("[flag] RFC 2231", [
        TEXT_PART,
        "Content-Type: application/pdf\nContent-Disposition: attachment;\n"
        " filename*0*=utf-8''%C5%81%C3%B3d%C5%BA%20;\n filename*1=\"report \";\n"
        " filename*2*=%E2%82%AC.pdf\n\n%PDF-1.4\n"] + [
        "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
        + "; ".join("filename*%d=a" % i for i in range(300)) + "\n\nx\n"]))
    put("report-dsn.eml", multipart("Undelivered Mail Returned to Sender", [
        "Content-Type: text/plain\n\nThe mail could not be delivered.\n",
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n",
        "Content-Type: text/rfc822-headers\n\nFrom: x@y\nSubject: z\n"],
        sub="report", extra=()))

    for name, data in sorted(files.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: hostile-gen.py OUTDIR\n")
        return 2
    os.makedirs(sys.argv[1], exist_ok=True)
    gen(sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())

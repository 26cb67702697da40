#!/usr/bin/env python3
"""bench-gen.py N DIR: writes N realistic flag mails of 4-8 KB into the
Maildir DIR (DIR/new), shaped as Outlook and Gmail deliver them: a chain
of Received fields, DKIM and ARC signatures, Authentication-Results, a
multipart/alternative body (quoted-printable text/plain and HTML) whose
form flags one to three URLs with an explanation of a few sentences."""
import os
import quopri
import random
import sys

GROUNDS = ["antisemitism", "anti-muslim-hatred", "antigypsyism", "racism",
           "xenophobia", "sexual-orientation", "gender-identity"]
LANGS = ["de", "fr", "pl", "it", "es", "nl", "hu", "cs"]
HOSTS = ["https://www.youtube.com/watch?v=", "https://www.tiktok.com/@u/video/",
         "https://x.com/u/status/", "https://www.facebook.com/posts/"]
WORDS = ("the video calls for violence against a protected group and "
         "repeats well known antisemitic tropes about control of media "
         "banks and governments while the comments add threats").split()


def sig(rng, n):
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    s = "".join(rng.choice(alphabet) for _ in range(n))
    return "\n\t".join(s[i:i + 70] for i in range(0, len(s), 70))


def headers(rng, i):
    hops = rng.randint(2, 4)
    received = "".join(
        "Received: from relay%d.cso.example.org (relay%d.cso.example.org [192.0.2.%d])\n"
        "\tby %s with ESMTPS id %s\n"
        "\tfor <flags@gateway.example.eu>; Sat, 28 Nov 2026 09:%02d:%02d +0100 (CET)\n"
        % (h, h, 10 + h, "mx.gateway.example.eu" if h == 0 else
           "relay%d.cso.example.org" % (h - 1),
           "".join(rng.choice("0123456789ABCDEF") for _ in range(12)),
           rng.randint(0, 59), rng.randint(0, 59))
        for h in range(hops))
    return (
        "Return-Path: <anna@cso.example.org>\n" + received +
        "Authentication-Results: mx.gateway.example.eu; dkim=pass (2048-bit key)"
        " header.d=cso.example.org header.s=s1; spf=pass"
        " smtp.mailfrom=cso.example.org; dmarc=pass (p=reject)"
        " header.from=cso.example.org\n"
        "ARC-Seal: i=1; a=rsa-sha256; t=1795852800; cv=none; d=cso.example.org; s=arc;\n\tb=%s\n"
        "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=cso.example.org;\n"
        "\ts=arc; h=to:subject:message-id:date:from:mime-version;\n\tbh=%s;\n\tb=%s\n"
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=cso.example.org;\n"
        "\ts=s1; t=1795852800; h=from:to:subject:date:message-id;\n"
        "\tbh=%s;\n\tb=%s\n"
        "From: Anna Kowalska <anna@cso.example.org>\n"
        "To: flags@gateway.example.eu\n"
        "Subject: [flag] report %d\n"
        "Thread-Topic: [flag] report %d\n"
        "Thread-Index: %s\n"
        "Date: Sat, 28 Nov 2026 09:00:00 +0100\n"
        "Message-ID: <bench-%d@cso.example.org>\n"
        "Accept-Language: de-DE, en-US\n"
        "Content-Language: de-DE\n"
        "X-MS-Has-Attach:\n"
        "X-MS-TNEF-Correlator:\n"
        "MIME-Version: 1.0\n"
        % (sig(rng, 340), sig(rng, 44), sig(rng, 340), sig(rng, 44),
           sig(rng, 340), i, i, sig(rng, 40), i))


def main():
    n, d = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(4711)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for i in range(n):
        urls = ["%s%d%d" % (rng.choice(HOSTS), i, k)
                for k in range(rng.randint(1, 3))]
        explanation = " ".join(rng.choice(WORDS)
                               for _ in range(rng.randint(40, 160)))
        form = ("Hello,\n\nplease review the following content.\n\n" +
                "".join("URL: %s\n" % u for u in urls) +
                "Ground: %s\nLanguage: %s\nCountry: %s\n"
                "Legal-Basis: \u00a7130 StGB\nSeverity: incitement\n"
                "Explanation: %s\nGood-Faith: yes\n\n"
                "Best regards,\nAnna\n-- \nCSO Example\n"
                % (rng.choice(GROUNDS), rng.choice(LANGS),
                   rng.choice(["DE", "FR", "PL"]), explanation))
        html = "<html><body>" + "".join(
            "<p>%s</p>" % line for line in form.split("\n")) + "</body></html>"
        text_qp = quopri.encodestring(form.encode("utf-8")).decode("ascii")
        html_qp = quopri.encodestring(html.encode("utf-8")).decode("ascii")
        boundary = "_000_bench%d_" % i
        mail = (headers(rng, i) +
                "Content-Type: multipart/alternative; boundary=\"%s\"\n\n"
                "--%s\nContent-Type: text/plain; charset=\"utf-8\"\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                "--%s\nContent-Type: text/html; charset=\"utf-8\"\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                "--%s--\n" % (boundary, boundary, text_qp, boundary, html_qp,
                              boundary))
        with open(os.path.join(d, "new", "%08d.bench" % i), "w",
                  encoding="ascii") as f:
            f.write(mail.replace("\n", "\r\n"))


if __name__ == "__main__":
    main()

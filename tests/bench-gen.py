#!/usr/bin/env python3
"""bench-gen.py N DIR: writes N realistic flag mails (4-8 KB) into the
Maildir DIR (DIR/new), as the benchmark feeds them to flagpost."""
import os
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


def body(rng, n):
    lines = []
    while sum(len(l) + 1 for l in lines) < n:
        lines.append(" ".join(rng.choice(WORDS) for _ in range(11)))
    return "\n  ".join(lines)


def main():
    n, d = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(4711)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    for i in range(n):
        size = rng.randint(2900, 6300)
        urls = "".join("URL: %s%d%d\n" % (rng.choice(HOSTS), i, k)
                       for k in range(rng.randint(1, 3)))
        mail = (
            "Return-Path: <anna@cso.example.org>\n"
            "Received: from mail.cso.example.org (mail.cso.example.org [192.0.2.10])\n"
            "\tby mx.gateway.example.eu (Postfix) with ESMTPS id 4Xk2Lw1bZ9z9sWc\n"
            "\tfor <flags@gateway.example.eu>; Sat, 28 Nov 2026 09:00:00 +0100 (CET)\n"
            "Authentication-Results: mx.gateway.example.eu; dkim=pass (2048-bit key)"
            " header.d=cso.example.org header.s=s1; spf=pass"
            " smtp.mailfrom=cso.example.org; dmarc=pass (p=reject)"
            " header.from=cso.example.org\n"
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=cso.example.org;\n"
            "\ts=s1; t=1795852800; h=from:to:subject:date:message-id;\n"
            "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\n"
            "\tb=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR\n"
            "From: Anna Kowalska <anna@cso.example.org>\n"
            "To: flags@gateway.example.eu\n"
            "Subject: [flag] report %d\n"
            "Date: Sat, 28 Nov 2026 09:00:00 +0100\n"
            "Message-ID: <bench-%d@cso.example.org>\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "\n"
            "Hello,\n\nplease review the following content.\n\n"
            "%s"
            "Ground: %s\n"
            "Language: %s\n"
            "Country: %s\n"
            "Legal-Basis: \u00a7130 StGB\n"
            "Severity: incitement\n"
            "Explanation: %s\n"
            "Good-Faith: yes\n"
            "\nBest regards,\nAnna\n-- \nCSO Example\n"
        ) % (i, i, urls, rng.choice(GROUNDS), rng.choice(LANGS),
             rng.choice(["DE", "FR", "PL"]), body(rng, size))
        with open(os.path.join(d, "new", "%08d.bench" % i), "w",
                  encoding="utf-8") as f:
            f.write(mail)


if __name__ == "__main__":
    main()

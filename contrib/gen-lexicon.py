#!/usr/bin/env python3
"""gen-lexicon.py: the ISO language and country tables of gateway/lexicon.c

Reads Debian's iso-codes JSON and writes gateway/lexicon-iso.h, which is
committed, so that building flagpost does not need iso-codes:

    python3 contrib/gen-lexicon.py > gateway/lexicon-iso.h

or with other paths:

    contrib/gen-lexicon.py [ISO_639_2_JSON ISO_3166_1_JSON] > lexicon-iso.h

The tables:

  iso_lang[]       ISO 639-1 code -> English display name, sorted by code
  iso_lang_key[]   lookup key -> ISO 639-1 code, sorted by key (strcmp)
  iso_country[]    ISO 3166-1 alpha-2 code (and EU) -> English short name
  iso_country_key[] lookup key -> alpha-2 code, sorted by key

A lookup key is a name or code as lexicon.c's lex_key() makes it: ASCII
letters lower case, runs of space, tab, '-' and '_' one space, trimmed.
Keys are: the English names (every '; ' alternative; without the
parenthesised part; "Greek, Modern" also as "Modern Greek" and "Greek"),
the official and common names of countries, the same with accents
dropped, the ISO 639-2 alpha-3 codes of languages and the alpha-3 codes of
countries, and the few everyday names below.  A derived key that would
name two different codes is left out; a primary name always wins over a
derived one.
"""

import json
import re
import sys
import unicodedata

LANG_JSON = "/usr/share/iso-codes/json/iso_639-2.json"
COUNTRY_JSON = "/usr/share/iso-codes/json/iso_3166-1.json"

# everyday names that are not in iso-codes (key -> code); keep this short
LANG_EXTRA = {
    "Greek": "el",
    "Farsi": "fa",
    "Slovene": "sl",
    "Bangla": "bn",
}
COUNTRY_EXTRA = {
    # the EU's own codes for Greece and the United Kingdom
    "EL": "GR",
    "UK": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "Turkey": "TR",
    "Czech Republic": "CZ",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Russia": "RU",
    "Macedonia": "MK",
    "Vatican": "VA",
    "Ivory Coast": "CI",
    "European Union": "EU",
}


def ascii_lower(s):
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in s)


def lex_key(s):
    """mirror of lex_key() in gateway/lexicon.c"""
    s = ascii_lower(s)
    s = re.sub(r"[ \t_-]+", " ", s)
    return s.strip(" ")


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


def variants(name):
    """the spellings a person may type for one English name"""
    out = []
    for alt in name.split("; "):
        alt = alt.strip()
        bare = re.sub(r"\s*\([^)]*\)", "", alt).strip()
        for a in (alt, bare):
            out.append((a, 0))
        if ", " in bare:
            head, tail = bare.split(", ", 1)
            out.append((tail + " " + head, 1))
            out.append((head, 1))
    more = []
    for a, prio in out:
        more.append((a.lower(), prio))
        more.append((fold(a), prio))
        more.append((fold(a).lower(), prio))
    return out + more


def display(name):
    alt = name.split("; ")[0]
    alt = re.sub(r"\s*\([^)]*\)", "", alt).strip()
    if ", " in alt:
        head, tail = alt.split(", ", 1)
        alt = tail + " " + head
    return alt


class Keys:
    def __init__(self):
        self.k = {}     # key -> (prio, set of codes)

    def add(self, text, code, prio):
        key = lex_key(text)
        if not key:
            return
        old = self.k.get(key)
        if old is None or prio < old[0]:
            self.k[key] = (prio, {code})
        elif prio == old[0]:
            old[1].add(code)

    def items(self):
        out = []
        for key, (prio, codes) in self.k.items():
            if len(codes) == 1:
                out.append((key, next(iter(codes))))
        out.sort(key=lambda kv: kv[0].encode("utf-8"))
        return out


def cstr(s):
    out = ['"']
    for b in s.encode("utf-8"):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def main():
    args = sys.argv[1:]
    lang_path, country_path = (args + [LANG_JSON, COUNTRY_JSON][len(args):])[:2]
    with open(lang_path, encoding="utf-8") as f:
        langs = [e for e in json.load(f)["639-2"] if "alpha_2" in e]
    with open(country_path, encoding="utf-8") as f:
        countries = json.load(f)["3166-1"]

    lang_names = {}
    lkeys = Keys()
    for e in langs:
        code = e["alpha_2"]
        lang_names[code] = display(e["name"])
        lkeys.add(code, code, 0)
        for k in ("alpha_3", "bibliographic"):
            if k in e:
                lkeys.add(e[k], code, 0)
        for v, prio in variants(e["name"]):
            lkeys.add(v, code, prio)
    for name, code in LANG_EXTRA.items():
        lkeys.add(name, code, 0)

    country_names = {}
    ckeys = Keys()
    for e in countries:
        code = e["alpha_2"]
        country_names[code] = e.get("common_name", e["name"])
        ckeys.add(code, code, 0)
        ckeys.add(e["alpha_3"], code, 0)
        for k in ("name", "official_name", "common_name"):
            if k in e:
                for v, prio in variants(e[k]):
                    ckeys.add(v, code, prio)
    country_names["EU"] = "European Union"
    ckeys.add("EU", "EU", 0)
    for name, code in COUNTRY_EXTRA.items():
        ckeys.add(name, code, 0)

    w = sys.stdout.write
    w("/* lexicon-iso.h: ISO 639-1 languages and ISO 3166-1 countries\n")
    w(" * generated by contrib/gen-lexicon.py from Debian's iso-codes;"
      " do not edit */\n")
    w("#ifndef FLAGPOST_LEXICON_ISO_H\n#define FLAGPOST_LEXICON_ISO_H\n\n")
    w("struct iso_entry {\n\tconst char *code;\n\tconst char *name;\n};\n\n")
    w("struct iso_key {\n\tconst char *key;\t/* lex_key() form */\n"
      "\tconst char *code;\n};\n\n")

    def table(ctype, cname, rows):
        w("static const struct %s %s[] = {\n" % (ctype, cname))
        for a, b in rows:
            w("\t{ %s, %s },\n" % (cstr(a), cstr(b)))
        w("};\n\n")

    table("iso_entry", "iso_lang", sorted(lang_names.items()))
    table("iso_key", "iso_lang_key", lkeys.items())
    table("iso_entry", "iso_country", sorted(country_names.items()))
    table("iso_key", "iso_country_key", ckeys.items())
    w("#endif\n")


if __name__ == "__main__":
    main()

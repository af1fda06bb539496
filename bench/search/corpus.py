#!/usr/bin/env python3
"""corpus.py: turns the benchmark corpus (JSON Lines from bench_search_dump_corpus) into
what the peers load, and makes the workload files from its vocabulary.

  corpus.py sphinx-xml CORPUS > corpus.xml      xmlpipe2 stream for Sphinx's indexer
  corpus.py pg-tsv CORPUS > corpus.tsv          COPY text format for PostgreSQL
  corpus.py charset                             Sphinx charset_table with accent folding
  corpus.py workloads CORPUS OUTDIR [--seed N] [--count N]
  corpus.py uris WORKLOAD KIND BASE [--whole] [--clients N --slice K --run R
                 --out PREFIX]                  h2load input for eccpd, one list per
                                                client (KIND: facets, plain or suggest)

Workloads are deterministic for a given corpus and seed: the same Python random stream
picks documents, fields and words. A query's words come from one document, so multi-word
queries find something; words are taken as written there (case and diacritics kept:
folding is each system's job). Files are `q<TAB>country<TAB>ecosystem`.
"""
import json
import random
import re
import sys
import unicodedata
import urllib.parse

LABELS = {"none": 0, "bronze": 1, "silver": 2, "gold": 3}
# eccpd's query stop words (index/reader.cc) plus a few more English ones: a workload word
# should carry meaning in every system.
STOP = set("a an and are as at be by for from in is it of on or the to with "
           "its our their this that these those into over under than then also more most "
           "very can will has have had was were not but all any each other such".split())
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def docs(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# ---- Sphinx --------------------------------------------------------------------------

def xml_text(s):
    s = "".join(c for c in s if c in "\t\n" or ord(c) >= 0x20)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sphinx_xml(path):
    out = sys.stdout
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<sphinx:docset>\n')
    for d in docs(path):
        eco = ",".join(str(c) for c in d["ecosystem_codes"])  # positions in core's vocabulary
        out.write('<sphinx:document id="%d">' % d["n"])
        fields = [("ext_id", d["id"]), ("name", d["name"]), ("acronym", d["acronym"]),
                  ("keywords", " ; ".join(d["keywords"])), ("description", d["description"]),
                  ("city", d["city"]), ("region", d["region"]), ("address", d["address"]),
                  ("ecosystem_names", " ; ".join(d["ecosystem_names"])),
                  ("country", d["country"]), ("type", d["type"])]
        for k, v in fields:
            out.write("<%s>%s</%s>" % (k, xml_text(v), k))
        out.write("<ecosystems>%s</ecosystems>" % eco)
        out.write("<label>%d</label>" % LABELS.get(d["label"], 0))
        out.write("</sphinx:document>\n")
    out.write("</sphinx:docset>\n")


def charset():
    """Digits, a-z, and every letter of Latin-1/Latin Extended-A/B, Greek and Cyrillic,
    folded to lower case without diacritics (what eccpd's index_fold does)."""
    maps = {}
    for c in "0123456789_":
        maps[ord(c)] = ord(c)
    for c in range(ord("a"), ord("z") + 1):
        maps[c] = c
        maps[c - 32] = c
    special = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ħ": "h", "Ħ": "h",
               "ı": "i", "ð": "d", "Ð": "d", "ŀ": "l", "Ŀ": "l", "ŧ": "t", "Ŧ": "t",
               "ß": "ß", "ẞ": "ß", "æ": "æ", "Æ": "æ", "œ": "œ", "Œ": "œ", "þ": "þ", "Þ": "þ",
               "ς": "σ"}
    ranges = [(0xC0, 0x24F), (0x386, 0x3CE), (0x400, 0x45F)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch in special:
                maps[cp] = ord(special[ch])
                continue
            if not ch.isalpha():
                continue
            base = unicodedata.normalize("NFD", ch)[0].lower()
            if len(base) != 1 or not base.isalpha():
                continue
            maps[cp] = ord(base)
    # Every target must itself be in the table (mapped to itself).
    for t in list(maps.values()):
        maps.setdefault(t, t)
    parts = []
    for cp in sorted(maps):
        t = maps[cp]
        parts.append("U+%X" % cp if t == cp else "U+%X->U+%X" % (cp, t))
    # Sphinx reads the value on one line, or continued with backslash-newline.
    lines, line = [], []
    for p in parts:
        line.append(p)
        if len(line) == 12:
            lines.append(", ".join(line))
            line = []
    if line:
        lines.append(", ".join(line))
    print(", \\\n\t".join(lines))


# ---- PostgreSQL ----------------------------------------------------------------------

def copy_text(s):
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def pg_array(items):
    return "{" + ",".join('"%s"' % i.replace("\\", "\\\\").replace('"', '\\"')
                          for i in items) + "}"


def pg_tsv(path):
    out = sys.stdout
    for d in docs(path):
        row = [str(d["n"]), d["id"], d["type"], d["name"], d["acronym"],
               " ; ".join(d["keywords"]), d["description"], d["city"], d["region"],
               d["address"], d["country"], pg_array(d["ecosystems"]),
               " ; ".join(d["ecosystem_names"]), d["label"]]
        out.write("\t".join(copy_text(x) for x in row) + "\n")


# ---- workloads -----------------------------------------------------------------------

def words_of(text):
    return [w for w in WORD.findall(text) if len(w) >= 3 and w.lower() not in STOP]


def workloads(path, outdir, seed=20261122, count=2000):
    corpus = []
    for d in docs(path):
        corpus.append({
            "name": words_of(d["name"]),
            "keywords": words_of(" ".join(d["keywords"])),
            "description": words_of(d["description"]),
            "country": d["country"],
            "ecosystems": d["ecosystems"],
        })
    rnd = random.Random(seed)
    fields = ["name", "keywords", "description"]

    def pick_words(n, min_len=3):
        while True:
            d = corpus[rnd.randrange(len(corpus))]
            f = rnd.choices(fields, weights=[35, 35, 30])[0]
            ws = [w for w in d[f] if len(w) >= min_len]
            if len(ws) >= n:
                i = rnd.randrange(len(ws) - n + 1)
                return d, ws[i:i + n]  # neighbouring words, as people type them

    def write(name, rows, note):
        with open("%s/%s.tsv" % (outdir, name), "w", encoding="utf-8") as f:
            f.write("# %s\n# generated by corpus.py workloads (seed %d) from a corpus of "
                    "%d profiles\n" % (note, seed, len(corpus)))
            for r in rows:
                f.write("\t".join(r).rstrip("\t") + "\n")

    mixed = [(" ".join(pick_words(rnd.choice([1, 2]))[1]),) for _ in range(count)]
    write("mixed", mixed, "random 1-2 word queries (headline: with facets, and without)")
    write("one", [(pick_words(1)[1][0],) for _ in range(count)], "random one-word queries")
    write("two", [(" ".join(pick_words(2)[1]),) for _ in range(count)],
          "random two-word queries")
    rows = []
    for _ in range(count):
        _, ws = pick_words(rnd.choice([1, 2]), min_len=6)
        ws[-1] = ws[-1][:rnd.randint(3, 5)]
        rows.append((" ".join(ws),))
    write("prefix", rows, "1-2 word queries, the last word cut to 3-5 letters")
    rows = []
    while len(rows) < count:
        d, ws = pick_words(rnd.choice([1, 2]))
        if d["country"] and d["ecosystems"]:
            rows.append((" ".join(ws), d["country"], rnd.choice(d["ecosystems"])))
    write("filtered", rows, "1-2 word queries with country and ecosystem filters "
          "(the source profile's)")
    rows = []
    for _ in range(count):
        _, ws = pick_words(1, min_len=4)
        rows.append((ws[0][:rnd.randint(2, 6)],))
    write("suggest", rows, "as-you-type prefixes of 2-6 letters of name, keyword and "
          "description words")


def uris(workload, kind, base, whole=False, clients=1, slice_=0, run=0, out_prefix=None):
    """eccpd's URIs for a workload, one list per client, as loadgen.c walks it: client k of
    `clients` starts k/clients of the way down the list, moved on by run * slice_ lines,
    and with a slice only that many lines are written (h2load repeats them round and
    round). whole: each query ends with a space, which tells eccpd that its last word is
    complete (otherwise eccpd also matches it as a prefix, as for a search box still
    being typed in). Writes OUT_PREFIX.K.txt for each client K, or one list to stdout."""
    lines = []
    with open(workload, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                lines.append(line)
    n = len(lines)
    for part in range(clients):
        first = (part * n // clients + run * slice_) % n
        mine = [lines[(first + j) % n] for j in range(slice_ if slice_ else n)]
        out = open("%s.%d.txt" % (out_prefix, part), "w") if out_prefix else sys.stdout
        for line in mine:
            cols = line.split("\t") + ["", ""]
            q = urllib.parse.quote(cols[0] + (" " if whole else ""), safe="")
            if kind == "suggest":
                out.write("%s/v1/suggest?q=%s&limit=8\n" % (base, q))
                continue
            u = "%s/v1/search?q=%s&per_page=20" % (base, q)
            if cols[1]:
                u += "&country=" + urllib.parse.quote(cols[1], safe="")
            if cols[2]:
                u += "&ecosystem=" + urllib.parse.quote(cols[2], safe="")
            if kind == "facets":
                u += "&facets=country,ecosystem,type"
            out.write(u + "\n")
        if out_prefix:
            out.close()


def main(argv):
    if len(argv) >= 3 and argv[1] == "sphinx-xml":
        sphinx_xml(argv[2])
    elif len(argv) >= 3 and argv[1] == "pg-tsv":
        pg_tsv(argv[2])
    elif len(argv) >= 2 and argv[1] == "charset":
        charset()
    elif len(argv) >= 4 and argv[1] == "workloads":
        opts = dict(zip(argv[4::2], argv[5::2]))
        workloads(argv[2], argv[3], int(opts.get("--seed", 20261122)),
                  int(opts.get("--count", 2000)))
    elif len(argv) >= 5 and argv[1] == "uris":
        rest = argv[5:]
        whole = "--whole" in rest
        rest = [a for a in rest if a != "--whole"]
        opts = dict(zip(rest[0::2], rest[1::2]))
        uris(argv[2], argv[3], argv[4], whole, int(opts.get("--clients", 1)),
             int(opts.get("--slice", 0)), int(opts.get("--run", 0)), opts.get("--out"))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

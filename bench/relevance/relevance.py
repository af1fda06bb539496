#!/usr/bin/python3
"""relevance.py: a judged-query relevance benchmark for eccpd's GET /v1/search.

    relevance.py judge   CORPUS QUERIES > QRELS
    relevance.py measure QUERIES QRELS URL [--json OUT] [--worst N]
    relevance.py pick    CORPUS            (prints acronym and name queries to paste)

CORPUS is the JSON Lines dump of the searchable profiles (bench_search_dump_corpus DATA
> corpus.jsonl: the text eccpd indexes, one profile a line). QUERIES is queries.tsv
(category, the text typed, filters, the intent as JSON). QRELS is the graded judgements,
`query-number <TAB> profile-id <TAB> grade`, one line per profile with a grade above 0.

The judgements come from the data the generator wrote (names, acronyms, keywords,
ecosystems, cities, types), by the rule in README.md, never from eccpd's answers.
`measure` asks eccpd (kind=profile, 20 per page) for every query and prints nDCG@10 and
recall@20 per category and overall as a markdown table, then the worst queries.
Standard library only.
"""
import json
import math
import re
import sys
import unicodedata
import urllib.parse
import urllib.request

CLUSTER_LIKE = {"cluster_organisation", "cluster_partnership", "national_association",
                "meta_cluster_network"}
FOLD_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "ß": "ss", "æ": "ae",
                            "œ": "oe", "þ": "th", "ð": "d", "ς": "σ"})
TOKEN = re.compile(r"[^\W_]+(?:[+#]+|(?:[&][^\W_]+))?", re.UNICODE)


def lower(s):
    # Casefold keeps the letters' marks ("Köln" -> "köln"); "İ" lower-cases to "i" + a
    # combining dot, which is dropped so that "İzmir" is "izmir" in both forms.
    return unicodedata.normalize("NFC", s.casefold().replace("i\u0307", "i")).translate(
        str.maketrans({"ς": "σ"}))


def fold(s):
    d = unicodedata.normalize("NFKD", lower(s).translate(FOLD_EXTRA))
    return "".join(c for c in d if not unicodedata.combining(c))


def tokens(s):
    return TOKEN.findall(s)


def joined(s):
    """' tok tok tok ' for whole-word phrase matching by substring."""
    return " " + " ".join(tokens(s)) + " "


def has(hay, phrase):
    return (" " + " ".join(tokens(phrase)) + " ") in hay


class Doc:
    """A profile's fields, lower-cased and folded on first use: most queries reject most
    profiles by a substring test on the raw folded text (`raw`) before any tokenising."""

    def __init__(self, d):
        self.d = d
        self.id = d["id"]
        self.type = d.get("type", "")
        self.country = d.get("country", "")
        self.ecos = set(d.get("ecosystems") or [])
        self.city = d.get("city", "")
        self.city_l = lower(self.city)
        self.raw = fold(" ".join([d.get("name", ""), d.get("acronym", "") or "",
                                  " ".join(d.get("keywords") or []),
                                  " ".join(d.get("ecosystem_names") or []),
                                  d.get("description", "") or ""]))
        self.ready = False

    def prepare(self):
        if self.ready:
            return
        d = self.d
        name = d.get("name", "")
        acr = d.get("acronym", "") or ""
        self.name = joined(lower(name))
        self.name_f = joined(fold(name))
        self.acr = lower(acr)
        self.acr_f = fold(acr)
        kws = d.get("keywords") or []
        self.kw = [joined(lower(k)) for k in kws]
        self.kw_f = [joined(fold(k)) for k in kws]
        self.eco_f = joined(fold(" ; ".join(d.get("ecosystem_names") or [])))
        self.desc_f = joined(fold(d.get("description", "") or ""))
        self.all_f = self.name_f + self.acr_f + " " + " ".join(self.kw_f) + self.desc_f
        self.ready = True


def needles(intent):
    """Folded strings one of which a profile's text must hold to have any grade (the longest
    token of each phrase), or None when every profile must be looked at."""
    def longest(t):
        ts = tokens(fold(t))
        return max(ts, key=len) if ts else fold(t)
    if "terms" in intent:
        return [longest(t) for t in intent["terms"]]
    if "city" in intent:
        return [longest(intent["city"])]
    if "name" in intent:
        return [longest(intent["name"])]
    if "name_words" in intent:
        return [longest(w) for w in intent["name_words"]]
    if "acronym" in intent:
        return [fold(intent["acronym"])]
    return None


def type_adjust(doc, g):
    """Clusters first: a profile that is not a cluster organisation (or partnership,
    association, network) is one grade lower, never below 1 when it matched."""
    if g >= 2 and doc.type not in CLUSTER_LIKE:
        return g - 1
    return g


def grade_terms(doc, terms):
    best = 0
    for t in terms:
        tl, tf = lower(t), fold(t)
        if has(doc.name, tl) or (doc.acr and doc.acr == tl):
            g = 3
        elif has(doc.name_f, tf) or (doc.acr_f and doc.acr_f == tf):
            g = 2
        elif any(has(k, tl) for k in doc.kw) or any(has(k, tf) for k in doc.kw_f):
            g = 2
        elif has(doc.eco_f, tf) or has(doc.desc_f, tf):
            g = 1
        else:
            g = 0
        best = max(best, g)
    return type_adjust(doc, best) if best else 0


def grade_city(doc, city):
    cl = lower(city)
    if doc.city_l == cl or has(doc.name, cl):
        g = 3
    elif has(doc.desc_f, fold(city)):
        g = 1
    else:
        return 0
    return type_adjust(doc, g)


def grade_name(doc, name):
    if doc.name == joined(lower(name)):
        return 3
    words = tokens(fold(name))
    if words and all(has(doc.name_f, w) for w in words):
        return 2
    return 0


def grade_name_words(doc, words):
    """All the words in the name, exactly as typed: 3; all of them folded: 2; all but one
    (at least two matched): 1."""
    if all(has(doc.name, lower(w)) for w in words):
        return 3
    n = sum(1 for w in words if has(doc.name_f, fold(w)))
    if n == len(words):
        return 2
    if len(words) >= 3 and n >= len(words) - 1:
        return 1
    return 0


def grade_acronym(doc, acr):
    if doc.acr and doc.acr == lower(acr):
        return 3
    if has(doc.name, lower(acr)):
        return 2
    return 0


def passes_filters(doc, filters):
    for k, v in filters.items():
        vals = set(v.split(","))
        if k == "country" and doc.country not in vals:
            return False
        if k == "type" and doc.type not in vals:
            return False
        if k == "ecosystem" and not (doc.ecos & vals):
            return False
    return True


def grade(doc, intent, filters, need=None):
    if not passes_filters(doc, filters):
        return 0
    if need is not None and not any(n in doc.raw for n in need):
        if "city" not in intent or doc.city_l != lower(intent["city"]):
            return 0
    doc.prepare()
    for w in intent.get("exclude", []):
        if has(doc.all_f, fold(w)):
            return 0
    if "terms" in intent:
        return grade_terms(doc, intent["terms"])
    if "city" in intent:
        return grade_city(doc, intent["city"])
    if "name" in intent:
        return grade_name(doc, intent["name"])
    if "name_words" in intent:
        return grade_name_words(doc, intent["name_words"])
    if "acronym" in intent:
        return grade_acronym(doc, intent["acronym"])
    raise ValueError("intent without a rule: %r" % intent)


def read_queries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cat, q, filt, intent = line.split("\t")
            filters = {}
            if filt != "-":
                for kv in filt.split(";"):
                    k, v = kv.split("=", 1)
                    filters[k] = v
            out.append({"n": len(out) + 1, "category": cat, "q": q, "filters": filters,
                        "intent": json.loads(intent)})
    return out


def read_corpus(path):
    with open(path, encoding="utf-8") as f:
        return [Doc(json.loads(line)) for line in f if line.strip()]


def cmd_judge(corpus, queries):
    docs = read_corpus(corpus)
    qs = read_queries(queries)
    out = sys.stdout
    for q in qs:
        n = 0
        counts = [0, 0, 0, 0]
        need = needles(q["intent"])
        for d in docs:
            g = grade(d, q["intent"], q["filters"], need)
            if g:
                out.write("%d\t%s\t%d\n" % (q["n"], d.id, g))
                n += 1
                counts[g] += 1
        print("judge: %3d %-14s %-28s relevant %6d (grade 3: %d, 2: %d, 1: %d)" %
              (q["n"], q["category"], q["q"], n, counts[3], counts[2], counts[1]),
              file=sys.stderr)
        if counts[3] + counts[2] == 0:
            print("judge: query %d has no profile of grade 2 or more" % q["n"], file=sys.stderr)


def dcg(grades):
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ask(url, q):
    params = {"q": q["q"], "kind": "profile", "per_page": "20"}
    params.update(q["filters"])
    full = url.rstrip("/") + "/v1/search?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(full, timeout=30) as r:
        body = json.load(r)
    return [h["id"] for h in body.get("hits", [])][:20], body


def cmd_measure(queries, qrels, url, json_out=None, worst=10):
    qs = read_queries(queries)
    judged = {}
    with open(qrels) as f:
        for line in f:
            n, pid, g = line.split("\t")
            judged.setdefault(int(n), {})[pid] = int(g)
    rows = []
    skipped = []
    for q in qs:
        rel = judged.get(q["n"], {})
        if not rel:  # nothing in this data set to find: not scored
            skipped.append(q)
            continue
        ids, body = ask(url, q)
        grades = [rel.get(i, 0) for i in ids]
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = dcg(ideal)
        ndcg = dcg(grades[:10]) / idcg if idcg > 0 else 0.0
        nrel = sum(1 for g in rel.values() if g >= 1)
        found = sum(1 for g in grades[:20] if g >= 1)
        recall = found / min(20, nrel) if nrel else 0.0
        rows.append({"n": q["n"], "category": q["category"], "q": q["q"],
                     "filters": q["filters"], "ndcg10": ndcg, "recall20": recall,
                     "relevant": nrel, "total": body.get("total"),
                     "top": [[i, rel.get(i, 0)] for i in ids[:10]]})
    cats = []
    for r in rows:
        if r["category"] not in cats:
            cats.append(r["category"])
    print("| category | queries | nDCG@10 | recall@20 |")
    print("|---|---:|---:|---:|")
    for c in cats:
        rs = [r for r in rows if r["category"] == c]
        print("| %s | %d | %.3f | %.3f |" % (c, len(rs), sum(r["ndcg10"] for r in rs) / len(rs),
                                           sum(r["recall20"] for r in rs) / len(rs)))
    print("| **overall** | %d | **%.3f** | **%.3f** |" % (
        len(rows), sum(r["ndcg10"] for r in rows) / len(rows),
        sum(r["recall20"] for r in rows) / len(rows)))
    if skipped:
        print()
        print("Not scored (no relevant profile in this data set): " +
              ", ".join("`%s`" % q["q"] for q in skipped))
    print()
    print("Worst queries (nDCG@10; grades of the first ten hits):")
    print()
    for r in sorted(rows, key=lambda r: r["ndcg10"])[:worst]:
        filt = "".join(" %s=%s" % kv for kv in r["filters"].items())
        print("- %s `%s`%s: nDCG@10 %.3f, recall@20 %.3f, total %s, grades %s" % (
            r["category"], r["q"], filt, r["ndcg10"], r["recall20"], r["total"],
            "".join(str(g) for _, g in r["top"]) or "(no hits)"))
    if json_out:
        with open(json_out, "w") as f:
            json.dump(rows, f, ensure_ascii=False, indent=1)


def cmd_pick(corpus):
    """Acronym and name queries, chosen from the corpus by a fixed rule: published cluster
    organisations' acronyms of 3-5 letters held by exactly one profile, and cluster
    organisations' names held by exactly one profile, both sorted, every k-th of them."""
    acr_count, names = {}, {}
    rows = []
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            a = d.get("acronym") or ""
            if a:
                acr_count[lower(a)] = acr_count.get(lower(a), 0) + 1
            names[lower(d["name"])] = names.get(lower(d["name"]), 0) + 1
            rows.append(d)
    acrs = sorted({d["acronym"] for d in rows
                   if d["type"] == "cluster_organisation" and d.get("acronym")
                   and 3 <= len(d["acronym"]) <= 5 and d["acronym"].isascii()
                   and acr_count[lower(d["acronym"])] == 1})
    cl = sorted({d["name"] for d in rows
                 if d["type"] == "cluster_organisation" and names[lower(d["name"])] == 1})
    for i in range(6):
        a = acrs[(2 * i + 1) * len(acrs) // 12]
        print("acronym\t%s\t-\t%s" % (a, json.dumps({"acronym": a}, ensure_ascii=False)))
    for i in range(6):
        nm = cl[(2 * i + 1) * len(cl) // 12]
        print("name\t%s\t-\t%s" % (nm, json.dumps({"name": nm}, ensure_ascii=False)))


def main(argv):
    if len(argv) >= 4 and argv[1] == "judge":
        cmd_judge(argv[2], argv[3])
    elif len(argv) >= 5 and argv[1] == "measure":
        json_out, worst = None, 10
        rest = argv[5:]
        while rest:
            if rest[0] == "--json":
                json_out, rest = rest[1], rest[2:]
            elif rest[0] == "--worst":
                worst, rest = int(rest[1]), rest[2:]
            else:
                raise SystemExit("unknown argument: " + rest[0])
        cmd_measure(argv[2], argv[3], argv[4], json_out, worst)
    elif len(argv) >= 3 and argv[1] == "pick":
        cmd_pick(argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

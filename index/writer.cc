/*
 * writer.cc: the single index writer. It turns an index_doc into a Xapian document (terms,
 * values and the stored summary laid out as internal.h describes), replaces by the unique
 * id term, and commits with the change-log sequence number in the database's user metadata
 * so that documents and sequence number become durable and visible in one step.
 *
 * Terms are built here rather than with Xapian's TermGenerator: each word is folded once,
 * stemmed through a per-language cache (stemming is the costly part of indexing), and
 * added without positions (snippets are cut from the stored text; quoted phrases use the
 * P<word> <word> pairs of adjacent words instead).
 * Field weight is expressed as the within-document frequency increment: name and acronym
 * count 6, keywords 3, ecosystem names and places 2, description 1, so that a name match
 * outranks a description match under BM25. Spelling data is counted per writer and handed
 * to Xapian at commit, once per distinct word.
 *
 * Costs: a put is proportional to the text's length plus one B-tree lookup for the id
 * (skipped in bulk mode on an empty index); a commit writes every table Xapian changed.
 */
#include "index/internal.h"

extern "C" {
#include "core/sha256.h" /* A C header without extern "C" of its own. */
}

#include <xapian.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace
{

/* A word's stem in its document's language and, for a language other than English, its
 * English stem too (see add_text): one memo lookup gives both. */
struct stems {
    std::string own, english;
};

struct stem_cache {
    Xapian::Stem stem;
    bool also_english = false; /* Not the English cache: memo entries carry English stems. */
    std::unordered_map<std::string, stems> memo;
};

} // namespace

struct index_writer {
    Xapian::WritableDatabase db;
    bool add_only = false; /* Bulk load into an index that was empty: no replace lookup. */
    std::unordered_map<std::string, std::unique_ptr<stem_cache>> stems; /* By language. */
    Xapian::Stem english{"en"};                         /* For other languages' English stems. */
    std::unordered_map<std::string, uint32_t> spelling; /* Words counted since last commit. */
    std::vector<index__word> words;                     /* Scratch. */
    std::vector<index__symbol> symbols;                 /* Scratch. */
    bool ukrainian = false; /* The document being built is in Ukrainian (transliteration). */
    uint64_t pending = 0;   /* Changes since last commit. */
};

enum { STEM_MEMO_MAX = 1 << 20, SPELL_MIN = 3, SPELL_MAX = 32, SUMMARY_TEXT_MAX = 1000 };

static stem_cache &cache_for(index_writer *w, index_str lang)
{
    std::string code = lang.ptr && lang.len ? std::string(lang.ptr, lang.len) : "en";
    for (char &c : code)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
    auto it = w->stems.find(code);
    if (it != w->stems.end())
        return *it->second;
    std::unique_ptr<stem_cache> sc(new stem_cache);
    try {
        /* Only ISO 639-1 style codes: Xapian also accepts names, which we do not need. */
        sc->stem = code.size() == 2 ? Xapian::Stem(code) : Xapian::Stem("en");
    } catch (const Xapian::InvalidArgumentError &) {
        sc->stem = Xapian::Stem("en"); /* No stemmer for this language: English. */
    }
    sc->also_english = code != "en";
    stem_cache &ref = *sc;
    w->stems.emplace(code, std::move(sc));
    return ref;
}

static const stems &stems_of(index_writer *w, stem_cache &sc, const std::string &word)
{
    auto it = sc.memo.find(word);
    if (it != sc.memo.end())
        return it->second;
    if (sc.memo.size() >= STEM_MEMO_MAX)
        sc.memo.clear();
    stems st{sc.stem(word), std::string()};
    if (sc.also_english)
        st.english = w->english(word);
    return sc.memo.emplace(word, std::move(st)).first->second;
}

/* Adds the words of one field with the given weight; counts them for spelling. In a
 * document of another language than English, every word whose English stem differs from
 * it also carries Z<English stem>, so a word's postings are contained in those of
 * Z<its English stem> (what lets queries skip the exact form of a frequent word; see
 * reader.cc). */
static void add_text(index_writer *w, Xapian::Document &doc, index_str text, unsigned wdf,
                     stem_cache &sc)
{
    if (!text.ptr || !text.len)
        return;
    w->words.clear();
    index__words(text.ptr, text.len, w->words, 0);
    std::string z;
    for (size_t k = 0; k < w->words.size(); k++) {
        const index__word &wd = w->words[k];
        doc.add_term(wd.folded, wdf);
        const stems &st = stems_of(w, sc, wd.folded);
        if (st.own != wd.folded) { /* Queries also look the stem up as a plain word. */
            z.assign(1, 'Z');
            z += st.own;
            doc.add_term(z, wdf);
        }
        if (sc.also_english && st.english != wd.folded && st.english != st.own) {
            z.assign(1, 'Z');
            z += st.english;
            doc.add_term(z, wdf);
        }
        size_t n = wd.folded.size();
        if (n >= SPELL_MIN && n <= SPELL_MAX && !(wd.folded[0] >= '0' && wd.folded[0] <= '9'))
            w->spelling[wd.folded]++;
        /* Format 5 (terms.cc): the pair with the previous word for quoted phrases, and for
         * a word not plain ASCII its Latin transliteration and the form it is written in. */
        if (k > 0) {
            z.assign(1, 'P');
            z += w->words[k - 1].folded;
            z += ' ';
            z += wd.folded;
            doc.add_term(z, 0);
        }
        bool ascii = true;
        for (size_t b = wd.start; b < wd.end && ascii; b++)
            ascii = (unsigned char)text.ptr[b] < 0x80;
        if (!ascii) {
            std::string tl = index__translit(wd.folded, w->ukrainian);
            if (!tl.empty() && tl != wd.folded)
                doc.add_term(tl, wdf);
            if (wd.end - wd.start <= INDEX__MAX_WORD &&
                index__lower(text.ptr + wd.start, wd.end - wd.start) != wd.folded) {
                z.assign(1, 'V');
                z += wd.folded;
                z += ' ';
                z.append(text.ptr + wd.start, wd.end - wd.start);
                doc.add_term(z, 0);
            }
        }
    }
    w->symbols.clear();
    index__symbol_terms(text.ptr, text.len, w->words, w->symbols);
    for (const index__symbol &sy : w->symbols) {
        doc.add_term(sy.term, wdf);
        /* Format 6: words joined only by hyphens also as one word ("e-health" as
         * "ehealth", "Agri-Food" as "agrifood"), so the joined form finds them. */
        std::string joined = index__joined(sy.term);
        if (!joined.empty())
            doc.add_term(joined, wdf);
    }
}

/* Copies text as valid UTF-8: invalid bytes become U+FFFD, control characters spaces. */
static std::string clean_utf8(index_str s, size_t max)
{
    std::string out;
    if (!s.ptr)
        return out;
    size_t i = 0;
    while (i < s.len && out.size() < max) {
        size_t at = i;
        uint32_t cp = index__utf8_next(s.ptr, s.len, &i);
        if (cp == 0xFFFFFFFFu)
            out += "\xEF\xBF\xBD";
        else if (cp < 0x20 || cp == 0x7F)
            out += ' ';
        else
            out.append(s.ptr + at, i - at);
    }
    return out;
}

static std::string str_of(index_str s)
{
    return s.ptr ? std::string(s.ptr, s.len) : std::string();
}

static int check_doc(const index_doc *d)
{
    if (!d)
        return index__fail(INDEX_EINVAL, "document is NULL");
    if (!d->id.ptr || d->id.len == 0 || d->id.len > INDEX__MAX_ID)
        return index__fail(INDEX_EINVAL, "document id must be 1..200 bytes");
    if ((unsigned)d->kind >= INDEX_KIND_COUNT)
        return index__fail(INDEX_EINVAL, "document kind out of range");
    if ((unsigned)d->label >= INDEX_LABEL_COUNT)
        return index__fail(INDEX_EINVAL, "document label out of range");
    if (d->type.len && !index__valid_value(d->type))
        return index__fail(INDEX_EINVAL, "document type is not a valid identifier");
    if (d->country.len && !index__valid_value(d->country))
        return index__fail(INDEX_EINVAL, "document country is not a valid identifier");
    if (d->ecosystems_len && !d->ecosystems)
        return index__fail(INDEX_EINVAL, "ecosystems is NULL");
    for (size_t i = 0; i < d->ecosystems_len; i++)
        if (!index__valid_value(d->ecosystems[i]))
            return index__fail(INDEX_EINVAL, "an ecosystem is not a valid identifier");
    if (d->sought_len && !d->sought)
        return index__fail(INDEX_EINVAL, "sought is NULL");
    for (size_t i = 0; i < d->sought_len; i++)
        if (!index__valid_value(d->sought[i]))
            return index__fail(INDEX_EINVAL, "a country sought is not a valid identifier");
    if (d->state.len && !index__valid_value(d->state))
        return index__fail(INDEX_EINVAL, "document state is not a valid identifier");
    if ((d->keywords_len && !d->keywords) || (d->ecosystem_names_len && !d->ecosystem_names))
        return index__fail(INDEX_EINVAL, "keywords or ecosystem_names is NULL");
    if (d->tags_len && !d->tags)
        return index__fail(INDEX_EINVAL, "tags is NULL");
    for (size_t i = 0; i < d->tags_len; i++)
        if (!index__valid_value(d->tags[i]))
            return index__fail(INDEX_EINVAL, "a tag is not a valid identifier");
    if (d->has_geo && !(std::isfinite(d->lat) && std::isfinite(d->lon) && d->lat >= -90 &&
                        d->lat <= 90 && d->lon >= -180 && d->lon <= 180))
        return index__fail(INDEX_EINVAL, "coordinates out of range");
    return 0;
}

/* The SHA-256 of everything in d that the document is built from, each field length-
 * prefixed so that no two documents serialise alike. */
static std::string fingerprint(const index_doc *d)
{
    core_sha256 c;
    core_sha256_init(&c);
    auto bytes = [&](const void *p, size_t n) { core_sha256_update(&c, p, n); };
    auto str = [&](index_str x) {
        uint64_t n = x.ptr ? x.len : 0;
        bytes(&n, sizeof n);
        if (n)
            bytes(x.ptr, n);
    };
    auto list = [&](const index_str *xs, size_t n) {
        uint64_t len = n;
        bytes(&len, sizeof len);
        for (size_t i = 0; i < n; i++)
            str(xs[i]);
    };
    int64_t nums[4] = {d->kind, d->label, d->eligible, d->updated_at};
    bytes(nums, sizeof nums);
    str(d->id), str(d->type), str(d->name), str(d->acronym), str(d->description);
    str(d->city), str(d->region), str(d->address), str(d->country), str(d->language);
    list(d->keywords, d->keywords_len);
    list(d->ecosystems, d->ecosystems_len);
    list(d->ecosystem_names, d->ecosystem_names_len);
    if (d->tags_len) /* only then, so that documents without tags keep their fingerprints */
        list(d->tags, d->tags_len);
    list(d->sought, d->sought_len);
    str(d->state);
    double geo[2] = {d->has_geo ? d->lat : NAN, d->has_geo ? d->lon : NAN};
    bytes(geo, sizeof geo);
    unsigned char out[32];
    core_sha256_final(&c, out);
    return std::string((const char *)out, sizeof out);
}

/* Builds the document of d; fp is its fingerprint. */
static void build(index_writer *w, const index_doc *d, const std::string &fp, Xapian::Document &doc)
{
    stem_cache &sc = cache_for(w, d->language);
    std::string id = str_of(d->id);
    w->ukrainian = d->language.ptr && d->language.len == 2 && (d->language.ptr[0] | 0x20) == 'u' &&
                   (d->language.ptr[1] | 0x20) == 'k';

    add_text(w, doc, d->name, 6, sc);
    add_text(w, doc, d->acronym, 6, sc);
    for (size_t i = 0; i < d->keywords_len; i++)
        add_text(w, doc, d->keywords[i], 3, sc);
    for (size_t i = 0; i < d->ecosystem_names_len; i++)
        add_text(w, doc, d->ecosystem_names[i], 2, sc);
    add_text(w, doc, d->city, 2, sc);
    add_text(w, doc, d->region, 2, sc);
    /* The other names of the city and region ("München" is also "Munich"). */
    for (index_str place : {d->city, d->region})
        if (const std::vector<std::string> *alts = index__place_names(place))
            for (const std::string &alt : *alts)
                add_text(w, doc, index_str{alt.data(), alt.size()}, 2, sc);
    add_text(w, doc, d->address, 1, sc);
    add_text(w, doc, d->description, 1, sc);

    /* Boolean filter terms. */
    doc.add_boolean_term("Q" + id);
    doc.add_boolean_term(std::string("K") + index_kind_name(d->kind));
    if (d->type.len)
        doc.add_boolean_term("T" + str_of(d->type));
    std::string country = index__upper(d->country);
    if (!country.empty())
        doc.add_boolean_term("C" + country);
    index__facets f;
    f.kind = (uint8_t)d->kind;
    f.label = (uint8_t)d->label;
    f.eligible = d->eligible ? 1 : 0;
    f.type = str_of(d->type);
    f.country = country;
    for (size_t i = 0; i < d->ecosystems_len; i++) {
        std::string e = str_of(d->ecosystems[i]);
        bool dup = false;
        for (const std::string &x : f.ecosystems)
            dup = dup || x == e;
        if (dup)
            continue;
        doc.add_boolean_term("E" + e);
        f.ecosystems.push_back(e);
    }
    for (size_t i = 0; i < d->sought_len; i++) {
        std::string c = index__upper(d->sought[i]);
        bool dup = false;
        for (const std::string &x : f.sought)
            dup = dup || x == c;
        if (dup || f.sought.size() >= 255)
            continue;
        doc.add_boolean_term("D" + c);
        f.sought.push_back(c);
    }
    if (d->state.len) {
        f.state = str_of(d->state);
        doc.add_boolean_term("X" + f.state);
        doc.add_value(INDEX__SLOT_STATE, f.state == "open" ? "0" : "1");
    }
    doc.add_boolean_term(std::string("L") + index_label_name(d->label));
    doc.add_boolean_term(d->eligible ? "B1" : "B0");
    for (size_t i = 0; i < d->tags_len; i++)
        doc.add_boolean_term("X" + str_of(d->tags[i]));

    /* Suggest keys: the folded name from each of its first 8 word starts, and the acronym.
     * Not for ClusterXchange registrations: suggestions are public and the catalogue is for
     * signed-in users (their organisations are suggested as profiles anyway). */
    const bool suggest = d->kind != INDEX_KIND_XCHANGE;
    w->words.clear();
    if (d->name.ptr)
        index__words(d->name.ptr, d->name.len, w->words, 0);
    std::string folded_name;
    for (size_t k = 0; k < w->words.size(); k++) {
        if (k)
            folded_name += ' ';
        folded_name += w->words[k].folded;
    }
    {
        size_t pos = 0;
        for (size_t k = 0; k < w->words.size() && k < 8; k++) {
            if (k > 0 && index__legal_fragment(w->words[k].folded)) {
                /* "S.A.", "GmbH", "S.r.l.": no name is suggested for typing them. */
                pos += w->words[k].folded.size() + 1;
                continue;
            }
            size_t len = folded_name.size() - pos;
            if (len > INDEX__MAX_SUGGEST_KEY) { /* Cut, but never inside a character. */
                len = INDEX__MAX_SUGGEST_KEY;
                while (len > 0 && ((unsigned char)folded_name[pos + len] & 0xC0) == 0x80)
                    len--;
            }
            std::string key = folded_name.substr(pos, len);
            if (!key.empty() && suggest)
                doc.add_boolean_term("S" + key);
            pos += w->words[k].folded.size() + 1;
        }
    }
    if (d->acronym.ptr && d->acronym.len && suggest) {
        char buf[INDEX__MAX_SUGGEST_KEY + 1];
        index_fold(d->acronym, buf, sizeof buf);
        if (buf[0])
            doc.add_boolean_term(std::string("S") + buf);
    }

    /* Values. */
    doc.add_value(INDEX__SLOT_NAME, folded_name.substr(0, 120));
    doc.add_value(INDEX__SLOT_UPDATED, Xapian::sortable_serialise((double)d->updated_at));
    doc.add_value(INDEX__SLOT_FACETS, index__facets_encode(f));
    if (d->has_geo) {
        doc.add_value(INDEX__SLOT_LAT, Xapian::sortable_serialise(d->lat));
        doc.add_value(INDEX__SLOT_LON, Xapian::sortable_serialise(d->lon));
        std::string geo(16, '\0');
        memcpy(&geo[0], &d->lat, 8);
        memcpy(&geo[8], &d->lon, 8);
        geo += id;
        doc.add_value(INDEX__SLOT_GEO, geo);
    }

    doc.add_value(INDEX__SLOT_FINGERPRINT, fp);

    index__summary s;
    s.id = id;
    s.kind = (uint8_t)d->kind;
    s.label = (uint8_t)d->label;
    s.eligible = d->eligible;
    s.type = clean_utf8(d->type, 64);
    s.name = clean_utf8(d->name, 1000);
    s.country = country;
    s.city = clean_utf8(d->city, 200);
    s.text = clean_utf8(d->description, SUMMARY_TEXT_MAX);
    doc.add_value(INDEX__SLOT_SUMMARY, index__summary_encode(s));
}

extern "C" int index_writer_open(const char *dir, const index_writer_options *opt,
                                 index_writer **out)
{
    index_writer *w = NULL;
    if (!dir || !out)
        return index__fail(INDEX_EINVAL, "dir and out are required");
    *out = NULL;
    try {
        w = new index_writer;
        int flags = Xapian::DB_CREATE_OR_OPEN;
        if (opt && opt->no_sync)
            flags |= Xapian::DB_NO_SYNC;
        w->db = Xapian::WritableDatabase(dir, flags);
        std::string fmt = w->db.get_metadata(INDEX__META_FORMAT);
        if (fmt.empty() && w->db.get_doccount() == 0)
            w->db.set_metadata(INDEX__META_FORMAT, INDEX__FORMAT);
        else if (fmt != INDEX__FORMAT) {
            delete w;
            return index__fail(INDEX_EFORMAT, "index format is " + (fmt.empty() ? "unknown" : fmt) +
                                                  ", not " INDEX__FORMAT);
        }
        w->add_only = opt && opt->bulk && w->db.get_doccount() == 0;
        *out = w;
        return 0;
    } catch (...) {
        delete w;
        return index__fail_current();
    }
}

extern "C" void index_writer_close(index_writer *w)
{
    if (!w)
        return;
    try {
        for (const auto &kv : w->spelling)
            w->db.add_spelling(kv.first, kv.second);
        w->db.close();
    } catch (...) {
        index__fail_current();
    }
    delete w;
}

extern "C" int index_put(index_writer *w, const index_doc *d)
{
    if (!w)
        return index__fail(INDEX_EINVAL, "writer is NULL");
    int rc = check_doc(d);
    if (rc)
        return rc;
    try {
        std::string fp = fingerprint(d);
        std::string q = "Q" + str_of(d->id);
        if (!w->add_only) {
            /* An unchanged document (a profile's draft edited, its published version not)
             * is left alone, before any tokenising or spelling count: replacing it would
             * make a new revision for nothing, and every reader drops its per-revision
             * caches on a new revision. */
            Xapian::PostingIterator p = w->db.postlist_begin(q);
            if (p != w->db.postlist_end(q) &&
                w->db.get_document(*p).get_value(INDEX__SLOT_FINGERPRINT) == fp)
                return 0;
        }
        Xapian::Document doc;
        build(w, d, fp, doc);
        if (w->add_only)
            w->db.add_document(doc);
        else
            w->db.replace_document(q, doc);
        w->pending++;
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" int index_delete(index_writer *w, index_str id)
{
    if (!w || !id.ptr || id.len == 0 || id.len > INDEX__MAX_ID)
        return index__fail(INDEX_EINVAL, "writer and an id of 1..200 bytes are required");
    try {
        w->add_only = false; /* A delete means ids are no longer known unique. */
        w->db.delete_document("Q" + str_of(id));
        w->pending++;
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" int index_commit(index_writer *w, uint64_t last_applied_seq)
{
    if (!w)
        return index__fail(INDEX_EINVAL, "writer is NULL");
    try {
        for (const auto &kv : w->spelling)
            w->db.add_spelling(kv.first, kv.second);
        w->spelling.clear();
        w->db.set_metadata(INDEX__META_SEQ, std::to_string(last_applied_seq));
        w->db.commit();
        /* Bulk adds stay valid only while every id is new; after a commit readers may
         * already see the documents, and later batches may repeat ids, so replace. */
        w->add_only = false;
        w->pending = 0;
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

int index__writer_flush(index_writer *w)
{
    try {
        w->db.commit();
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" uint64_t index_writer_pending(index_writer *w)
{
    return w ? w->pending : 0;
}

extern "C" int index_last_seq(index_writer *w, uint64_t *seq)
{
    if (!w || !seq)
        return index__fail(INDEX_EINVAL, "writer and seq are required");
    try {
        std::string v = w->db.get_metadata(INDEX__META_SEQ);
        *seq = v.empty() ? 0 : strtoull(v.c_str(), NULL, 10);
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" uint64_t index_writer_doc_count(index_writer *w)
{
    try {
        return w ? w->db.get_doccount() : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

static int synonym_op(index_writer *w, index_str word, index_str syn, bool add)
{
    if (!w || !word.ptr || word.len == 0 || word.len > 1000 ||
        (add && (!syn.ptr || syn.len == 0 || syn.len > 1000)))
        return index__fail(INDEX_EINVAL, "writer, word and synonym are required");
    try {
        char a[256], b[256];
        index_fold(word, a, sizeof a);
        if (!a[0])
            return index__fail(INDEX_EINVAL, "word has no letters or digits");
        if (!add) {
            w->db.clear_synonyms(a);
            return 0;
        }
        index_fold(syn, b, sizeof b);
        if (!b[0])
            return index__fail(INDEX_EINVAL, "synonym has no letters or digits");
        w->db.add_synonym(a, b);
        return 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" int index_add_synonym(index_writer *w, index_str word, index_str synonym)
{
    return synonym_op(w, word, synonym, true);
}

extern "C" int index_clear_synonyms(index_writer *w, index_str word)
{
    return synonym_op(w, word, index_str{NULL, 0}, false);
}

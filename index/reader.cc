/*
 * reader.cc: opening and refreshing a reader, and what every part of it reads through:
 * the summaries kept per revision and the query stemmers by language.
 */
#include "index/reader.h"

namespace reading
{

static uint64_t seq_of(const Xapian::Database &db)
{
    std::string v = db.get_metadata(INDEX__META_SEQ);
    return v.empty() ? 0 : strtoull(v.c_str(), NULL, 10);
}

/* ---- open, refresh --------------------------------------------------------------------- */

extern "C" int index_reader_open(const char *dir, index_reader **out)
{
    if (!dir || !out)
        return index__fail(INDEX_EINVAL, "dir and out are required");
    *out = NULL;
    index_reader *r = NULL;
    try {
        r = new index_reader;
        r->db = Xapian::Database(dir);
        *out = r;
        return 0;
    } catch (...) {
        delete r;
        return index__fail_current();
    }
}

extern "C" void index_reader_close(index_reader *r)
{
    delete r;
}

extern "C" int index_reader_refresh(index_reader *r)
{
    if (!r)
        return index__fail(INDEX_EINVAL, "reader is NULL");
    try {
        Xapian::rev before = r->db.get_revision();
        r->db.reopen();
        return r->db.get_revision() != before ? 1 : 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" int index_reader_warm(index_reader *r)
{
    if (!r)
        return index__fail(INDEX_EINVAL, "reader is NULL");
    for (int attempt = 0;; attempt++) {
        try {
            r->sets.warm(r->db);
            return 0;
        } catch (const Xapian::DatabaseModifiedError &) {
            if (attempt >= 2)
                return index__fail_current();
            try {
                r->db.reopen();
            } catch (...) {
                return index__fail_current();
            }
        } catch (...) {
            return index__fail_current();
        }
    }
}

extern "C" int index_has_type(index_reader *r, index_str type)
{
    if (!r || (type.len && !type.ptr))
        return index__fail(INDEX_EINVAL, "reader is NULL");
    try {
        return r->db.get_termfreq("T" + std::string(type.ptr ? type.ptr : "", type.len)) > 0;
    } catch (...) {
        return index__fail_current();
    }
}

extern "C" void index_reader_set_candidates(index_reader *r, uint32_t per_term)
{
    if (r)
        r->top.set_per_term(per_term);
}

extern "C" void index_reader_set_facet_counting(index_reader *r, index_facet_counting how)
{
    if (r)
        r->sets.set_facet_mode(how == INDEX_FACETS_BY_VALUE ? index__docsets::FACETS_BY_VALUE
                               : how == INDEX_FACETS_BY_DOCUMENT
                                   ? index__docsets::FACETS_BY_DOCUMENT
                                   : index__docsets::FACETS_CHEAPEST);
}

extern "C" void index_reader_use_completions(index_reader *r, index_completions *c)
{
    if (r) {
        r->completions = c;
        r->completion_table.reset();
    }
}

extern "C" int index_reader_completions_current(index_reader *r)
{
    try {
        return r && completion_table_of(r) ? 1 : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

extern "C" uint64_t index_reader_last_seq(index_reader *r)
{
    try {
        return r ? seq_of(r->db) : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

extern "C" uint64_t index_reader_doc_count(index_reader *r)
{
    try {
        return r ? r->db.get_doccount() : 0;
    } catch (...) {
        index__fail_current();
        return 0;
    }
}

/* The summary of document did at the reader's revision, or NULL if its data does not
 * decode. Valid until the next call. */
const index__summary *summary_of(index_reader *r, Xapian::docid did)
{
    summary_cache &c = r->summaries;
    Xapian::rev rev = r->db.get_revision();
    if (!c.valid || c.rev != rev || c.bytes > SUMMARY_CACHE_BYTES) {
        c.map.clear();
        c.words.clear();
        c.bytes = 0;
        c.rev = rev;
        c.valid = true;
    }
    auto it = c.map.find(did);
    if (it != c.map.end())
        return &it->second;
    index__summary s;
    if (!index__summary_decode(r->db.get_document(did).get_value(INDEX__SLOT_SUMMARY), s))
        return NULL;
    c.bytes += sizeof s + 64 + s.id.size() + s.type.size() + s.name.size() + s.country.size() +
               s.city.size() + s.text.size();
    return &c.map.emplace(did, std::move(s)).first->second;
}

const index__completion_table *completion_table_of(index_reader *r)
{
    if (!r->completions)
        return NULL;
    std::shared_ptr<const index__completion_table> t = index__completions_current(r->completions);
    if (!t || t->rev != r->db.get_revision())
        return NULL;
    if (t != r->completion_table) {
        /* Another copy: of this very index? (A rebuilt one starts its revisions over.) */
        if (t->uuid != r->db.get_uuid())
            return NULL;
        r->completion_table = std::move(t);
    }
    return r->completion_table.get();
}

const std::vector<name_word> &name_words_of(index_reader *r, Xapian::docid did,
                                            const index__summary &s)
{
    summary_cache &c = r->summaries; /* Of this revision: s came from summary_of. */
    auto it = c.words.find(did);
    if (it != c.words.end())
        return it->second;
    std::vector<name_word> ws;
    std::vector<index__word> tmp;
    for (int field = 0; field < 2; field++) {
        const std::string &t = field == 0 ? s.name : s.city;
        tmp.clear();
        index__words(t.data(), t.size(), tmp, 32);
        for (index__word &x : tmp) {
            ws.push_back(name_word{index__lower(t.data() + x.start, x.end - x.start),
                                   std::move(x.folded), field == 0});
            c.bytes += 80 + ws.back().lower.size() + ws.back().folded.size();
        }
    }
    return c.words.emplace(did, std::move(ws)).first->second;
}

query_stem &stemmer(index_reader *r, index_str lang)
{
    std::string code = lang.ptr && lang.len == 2 ? std::string(lang.ptr, 2) : "en";
    for (char &c : code)
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
    auto it = r->stems.find(code);
    if (it != r->stems.end())
        return it->second;
    query_stem qs{Xapian::Stem("en"), true};
    try {
        if (code != "en")
            qs = query_stem{Xapian::Stem(code), false};
    } catch (const Xapian::InvalidArgumentError &) {
    }
    return r->stems.emplace(code, qs).first->second;
}

} // namespace reading

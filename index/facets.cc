/*
 * facets.cc: facet values counted from the match set's bitmap or by a match spy, and
 * emitted into a result, most frequent first.
 */
#include "index/reader.h"

#include <algorithm>
#include <tuple>

namespace reading
{

static void emit_facet(index__result_mem *m, index_facet_id f,
                       std::vector<std::pair<std::string, uint32_t>> &vals)
{
    std::sort(vals.begin(), vals.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    std::vector<index_facet_value> &out = m->values[f];
    for (auto &kv : vals)
        if (kv.second)
            out.push_back(index_facet_value{m->keep(kv.first), kv.second});
    m->res.facets[f].name = index_facet_name(f);
    m->res.facets[f].values = out.data();
    m->res.facets[f].len = out.size();
}

void emit_facets(index__result_mem *m, uint32_t mask, facet_spy &spy)
{
    std::vector<std::pair<std::string, uint32_t>> v;
    if (mask & (1u << INDEX_FACET_KIND)) {
        v.clear();
        for (int k = 0; k < INDEX_KIND_COUNT; k++)
            v.emplace_back(index_kind_name((index_kind)k), spy.kind[k]);
        emit_facet(m, INDEX_FACET_KIND, v);
    }
    if (mask & (1u << INDEX_FACET_LABEL)) {
        v.clear();
        for (int l = 0; l < INDEX_LABEL_COUNT; l++)
            v.emplace_back(index_label_name((index_label)l), spy.label[l]);
        emit_facet(m, INDEX_FACET_LABEL, v);
    }
    if (mask & (1u << INDEX_FACET_ELIGIBLE)) {
        v.clear();
        v.emplace_back("false", spy.eligible[0]);
        v.emplace_back("true", spy.eligible[1]);
        emit_facet(m, INDEX_FACET_ELIGIBLE, v);
    }
    const std::pair<index_facet_id, tally *> multi[] = {{INDEX_FACET_TYPE, &spy.type},
                                                        {INDEX_FACET_COUNTRY, &spy.country},
                                                        {INDEX_FACET_ECOSYSTEM, &spy.ecosystem},
                                                        {INDEX_FACET_SOUGHT, &spy.sought},
                                                        {INDEX_FACET_STATE, &spy.state}};
    for (const auto &fm : multi) {
        if (!(mask & (1u << fm.first)))
            continue;
        v.clear();
        for (const auto &kv : fm.second->counts)
            v.emplace_back(std::string(kv.first), kv.second);
        emit_facet(m, fm.first, v);
    }
}

/* Fills spy's counters for the facets in mask from the match bitmap: one popcount over
 * the bitmap per facet value. */
void count_facets(index_reader *r, uint32_t mask, const index__bits &match, facet_spy &spy)
{
    auto want = [&](index_facet_id f) { return (mask & (1u << f)) != 0; };
    if (want(INDEX_FACET_KIND))
        r->sets.facet_counts(r->db, 'K', match, [&](const std::string &v, uint32_t n) {
            int k = index_kind_parse(index_str{v.data(), v.size()});
            if (k >= 0)
                spy.kind[k] += n;
        });
    if (want(INDEX_FACET_LABEL))
        r->sets.facet_counts(r->db, 'L', match, [&](const std::string &v, uint32_t n) {
            int l = index_label_parse(index_str{v.data(), v.size()});
            if (l >= 0)
                spy.label[l] += n;
        });
    if (want(INDEX_FACET_ELIGIBLE))
        r->sets.facet_counts(r->db, 'B', match, [&](const std::string &v, uint32_t n) {
            spy.eligible[v == "1" ? 1 : 0] += n;
        });
    const std::tuple<index_facet_id, char, tally *> multi[] = {
        {INDEX_FACET_TYPE, 'T', &spy.type},
        {INDEX_FACET_COUNTRY, 'C', &spy.country},
        {INDEX_FACET_ECOSYSTEM, 'E', &spy.ecosystem},
        {INDEX_FACET_SOUGHT, 'D', &spy.sought},
        {INDEX_FACET_STATE, 'X', &spy.state}};
    for (const auto &fm : multi)
        if (want(std::get<0>(fm)))
            r->sets.facet_counts(
                r->db, std::get<1>(fm), match,
                [&](const std::string &v, uint32_t n) { std::get<2>(fm)->add(v, n); });
}

} // namespace reading

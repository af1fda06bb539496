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
    static const std::pair<index_facet_id, char> prefix_of[] = {
        {INDEX_FACET_KIND, 'K'},   {INDEX_FACET_LABEL, 'L'},   {INDEX_FACET_ELIGIBLE, 'B'},
        {INDEX_FACET_TYPE, 'T'},   {INDEX_FACET_COUNTRY, 'C'}, {INDEX_FACET_ECOSYSTEM, 'E'},
        {INDEX_FACET_SOUGHT, 'D'}, {INDEX_FACET_STATE, 'X'}};
    std::string prefixes;
    for (const auto &pf : prefix_of)
        if (mask & (1u << pf.first))
            prefixes += pf.second;
    r->sets.facet_counts(r->db, prefixes, match,
                         [&](char prefix, const std::string &v, uint32_t n) {
                             switch (prefix) {
                             case 'K': {
                                 int k = index_kind_parse(index_str{v.data(), v.size()});
                                 if (k >= 0)
                                     spy.kind[k] += n;
                                 break;
                             }
                             case 'L': {
                                 int l = index_label_parse(index_str{v.data(), v.size()});
                                 if (l >= 0)
                                     spy.label[l] += n;
                                 break;
                             }
                             case 'B':
                                 spy.eligible[v == "1" ? 1 : 0] += n;
                                 break;
                             case 'T':
                                 spy.type.add(v, n);
                                 break;
                             case 'C':
                                 spy.country.add(v, n);
                                 break;
                             case 'E':
                                 spy.ecosystem.add(v, n);
                                 break;
                             case 'D':
                                 spy.sought.add(v, n);
                                 break;
                             case 'X':
                                 spy.state.add(v, n);
                                 break;
                             }
                         });
}

} // namespace reading

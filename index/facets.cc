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
    /* The facets of one value each are tallied by value; kind, label and eligibility are
     * fixed vocabularies, counted in spy's arrays. */
    const std::tuple<index_facet_id, char, tally *> facets[] = {
        {INDEX_FACET_KIND, 'K', NULL},
        {INDEX_FACET_LABEL, 'L', NULL},
        {INDEX_FACET_ELIGIBLE, 'B', NULL},
        {INDEX_FACET_TYPE, 'T', &spy.type},
        {INDEX_FACET_COUNTRY, 'C', &spy.country},
        {INDEX_FACET_ECOSYSTEM, 'E', &spy.ecosystem},
        {INDEX_FACET_SOUGHT, 'D', &spy.sought},
        {INDEX_FACET_STATE, 'X', &spy.state}};
    std::string prefixes;
    tally *tally_of[128] = {NULL};
    for (const auto &f : facets)
        if (mask & (1u << std::get<0>(f))) {
            prefixes += std::get<1>(f);
            tally_of[(unsigned char)std::get<1>(f)] = std::get<2>(f);
        }
    r->sets.facet_counts(r->db, prefixes, match,
                         [&](char prefix, const std::string &v, uint32_t n) {
                             if (tally *t = tally_of[(unsigned char)prefix]) {
                                 t->add(v, n);
                             } else if (prefix == 'K') {
                                 int k = index_kind_parse(index_str{v.data(), v.size()});
                                 if (k >= 0)
                                     spy.kind[k] += n;
                             } else if (prefix == 'L') {
                                 int l = index_label_parse(index_str{v.data(), v.size()});
                                 if (l >= 0)
                                     spy.label[l] += n;
                             } else if (prefix == 'B') {
                                 spy.eligible[v == "1" ? 1 : 0] += n;
                             }
                         });
}

} // namespace reading

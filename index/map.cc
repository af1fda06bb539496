/*
 * map.cc: index_map, matches grouped into cells for a map's bounding box and zoom.
 */
#include "index/reader.h"

#include <cmath>
#include <cstring>

namespace reading
{

/* ---- map ------------------------------------------------------------------------------- */

namespace
{

struct cell {
    double sum_lat = 0, sum_lon = 0;
    uint32_t count = 0;
    std::vector<std::string> ids;
};

class map_spy : public Xapian::MatchSpy
{
  public:
    explicit map_spy(double size) : size_(size) {}
    void operator()(const Xapian::Document &doc, double) override
    {
        std::string g = doc.get_value(INDEX__SLOT_GEO);
        if (g.size() < 16)
            return;
        double lat, lon;
        memcpy(&lat, g.data(), 8);
        memcpy(&lon, g.data() + 8, 8);
        uint64_t ilat = (uint64_t)std::floor((lat + 90.0) / size_);
        uint64_t ilon = (uint64_t)std::floor((lon + 180.0) / size_);
        cell &c = cells[(ilat << 32) | ilon];
        c.sum_lat += lat;
        c.sum_lon += lon;
        c.count++;
        if (c.ids.size() < INDEX_MAP_IDS_MAX)
            c.ids.emplace_back(g, 16);
        total++;
    }
    std::unordered_map<uint64_t, cell> cells;
    uint64_t total = 0;

  private:
    double size_;
};

} // namespace

static Xapian::Query range(Xapian::valueno slot, double lo, double hi)
{
    return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(lo),
                         Xapian::sortable_serialise(hi));
}

extern "C" int index_map(index_reader *r, const index_bbox *b, uint32_t zoom,
                         const index_filter *filter, index_map_result **out)
{
    if (!r || !b || !out)
        return index__fail(INDEX_EINVAL, "reader, bbox and out are required");
    *out = NULL;
    if (!(b->min_lat >= -90 && b->max_lat <= 90 && b->min_lat <= b->max_lat && b->min_lon >= -180 &&
          b->min_lon <= 180 && b->max_lon >= -180 && b->max_lon <= 180))
        return index__fail(INDEX_EINVAL, "bbox out of range");
    if (zoom > 22)
        return index__fail(INDEX_EINVAL, "zoom must be 0..22");
    index__result_mem *m = NULL;
    try {
        index__plan fplan;
        bool has_filter = false;
        int rc = filter_plan(filter, fplan, has_filter);
        if (rc)
            return rc;
        Xapian::Query fq = fplan.query();
        Xapian::Query lon =
            b->min_lon <= b->max_lon
                ? range(INDEX__SLOT_LON, b->min_lon, b->max_lon)
                : Xapian::Query(Xapian::Query::OP_OR, range(INDEX__SLOT_LON, b->min_lon, 180),
                                range(INDEX__SLOT_LON, -180, b->max_lon));
        Xapian::Query geo(Xapian::Query::OP_AND, range(INDEX__SLOT_LAT, b->min_lat, b->max_lat),
                          lon);
        if (has_filter)
            geo = Xapian::Query(Xapian::Query::OP_FILTER, geo, fq);
        /* A cell is a quarter of a 256-pixel tile: 360 / 2^zoom / 4 degrees. */
        map_spy spy(360.0 / std::ldexp(1.0, (int)zoom) / 4.0);
        for (int attempt = 0;; attempt++) {
            try {
                spy.cells.clear();
                spy.total = 0;
                Xapian::Enquire enq(r->db);
                enq.set_query(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, geo, 0.0));
                enq.add_matchspy(&spy);
                Xapian::doccount n = r->db.get_doccount();
                enq.get_mset(0, 0, n);
                break;
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= 2)
                    throw;
                r->db.reopen();
            }
        }
        m = new index__result_mem;
        m->map.mem_ = m;
        m->map.total = spy.total;
        std::vector<cell *> order;
        for (auto &kv : spy.cells)
            order.push_back(&kv.second);
        std::sort(order.begin(), order.end(), [](const cell *a, const cell *b) {
            if (a->count != b->count)
                return a->count > b->count;
            return a->sum_lat / a->count < b->sum_lat / b->count;
        });
        for (cell *c : order) {
            m->id_lists.emplace_back();
            std::vector<const char *> &ids = m->id_lists.back();
            for (const std::string &id : c->ids)
                ids.push_back(m->keep(id));
            m->cells.push_back(index_map_cell{c->sum_lat / c->count, c->sum_lon / c->count,
                                              c->count, ids.data(), ids.size()});
        }
        m->map.cells = m->cells.data();
        m->map.len = m->cells.size();
        *out = &m->map;
        return 0;
    } catch (...) {
        delete m;
        return index__fail_current();
    }
}

extern "C" void index_map_result_free(index_map_result *m)
{
    if (m)
        delete m->mem_;
}

} // namespace reading

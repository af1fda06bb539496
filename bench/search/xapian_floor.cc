/*
 * xapian_floor.cc: what Xapian alone costs per document when eccpd bulk-builds an index,
 * the floor under `eccpd reindex` and the first start.
 *
 *   bench_search_xapian_floor INDEX_DIR [THREADS [RUNS [DROP]]]
 *
 * INDEX_DIR is an index eccpd built (DATA/index); it is only read. Every document's
 * terms (with their within-document frequencies) and values are read into memory first,
 * so the timed part holds no tokenising, stemming, store reads or record decoding: only
 * what any build through Xapian's API must do, laid out as eccpd's builder does it (one
 * shard per thread, a flush every 2,000 documents, then one compaction into the target).
 * Each run reports wall seconds, CPU seconds, documents/s and CPU-µs per document, for
 * the documents built (Xapian::Document from the terms) and for the whole build. DROP
 * (say "ZS") leaves out the terms whose first letter it lists (internal.h's prefixes), to
 * see what a document with fewer terms would cost.
 */
#include <xapian.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ftw.h>
#include <string>
#include <thread>
#include <vector>

namespace
{

/* One document as the index holds it, in flat arrays so that loading does not dominate. */
struct doc_terms {
    std::string names;           /* Every term, each followed by '\0'. */
    std::vector<uint32_t> wdfs;  /* 0 for a boolean term. */
    std::vector<uint32_t> slots; /* Value slots used. */
    std::vector<std::string> values;
};

enum { FLUSH_EVERY = 2000 };

int rm_entry(const char *path, const struct stat *, int, struct FTW *)
{
    return remove(path);
}

void remove_tree(const std::string &path)
{
    nftw(path.c_str(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

double cpu_seconds()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double wall_seconds()
{
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::vector<doc_terms> load(const char *dir, const std::string &drop)
{
    Xapian::Database db(dir);
    std::vector<doc_terms> docs;
    docs.reserve(db.get_doccount());
    for (Xapian::PostingIterator p = db.postlist_begin(""); p != db.postlist_end(""); ++p) {
        Xapian::Document d = db.get_document(*p);
        doc_terms t;
        for (Xapian::TermIterator i = d.termlist_begin(); i != d.termlist_end(); ++i) {
            if (!(*i).empty() && drop.find((*i)[0]) != std::string::npos)
                continue;
            t.names += *i;
            t.names += '\0';
            t.wdfs.push_back(i.get_wdf());
        }
        for (Xapian::ValueIterator v = d.values_begin(); v != d.values_end(); ++v) {
            t.slots.push_back(v.get_valueno());
            t.values.push_back(*v);
        }
        docs.push_back(std::move(t));
    }
    return docs;
}

Xapian::Document make(const doc_terms &t)
{
    Xapian::Document d;
    const char *name = t.names.data();
    for (uint32_t wdf : t.wdfs) {
        size_t n = strlen(name);
        d.add_term(std::string(name, n), wdf);
        name += n + 1;
    }
    for (size_t i = 0; i < t.slots.size(); i++)
        d.add_value(t.slots[i], t.values[i]);
    return d;
}

/* Builds every document as a Xapian::Document and drops it: the part of the cost that is
 * Xapian's in-memory term map, before any table is touched. */
void make_only(const std::vector<doc_terms> &docs, unsigned part, unsigned parts)
{
    for (size_t i = part; i < docs.size(); i += parts) {
        Xapian::Document d = make(docs[i]);
        if (d.termlist_count() == 0)
            abort(); /* Keeps the work observable. */
    }
}

void build_shard(const std::vector<doc_terms> &docs, unsigned part, unsigned parts,
                 const std::string &path)
{
    Xapian::WritableDatabase db(path, Xapian::DB_CREATE | Xapian::DB_NO_SYNC);
    unsigned unflushed = 0;
    for (size_t i = part; i < docs.size(); i += parts) {
        db.add_document(make(docs[i]));
        if (++unflushed == FLUSH_EVERY) {
            db.commit();
            unflushed = 0;
        }
    }
    db.commit();
}

template <class F> void on_threads(unsigned n, F f)
{
    std::vector<std::thread> ts;
    for (unsigned i = 1; i < n; i++)
        ts.emplace_back(f, i);
    f(0);
    for (std::thread &t : ts)
        t.join();
}

void report(const char *what, size_t n, double wall, double cpu)
{
    printf("  %-34s %7.2f s wall %7.2f s CPU %9.0f documents/s %6.1f CPU-us/document\n", what, wall,
           cpu, n / wall, cpu * 1e6 / n);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s INDEX_DIR [THREADS [RUNS [DROP]]]\n", argv[0]);
        return 2;
    }
    unsigned threads = argc > 2 ? (unsigned)atoi(argv[2]) : std::thread::hardware_concurrency();
    unsigned runs = argc > 3 ? (unsigned)atoi(argv[3]) : 3;
    std::string drop = argc > 4 ? argv[4] : "";
    if (threads < 1 || threads > 64 || runs < 1) {
        fprintf(stderr, "THREADS must be 1..64 and RUNS at least 1\n");
        return 2;
    }
    try {
        double w0 = wall_seconds();
        std::vector<doc_terms> docs = load(argv[1], drop);
        size_t terms = 0;
        for (const doc_terms &t : docs)
            terms += t.wdfs.size();
        printf("%zu documents, %.1f terms each, read in %.1f s; %u threads\n", docs.size(),
               docs.empty() ? 0.0 : (double)terms / docs.size(), wall_seconds() - w0, threads);
        if (docs.empty())
            return 1;
        char tmpl[] = "/tmp/eccpd-xapian-floor-XXXXXX";
        if (!mkdtemp(tmpl)) {
            perror("mkdtemp");
            return 1;
        }
        std::string root = tmpl;
        for (unsigned r = 1; r <= runs; r++) {
            printf("run %u\n", r);
            double w = wall_seconds(), c = cpu_seconds();
            on_threads(threads, [&](unsigned i) { make_only(docs, i, threads); });
            report("Xapian::Document from the terms", docs.size(), wall_seconds() - w,
                   cpu_seconds() - c);

            w = wall_seconds(), c = cpu_seconds();
            std::vector<std::string> paths;
            for (unsigned i = 0; i < threads; i++)
                paths.push_back(root + "/shard" + std::to_string(i));
            on_threads(threads, [&](unsigned i) { build_shard(docs, i, threads, paths[i]); });
            double sw = wall_seconds() - w, sc = cpu_seconds() - c;
            report("shards (documents added, committed)", docs.size(), sw, sc);
            Xapian::Database all;
            for (const std::string &p : paths)
                all.add_database(Xapian::Database(p));
            all.compact(root + "/all", Xapian::Compactor::STANDARD);
            report("whole build (shards + compaction)", docs.size(), wall_seconds() - w,
                   cpu_seconds() - c);
            remove_tree(root);
            mkdir(root.c_str(), 0700);
        }
        remove_tree(root);
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "xapian: %s\n", e.get_description().c_str());
        return 1;
    }
    return 0;
}

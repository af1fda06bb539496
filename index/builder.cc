/*
 * builder.cc: a parallel bulk build of a new index (for `eccpd reindex` and first loads).
 * Each shard is an ordinary bulk index_writer in its own scratch directory beside the
 * target, fed by one thread; index_builder_finish commits every shard and merges them
 * with Xapian's compactor into the target directory (document ids renumbered, spelling
 * frequencies summed, metadata from the first shard, which all share the same sequence
 * number). The result is an ordinary index that index_writer_open can then update.
 *
 * Invariants: a shard is used by one thread at a time; an id is put into one shard only
 * (ids are not looked up across shards); the target directory does not exist before.
 * Costs: putting is the single writer's cost divided among the shards (one core each);
 * the merge is one sequential pass over all tables.
 */
#include "index/internal.h"

#include <xapian.h>

#include <ftw.h>
#include <sys/stat.h>

struct index_builder {
    std::string dir;                    /* Target directory. */
    std::vector<index_writer *> shards; /* One bulk writer per shard. */
    std::vector<std::string> paths;     /* Their scratch directories. */
    std::vector<uint32_t> unflushed;    /* Documents put per shard since its last flush. */
};

enum { FLUSH_EVERY = 2000 }; /* Documents per shard between flushes (see internal.h). */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const std::string &path)
{
    nftw(path.c_str(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void drop(index_builder *b)
{
    for (index_writer *w : b->shards)
        index_writer_close(w);
    for (const std::string &p : b->paths)
        remove_tree(p);
    delete b;
}

extern "C" int index_builder_open(const char *dir, unsigned nshards, index_builder **out)
{
    if (!dir || !out || nshards == 0 || nshards > 64)
        return index__fail(INDEX_EINVAL, "dir, out and 1..64 shards are required");
    *out = NULL;
    struct stat st;
    if (stat(dir, &st) == 0)
        return index__fail(INDEX_EINVAL, std::string("build target exists: ") + dir);
    index_builder *b = NULL;
    try {
        b = new index_builder;
        b->dir = dir;
        index_writer_options opt = {true, true};
        for (unsigned i = 0; i < nshards; i++) {
            std::string path = b->dir + ".shard" + std::to_string(i);
            remove_tree(path); /* Left over from an interrupted build. */
            index_writer *w = NULL;
            int rc = index_writer_open(path.c_str(), &opt, &w);
            if (rc) {
                drop(b);
                return rc;
            }
            b->paths.push_back(path);
            b->shards.push_back(w);
            b->unflushed.push_back(0);
        }
        *out = b;
        return 0;
    } catch (...) {
        if (b)
            drop(b);
        return index__fail_current();
    }
}

extern "C" int index_builder_put(index_builder *b, unsigned shard, const index_doc *doc)
{
    if (!b || shard >= b->shards.size())
        return index__fail(INDEX_EINVAL, "builder and a shard number below its count required");
    int rc = index_put(b->shards[shard], doc);
    if (rc == 0 && ++b->unflushed[shard] >= FLUSH_EVERY) {
        b->unflushed[shard] = 0;
        rc = index__writer_flush(b->shards[shard]);
    }
    return rc;
}

extern "C" int index_builder_finish(index_builder *b, uint64_t last_applied_seq)
{
    if (!b)
        return index__fail(INDEX_EINVAL, "builder is NULL");
    int rc = 0;
    try {
        for (index_writer *w : b->shards)
            if ((rc = index_commit(w, last_applied_seq)) != 0)
                break;
        for (index_writer *&w : b->shards) {
            index_writer_close(w);
            w = NULL;
        }
        if (rc == 0) {
            Xapian::Database all;
            for (const std::string &p : b->paths)
                all.add_database(Xapian::Database(p));
            all.compact(b->dir, Xapian::Compactor::STANDARD);
        }
    } catch (...) {
        rc = index__fail_current();
    }
    if (rc)
        remove_tree(b->dir);
    drop(b);
    return rc;
}

extern "C" void index_builder_abort(index_builder *b)
{
    if (b)
        drop(b);
}

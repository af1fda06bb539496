/*
 * test_docsets.cc: match sets as bitmaps (index/docsets.h) against counts known by
 * construction, with the kept term bitmaps' budget at one byte, so that every new term
 * kept empties it. A pass holds several kept bitmaps at once (an OR's first two, an AND's
 * kept first kid with the next kid's forms); emptying the cache within an eval would free
 * them under it, which AddressSanitizer reports as a use after free.
 */
#include "index/docsets.h"
#include "index/index.h"

extern "C" {
#include "check.h"
}

#include <ftw.h>
#include <stdlib.h>
#include <string>
#include <unistd.h>

static int rm_cb(const char *path, const struct stat *, int, struct FTW *)
{
    return remove(path);
}

static index__plan any(std::vector<std::string> terms)
{
    std::vector<index__plan> kids;
    for (const std::string &t : terms)
        kids.push_back(index__plan::leaf(t));
    return index__plan::join(index__plan::OR, std::move(kids));
}

int main()
{
    char root[300];
    snprintf(root, sizeof root, "%s/eccpd-test-docsets-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(root) != NULL);
    std::string dir = std::string(root) + "/index";
    index_writer_options opt = {false, true};
    index_writer *w = NULL;
    CHECK_EQ(index_writer_open(dir.c_str(), &opt, &w), 0);
    /* Document i holds alpha when 2 divides i, bravo when 3 does, charlie when 4 does, and
     * delta always: every term in 300 documents or more, so every one is kept. */
    enum { N = 1200 };
    for (int i = 0; i < N; i++) {
        std::string id = "d" + std::to_string(i), desc = "delta";
        if (i % 2 == 0)
            desc += " alpha";
        if (i % 3 == 0)
            desc += " bravo";
        if (i % 4 == 0)
            desc += " charlie";
        index_doc d = {};
        d.id = index_cstr(id.c_str());
        d.kind = INDEX_KIND_PROFILE;
        d.type = index_cstr("cluster_organisation");
        d.name = index_cstr(id.c_str());
        d.description = index_cstr(desc.c_str());
        d.country = index_cstr("FR");
        CHECK_EQ(index_put(w, &d), 0);
    }
    CHECK_EQ(index_commit(w, 1), 0);
    index_writer_close(w);

    Xapian::Database db(dir);
    index__docsets sets;
    sets.reset(db);
    sets.set_term_budget(1);
    index__bits out;
    auto both = [](index__plan a, index__plan b) {
        std::vector<index__plan> k;
        k.push_back(std::move(a));
        k.push_back(std::move(b));
        return index__plan::join(index__plan::AND, std::move(k));
    };
    /* Passes 0 and 1 with the one-byte budget (the second with a reused output); 2 and 3
     * with the default, so that words' forms are answered from bitmaps kept for them. */
    for (int pass = 0; pass < 4; pass++) {
        if (pass == 2)
            sets.set_term_budget(index__docsets::TERM_CACHE_BYTES);
        /* 2 or 3 divides: 600 + 400 - 200. */
        CHECK_EQ(sets.eval(db, any({"alpha", "bravo"}), out), 800);
        CHECK_EQ(index__docsets::count(out), 800);
        /* 2, and 3 or 4: 200 + 300 - 100. */
        CHECK_EQ(sets.eval(db, both(index__plan::leaf("alpha"), any({"bravo", "charlie"})), out),
                 400);
        CHECK_EQ(index__docsets::count(out), 400);
        /* (2 or 3) and (4, or every document). */
        CHECK_EQ(sets.eval(db, both(any({"alpha", "bravo"}), any({"charlie", "delta"})), out), 800);
        /* 3 and 4: 12 divides. */
        CHECK_EQ(sets.eval(db, both(index__plan::leaf("bravo"), index__plan::leaf("charlie")), out),
                 100);
        CHECK_EQ(sets.eval(db, any({"alpha", "bravo", "charlie"}), out), 800);
        /* Forms that no document holds (a stem looked up plain): they add nothing, and a
         * word of only such forms is noted as too rare for a bitmap, not kept empty. */
        CHECK_EQ(sets.eval(db, any({"alpha", "absent"}), out), 600);
        CHECK_EQ(sets.eval(db, any({"absent", "missing"}), out), 0);
        CHECK_EQ(sets.eval(db, both(any({"absent", "missing"}), any({"alpha", "bravo"})), out), 0);
        CHECK_EQ(sets.eval(db, both(any({"bravo", "absent"}), any({"alpha", "charlie"})), out),
                 200); /* 3, and 2 or 4: 6 divides. */
        std::vector<index__plan> syn;
        syn.push_back(index__plan::leaf("bravo"));
        syn.push_back(index__plan::leaf("charlie"));
        CHECK_EQ(sets.eval(db,
                           both(index__plan::join(index__plan::SYNONYM, std::move(syn)),
                                index__plan::leaf("alpha")),
                           out),
                 400);
    }
    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

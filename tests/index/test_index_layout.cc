/*
 * test_index_layout.cc: an index written with an older layout is refused with
 * INDEX_EFORMAT (the server then rebuilds it from the store) rather than read wrongly.
 * C++ because only Xapian itself can write an index as an older eccpd left it.
 */
#include "index/internal.h"

extern "C" {
#include "check.h"
}

#include <xapian.h>

#include <ftw.h>
#include <unistd.h>

static int rm_cb(const char *path, const struct stat *, int, struct FTW *)
{
    return remove(path);
}

/* An index as format 2 wrote it: the summary in the document data. */
static void write_format_2(const std::string &dir)
{
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE);
    Xapian::Document doc;
    doc.add_boolean_term("Qold-1");
    doc.add_term("cluster", 6);
    doc.set_data("a summary in the document data");
    db.add_document(doc);
    db.set_metadata(INDEX__META_FORMAT, "2");
    db.set_metadata(INDEX__META_SEQ, "7");
    db.commit();
}

int main()
{
    char root[300];
    snprintf(root, sizeof root, "%s/eccpd-test-layout-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(root) != NULL);
    std::string old_dir = std::string(root) + "/old", new_dir = std::string(root) + "/new";
    index_writer_options opt = {false, true};

    write_format_2(old_dir);
    index_writer *w = NULL;
    CHECK_EQ(index_writer_open(old_dir.c_str(), &opt, &w), INDEX_EFORMAT);
    CHECK(w == NULL);
    std::string msg = index_last_error();
    CHECK(msg.find("format is 2") != std::string::npos);
    CHECK(msg.find("not " INDEX__FORMAT) != std::string::npos);

    /* A new index takes the current layout, and opens again. */
    CHECK_EQ(index_writer_open(new_dir.c_str(), &opt, &w), 0);
    CHECK_EQ(index_commit(w, 1), 0);
    index_writer_close(w);
    w = NULL;
    CHECK_EQ(index_writer_open(new_dir.c_str(), &opt, &w), 0);
    index_writer_close(w);
    std::string format = Xapian::Database(new_dir).get_metadata(INDEX__META_FORMAT);
    CHECK_STR_EQ(format.c_str(), INDEX__FORMAT);

    nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    printf("test_index_layout: ok\n");
    return 0;
}

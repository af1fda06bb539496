/*
 * completions.cc: the in-memory completion table (completions.h) and the thread that keeps
 * one for the index's latest revision (index.h, index_completions_start).
 */
#include "index/completions.h"

#include "index/internal.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <stdio.h>
#include <thread>

/* ---- the table ------------------------------------------------------------------------- */

/* The first i of [0, n) with at(i) not before s, at() ascending. */
template <class At> static size_t first_not_before(size_t n, At at, std::string_view s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (at(mid) < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t index__completion_table::key_from(std::string_view s) const
{
    return first_not_before(
        key_end.size(), [this](size_t i) { return key(i); }, s);
}

size_t index__completion_table::word_from(std::string_view s) const
{
    return first_not_before(
        words.size(), [this](size_t i) { return word_at(i); }, s);
}

size_t index__completion_table::word_index(std::string_view s) const
{
    size_t i = word_from(s);
    return i < words.size() && word_at(i) == s ? i : words.size();
}

size_t index__completion_table::bytes() const
{
    return key_text.capacity() + (key_end.capacity() + doc_end.capacity()) * sizeof(uint32_t) +
           docs.capacity() * sizeof(Xapian::docid) + word_text.capacity() +
           words.capacity() * sizeof(word);
}

/* The written form of each folded word that has one (V<folded> <written> terms): the most
 * frequent of its first 16 forms, a lower-case one on a tie, as suggest.cc's written_form
 * picks it. */
static std::map<std::string, std::string> written_forms(Xapian::Database &db)
{
    std::map<std::string, std::string> out;
    std::string folded, best;
    Xapian::doccount best_f = 0;
    bool best_lower = false;
    int seen = 0;
    auto flush = [&]() {
        if (!folded.empty() && !best.empty())
            out.emplace(folded, best);
    };
    for (Xapian::TermIterator it = db.allterms_begin("V"), end = db.allterms_end("V"); it != end;
         ++it) {
        const std::string &t = *it;
        size_t sp = t.find(' ', 1);
        if (sp == std::string::npos)
            continue;
        if (t.compare(1, sp - 1, folded) != 0) {
            flush();
            folded.assign(t, 1, sp - 1);
            best.clear();
            best_f = 0;
            best_lower = false;
            seen = 0;
        }
        if (seen++ >= 16)
            continue;
        std::string w = t.substr(sp + 1);
        Xapian::doccount f = it.get_termfreq();
        bool lower = index__lower(w.data(), w.size()) == w;
        if (f > best_f || (f == best_f && lower && !best_lower))
            best = w, best_f = f, best_lower = lower;
    }
    flush();
    return out;
}

void index__completion_build(Xapian::Database &db, index__completion_table &t)
{
    t = index__completion_table();
    t.uuid = db.get_uuid();
    t.rev = db.get_revision();
    for (Xapian::TermIterator it = db.allterms_begin("S"), end = db.allterms_end("S"); it != end;
         ++it) {
        const std::string &term = *it;
        t.key_text += term;
        t.key_end.push_back((uint32_t)t.key_text.size());
        for (Xapian::PostingIterator p = db.postlist_begin(term), pe = db.postlist_end(term);
             p != pe; ++p)
            t.docs.push_back(*p);
        t.doc_end.push_back((uint32_t)t.docs.size());
    }
    std::map<std::string, std::string> written = written_forms(db);
    for (Xapian::TermIterator it = db.spellings_begin(), end = db.spellings_end(); it != end;
         ++it) {
        const std::string &w = *it;
        index__completion_table::word x;
        x.start = (uint32_t)t.word_text.size();
        x.len = (uint32_t)w.size();
        t.word_text += w;
        x.freq = it.get_termfreq();
        /* Only words the spelling table holds twice are ever offered (suggest.cc), so only
         * theirs need the term's own frequency: a B-tree descent each. */
        x.offerable = x.freq >= 2 && !index__legal_fragment(w) && db.get_termfreq(w) >= 2;
        auto wf = written.find(w);
        x.written_start = (uint32_t)t.word_text.size();
        if (wf != written.end()) {
            t.word_text += wf->second;
            x.written_len = (uint32_t)wf->second.size();
        } else {
            x.written_start = x.start;
            x.written_len = x.len;
        }
        t.words.push_back(x);
    }
    t.key_text.shrink_to_fit();
    t.key_end.shrink_to_fit();
    t.doc_end.shrink_to_fit();
    t.words.shrink_to_fit();
    t.docs.shrink_to_fit();
    t.word_text.shrink_to_fit();
}

/* ---- the keeper ------------------------------------------------------------------------ */

/* Rebuilt no sooner than this after the last build ended, nor sooner than ten times the
 * last build took: under steady writes the table is then rebuilt for at most a tenth of
 * one core, and suggestions come from Xapian meanwhile. */
static const std::chrono::milliseconds KEEP_POLL{500}, KEEP_MIN_GAP{2000};

struct index_completions {
    std::string dir;
    std::mutex mu;
    std::condition_variable wake;
    bool stopping = false;
    std::shared_ptr<const index__completion_table> table; /* Under mu. */
    std::thread thread;

    void run();
};

void index_completions::run()
{
    using clock = std::chrono::steady_clock;
    clock::time_point due = clock::now();
    std::string failed; /* The last failure logged, so that a lasting one is said once. */
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping) {
        wake.wait_for(lock, KEEP_POLL, [&] { return stopping; });
        if (stopping || clock::now() < due)
            continue;
        std::shared_ptr<const index__completion_table> have = table;
        lock.unlock();
        clock::time_point start = clock::now();
        try {
            /* Opened afresh each time: a rebuilt index is swapped in as another directory
             * under the same name, which an open handle would not follow. */
            Xapian::Database db(dir);
            if (!have || have->rev != db.get_revision() || have->uuid != db.get_uuid()) {
                auto built = std::make_shared<index__completion_table>();
                index__completion_build(db, *built);
                clock::time_point end = clock::now();
                due = end + std::max<clock::duration>(KEEP_MIN_GAP, (end - start) * 10);
                lock.lock();
                table = std::move(built);
                lock.unlock();
            }
            failed.clear();
        } catch (const Xapian::DatabaseModifiedError &) {
            /* The writer moved on twice during the walk: try again at the next poll. */
        } catch (const Xapian::Error &e) {
            std::string msg = e.get_description();
            if (msg != failed)
                fprintf(stderr, "eccpd: suggestions are read from the index itself (%s)\n",
                        msg.c_str());
            failed = msg;
            due = clock::now() + KEEP_MIN_GAP;
        } catch (const std::bad_alloc &) {
            due = clock::now() + KEEP_MIN_GAP * 10;
        }
        lock.lock();
    }
}

std::shared_ptr<const index__completion_table> index__completions_current(index_completions *c)
{
    std::lock_guard<std::mutex> lock(c->mu);
    return c->table;
}

extern "C" int index_completions_start(const char *dir, index_completions **out)
{
    if (!dir || !out)
        return index__fail(INDEX_EINVAL, "dir and out are required");
    *out = NULL;
    index_completions *c = NULL;
    try {
        c = new index_completions;
        c->dir = dir;
        c->thread = std::thread([c] { c->run(); });
        *out = c;
        return 0;
    } catch (...) {
        delete c;
        return index__fail_current();
    }
}

extern "C" void index_completions_stop(index_completions *c)
{
    if (!c)
        return;
    {
        std::lock_guard<std::mutex> lock(c->mu);
        c->stopping = true;
    }
    c->wake.notify_all();
    c->thread.join();
    delete c;
}

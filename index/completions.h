/*
 * completions.h: what index_suggest reads, held in memory for one revision of the index
 * (index.h, index_completions_start). Internal to index/.
 *
 * A suggestion reads a few hundred name keys, the spelling words completing the key, the
 * postings of the keys that make the list and the written forms of the words offered:
 * from Xapian, each is a B-tree descent that copies blocks out of the page cache, 40 % of
 * a suggestion's server time measured at scale 100. The table holds the same entries, in
 * the same order, as sorted arrays; a reader uses it only at the revision it was built
 * from, so that a suggestion is the same from either.
 */
#ifndef ECCPD_INDEX_COMPLETIONS_H
#define ECCPD_INDEX_COMPLETIONS_H

#include <xapian.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/index.h"

struct index__completion_table {
    std::string uuid; /* Of the database it was built from (a rebuilt index has another). */
    Xapian::rev rev = 0;

    /* Every name key (S-term, with its 'S'), sorted as Xapian sorts terms (bytes), and the
     * documents holding each. */
    std::string key_text;
    std::vector<uint32_t> key_end; /* Key i is key_text[key_end[i-1] .. key_end[i]). */
    std::vector<uint32_t> doc_end; /* Its documents are docs[doc_end[i-1] .. doc_end[i]). */
    std::vector<Xapian::docid> docs;

    /* Every word of the spelling table, sorted, with its frequency there, whether it may be
     * offered (not a legal-form fragment and held by two documents), and its written form
     * (suggest.cc, written_form). */
    struct word {
        uint32_t start, len, written_start, written_len;
        Xapian::doccount freq;
        bool offerable;
    };
    std::string word_text;
    std::vector<word> words;

    std::string_view key(size_t i) const
    {
        uint32_t from = i ? key_end[i - 1] : 0;
        return std::string_view(key_text).substr(from, key_end[i] - from);
    }
    std::string_view word_at(size_t i) const
    {
        return std::string_view(word_text).substr(words[i].start, words[i].len);
    }
    std::string_view written_at(size_t i) const
    {
        return std::string_view(word_text).substr(words[i].written_start, words[i].written_len);
    }
    /* The first key not before `s`, and the first word not before it. */
    size_t key_from(std::string_view s) const;
    size_t word_from(std::string_view s) const;
    /* The index of `s` among the words, or words.size(). */
    size_t word_index(std::string_view s) const;
    /* Bytes held, for the log. */
    size_t bytes() const;
};

/* The table kept by c (index.h), of whichever revision it was last built from; NULL before
 * the first build. */
std::shared_ptr<const index__completion_table> index__completions_current(index_completions *c);

/* Builds the table of db's revision. Throws what Xapian throws (DatabaseModifiedError when
 * the writer moves on twice during the walk). */
void index__completion_build(Xapian::Database &db, index__completion_table &out);

#endif

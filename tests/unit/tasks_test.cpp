//===- tasks_test.cpp - albert_tasks.h on hand-made logits ----------------===//
//
// The post-processing every app and `albertc run --text` relies on, checked
// against answers worked out by hand before any model is involved.
//
//===----------------------------------------------------------------------===//
#include "albert/albert_tasks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace {

// Tests that softmax sums to one, keeps the order, and survives huge logits.
TEST(Softmax, StableAndNormalised) {
  float logits[3] = {1000.0f, 1001.0f, 999.0f}, p[3];
  albert_softmax(logits, 3, p);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0f, 1e-6f);
  double z = std::exp(-1.0) + 1.0 + std::exp(-2.0);
  EXPECT_NEAR(p[1], 1.0 / z, 1e-6);
  EXPECT_NEAR(p[0], std::exp(-1.0) / z, 1e-6);
  EXPECT_NEAR(p[2], std::exp(-2.0) / z, 1e-6);
}

// Tests that top-k returns the k largest, largest first, lower index first on ties.
TEST(TopK, LargestFirst) {
  float v[7] = {0.1f, 5.0f, -2.0f, 5.0f, 3.0f, 9.0f, 0.0f};
  int64_t idx[7];
  ASSERT_EQ(albert_top_k(v, 7, 3, idx), 3);
  EXPECT_EQ(idx[0], 5);
  EXPECT_EQ(idx[1], 1);
  EXPECT_EQ(idx[2], 3);
  ASSERT_EQ(albert_top_k(v, 7, 10, idx), 7); // k > n: all of them, sorted
  EXPECT_EQ(idx[6], 2);
  EXPECT_EQ(albert_top_k(v, 7, 0, idx), 0);
  EXPECT_EQ(albert_argmax(v, 7), 5);
}

// Tests that the best span maximises start + end logits with start <= end, inside the
// candidates, within the length limit.
TEST(BestSpan, ValidSpanWithHighestScore) {
  //                 0 [CLS] 1 q   2 [SEP] 3 c    4 c    5 c    6 c   7 [SEP]
  float start[8] = {9.0f, 8.0f, 0.0f, 1.0f, 4.0f, 0.5f, 0.0f, 0.0f};
  float end[8] = {9.0f, 0.0f, 0.0f, 3.0f, 0.0f, 1.0f, 2.5f, 7.0f};
  uint8_t context[8] = {0, 0, 0, 1, 1, 1, 1, 0};
  albert_span s;
  // The best end (position 3) lies before the best start (4): 4..6 scores 6.5,
  // 3..3 scores 4, 4..5 scores 5.
  ASSERT_EQ(albert_best_span(start, end, context, 8, 30, &s), 1);
  EXPECT_EQ(s.start, 4);
  EXPECT_EQ(s.end, 6);
  // The probability is p_start * p_end over the context tokens.
  double zs = std::exp(1.0) + std::exp(4.0) + std::exp(0.5) + std::exp(0.0);
  double ze = std::exp(3.0) + std::exp(0.0) + std::exp(1.0) + std::exp(2.5);
  EXPECT_NEAR(s.score, std::exp(4.0) / zs * std::exp(2.5) / ze, 1e-6);
  // At most 2 tokens: 4..5 (5.0) beats 3..3 (4.0).
  ASSERT_EQ(albert_best_span(start, end, context, 8, 2, &s), 1);
  EXPECT_EQ(s.start, 4);
  EXPECT_EQ(s.end, 5);
  // One token: 3..3 (4.0) beats 4..4 (4.0 ties, first wins), 6..6 (2.5).
  ASSERT_EQ(albert_best_span(start, end, context, 8, 1, &s), 1);
  EXPECT_EQ(s.start, 3);
  EXPECT_EQ(s.end, 3);
  uint8_t none[8] = {0};
  EXPECT_EQ(albert_best_span(start, end, none, 8, 30, &s), 0);
}

// Tests that a NaN logit never wins, wherever it is (the first span used to
// hold the lead against every later one), and that no span of at most 0
// tokens exists.
TEST(BestSpan, SkipsNaNSumsAndNeedsOneToken) {
  const float nan = std::nanf("");
  float end[4] = {0.0f, 0.0f, 5.0f, 0.0f};
  uint8_t cand[4] = {1, 1, 1, 1};
  albert_span s;
  for (int at = 0; at < 4; ++at) {
    float start[4] = {0.0f, 0.0f, 5.0f, 0.0f};
    if (at != 2) start[at] = nan;
    else end[1] = nan;
    ASSERT_EQ(albert_best_span(start, end, cand, 4, 30, &s), 1) << at;
    EXPECT_EQ(s.start, 2) << at;
    EXPECT_EQ(s.end, 2) << at;
    end[1] = 0.0f;
  }
  float allNan[2] = {nan, nan};
  EXPECT_EQ(albert_best_span(allNan, end, cand, 2, 30, &s), 0);
  float start[4] = {0.0f, 0.0f, 5.0f, 0.0f};
  EXPECT_EQ(albert_best_span(start, end, cand, 4, 0, &s), 0);
}

// Tests that a span never crosses a non-candidate token (e.g. a [SEP] between two
// context windows).
TEST(BestSpan, DoesNotCrossNonCandidates) {
  float start[4] = {5.0f, 0.0f, 0.0f, 0.0f};
  float end[4] = {0.0f, 0.0f, 0.0f, 9.0f};
  uint8_t cand[4] = {1, 1, 0, 1};
  albert_span s;
  ASSERT_EQ(albert_best_span(start, end, cand, 4, 30, &s), 1);
  EXPECT_FALSE(s.start <= 2 && s.end >= 2);
  EXPECT_EQ(s.start, 3); // 3..3: 0 + 9 beats 0..1: 5 + 0
  EXPECT_EQ(s.end, 3);
}

// Tests BIO grouping: B starts, I continues the same type, O and a type change end.
TEST(GroupEntities, BioTags) {
  const char *names[] = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"};
  // "John Smith lives in New York City Paris"
  int32_t label[] = {1, 2, 0, 0, 3, 4, 4, 4};
  float score[] = {0.9f, 0.7f, 0.99f, 0.99f, 0.8f, 0.6f, 0.4f, 0.5f};
  int32_t begin[] = {0, 5, 11, 17, 20, 24, 29, 34};
  int32_t end[] = {4, 10, 16, 19, 23, 28, 33, 39};
  albert_entity e[4];
  ASSERT_EQ(albert_group_entities(label, score, begin, end, 8, names, 5, e, 4), 2);
  EXPECT_STREQ(e[0].type, "PER");
  EXPECT_EQ(e[0].first_word, 0);
  EXPECT_EQ(e[0].last_word, 1);
  EXPECT_EQ(e[0].begin, 0);
  EXPECT_EQ(e[0].end, 10);
  EXPECT_NEAR(e[0].score, 0.8f, 1e-6f);
  EXPECT_STREQ(e[1].type, "LOC");
  EXPECT_EQ(e[1].first_word, 4);
  EXPECT_EQ(e[1].last_word, 7); // "I-LOC" continues through "Paris" here: BIO says so
  EXPECT_EQ(e[1].end, 39);
  EXPECT_NEAR(e[1].score, (0.8f + 0.6f + 0.4f + 0.5f) / 4, 1e-6f);
}

// Tests that an I- tag after O or after another type starts an entity, that a B- tag
// splits two adjacent entities of one type, and that labels without a prefix group.
TEST(GroupEntities, StartsAndSplits) {
  const char *names[] = {"O", "B-X", "I-X", "I-Y", "MISC"};
  int32_t label[] = {2, 2, 1, 2, 3, 0, 4, 4};
  float score[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  int32_t begin[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  int32_t end[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  albert_entity e[8];
  ASSERT_EQ(albert_group_entities(label, score, begin, end, 8, names, 5, e, 8), 4);
  EXPECT_STREQ(e[0].type, "X"); // I-X I-X
  EXPECT_EQ(e[0].last_word, 1);
  EXPECT_STREQ(e[1].type, "X"); // B-X I-X
  EXPECT_EQ(e[1].first_word, 2);
  EXPECT_EQ(e[1].last_word, 3);
  EXPECT_STREQ(e[2].type, "Y");
  EXPECT_STREQ(e[3].type, "MISC"); // MISC MISC
  EXPECT_EQ(e[3].first_word, 6);
  EXPECT_EQ(e[3].last_word, 7);
  // Capacity: the count is still the whole count.
  EXPECT_EQ(albert_group_entities(label, score, begin, end, 8, names, 5, e, 1), 4);
  EXPECT_EQ(e[0].last_word, 1);
}

// Tests that labels outside [0, num_labels) and NULL names count as "O" (a
// label index is never used to read past label_names).
TEST(GroupEntities, OutOfRangeLabelsAreO) {
  const char *names[] = {"O", "B-X", NULL};
  int32_t label[] = {1, 7, -1, 2, 1};
  float score[5] = {1, 1, 1, 1, 1};
  int32_t begin[5] = {0, 1, 2, 3, 4};
  int32_t end[5] = {1, 2, 3, 4, 5};
  albert_entity e[5];
  ASSERT_EQ(albert_group_entities(label, score, begin, end, 5, names, 3, e, 5), 2);
  EXPECT_EQ(e[0].last_word, 0);
  EXPECT_EQ(e[1].first_word, 4);
}

// Tests that NaN ranks above every number in argmax and top-k (as in torch),
// so one NaN does not keep larger values out of the top k, and that softmax
// of n = 0 writes nothing.
TEST(TopK, NaNRanksFirst) {
  const float v[] = {1.0f, NAN, 5.0f, 3.0f};
  int64_t idx[2];
  ASSERT_EQ(albert_top_k(v, 4, 2, idx), 2);
  EXPECT_EQ(idx[0], 1);
  EXPECT_EQ(idx[1], 2);
  EXPECT_EQ(albert_argmax(v, 4), 1);
  float p[1] = {42.0f};
  albert_softmax(p, 0, p);
  EXPECT_EQ(p[0], 42.0f);
}

} // namespace

namespace {
// Tests that one logit is a sigmoid score and several are a softmax.
TEST(ClassProbabilities, SigmoidForOneLabelSoftmaxForMore) {
  float one = 0.5f, p1;
  albert_class_probabilities(&one, 1, &p1);
  EXPECT_NEAR(p1, 1.0 / (1.0 + std::exp(-0.5)), 1e-7);
  float two[2] = {0.0f, 1.0f}, p2[2];
  albert_class_probabilities(two, 2, p2);
  EXPECT_NEAR(p2[1], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(p2[0] + p2[1], 1.0f, 1e-6f);
}

// Tests word splitting from token offsets: pieces without a space between
// them join, the space a piece covers before its word is dropped, a lone "▁"
// piece (empty span) starts the word the next token continues, special tokens
// and a second text are skipped.
TEST(Words, FromTokenOffsets) {
  const char *text = "Ada Lovelace, 1815";
  //  [CLS] "Ada" " Love" "lace" "," " " (empty) "1815" [SEP] pair-token
  const int32_t offsets[] = {0, 0, 0, 3, 3, 8, 8, 12, 12, 13, 14, 14, 14, 18, 0, 0, 0, 4};
  const int32_t source[] = {-1, 0, 0, 0, 0, 0, 0, -1, 1};
  int32_t first[9], begin[9], end[9];
  ASSERT_EQ(albert_words(text, offsets, source, 9, first, begin, end), 3);
  EXPECT_EQ(first[0], 1); // "Ada"
  EXPECT_EQ(begin[0], 0);
  EXPECT_EQ(end[0], 3);
  EXPECT_EQ(first[1], 2); // "Lovelace," from " Love", "lace", ","
  EXPECT_EQ(begin[1], 4);
  EXPECT_EQ(end[1], 13);
  EXPECT_EQ(first[2], 5); // the lone piece, then "1815"
  EXPECT_EQ(begin[2], 14);
  EXPECT_EQ(end[2], 18);
}
// Tests that tokens whose bytes overlap a word's continue it even after a
// space or at byte 0: the pieces of a character that normalizes to several
// ("\xef\xac\x81" -> "f" "i", U+FDFA -> several <unk>) share its bytes.
TEST(Words, OverlappingPiecesAreOneWord) {
  const char *text = "x \xef\xac\x81ne y"; // the ligature is bytes [2, 5)
  //  "x" "▁f"[2,5) "ine"[2,7) "y"
  const int32_t offsets[] = {0, 1, 1, 5, 2, 7, 7, 9};
  const int32_t source[] = {0, 0, 0, 0};
  int32_t first[4], begin[4], end[4];
  ASSERT_EQ(albert_words(text, offsets, source, 4, first, begin, end), 3);
  EXPECT_EQ(first[1], 1); // one word from token 1 on: the ligature and "ne"
  EXPECT_EQ(begin[1], 2);
  EXPECT_EQ(end[1], 7);
  EXPECT_EQ(begin[2], 8); // "y"
  // Four pieces of one character at the start of the text: one word.
  const int32_t same[] = {0, 3, 0, 3, 0, 3, 0, 3};
  ASSERT_EQ(albert_words("\xef\xb7\xba", same, source, 4, first, begin, end), 1);
  EXPECT_EQ(end[0], 3);
}
} // namespace

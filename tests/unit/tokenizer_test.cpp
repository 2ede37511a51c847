//===- tokenizer_test.cpp - libalbert_tok against HF's AlbertTokenizer ----===//
//
// Uses the SentencePiece model trained at build time on
// tests/tokenizer/corpus.txt and the goldens scripts/albert_tokenize.py (the
// Python reference of transformers' slow AlbertTokenizer) made from
// tests/tokenizer/cases.json, in ALBERTC_TOK_DATA (tests/CMakeLists.txt).
// Checks parity with the goldens under five option sets, hand-checked
// behaviour, byte offsets, decoding, errors and concurrent use.

#include "albert/albert_tokenizer.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

const std::string kData = ALBERTC_TOK_DATA;
const std::string kModel = kData + "/spiece.model";
const char *const kUnderline = "\xe2\x96\x81"; // "▁"

albert_tok_options options(int lower, int accents, int space, int cleanUp = 0) {
  albert_tok_options o = albert_tok_default_options();
  o.do_lower_case = lower;
  o.keep_accents = accents;
  o.remove_space = space;
  o.clean_up_tokenization_spaces = cleanUp;
  return o;
}

// An open tokenizer, closed at scope exit.
struct Tok {
  explicit Tok(albert_tok_options o = albert_tok_default_options()) {
    rc = albert_tok_open(kModel.c_str(), &o, &t);
  }
  ~Tok() { albert_tok_close(t); }
  Tok(const Tok &) = delete;
  Tok &operator=(const Tok &) = delete;
  albert_tok *t = nullptr;
  int rc;
};

struct Encoding {
  int rc = 0;
  std::string error;
  std::vector<int32_t> ids, types, offsets, source;
  size_t size() const { return ids.size(); }
  // The original bytes of token i.
  std::string text(const std::string &input, size_t i) const {
    return input.substr(offsets[2 * i], offsets[2 * i + 1] - offsets[2 * i]);
  }
};

// albert_tok_encode, asking for the length first (capacity 0).
Encoding encode(const albert_tok *t, const std::string &text, const char *pair = nullptr,
                int32_t maxLength = 0) {
  Encoding e;
  int64_t n = -1;
  e.rc = albert_tok_encode(t, text.c_str(), pair, maxLength, nullptr, nullptr, nullptr, nullptr, 0,
                           &n);
  if (e.rc != ALBERT_TOK_OK && n == 0) {
    e.error = albert_tok_error(t);
    return e;
  }
  e.ids.resize(n), e.types.resize(n), e.offsets.resize(2 * n), e.source.resize(n);
  int64_t m = -1;
  e.rc = albert_tok_encode(t, text.c_str(), pair, maxLength, e.ids.data(), e.types.data(),
                           e.offsets.data(), e.source.data(), n, &m);
  EXPECT_EQ(m, n);
  if (e.rc != ALBERT_TOK_OK) e.error = albert_tok_error(t);
  return e;
}

std::string decode(const albert_tok *t, const std::vector<int32_t> &ids, bool skipSpecial) {
  int64_t n = -1;
  int rc = albert_tok_decode(t, ids.data(), (int64_t)ids.size(), skipSpecial, nullptr, 0, &n);
  EXPECT_EQ(rc, ALBERT_TOK_INVALID_ARGUMENT); // capacity 0 cannot hold even the NUL
  std::string text(n + 1, '\0');
  rc = albert_tok_decode(t, ids.data(), (int64_t)ids.size(), skipSpecial, text.data(), n + 1, &n);
  EXPECT_EQ(rc, ALBERT_TOK_OK) << albert_tok_error(t);
  text.resize(n);
  return text;
}

std::vector<std::string> pieces(const albert_tok *t, const std::vector<int32_t> &ids) {
  std::vector<std::string> out;
  for (int32_t id : ids) out.push_back(albert_tok_piece(t, id));
  return out;
}

std::string withoutUnderline(std::string s) {
  for (size_t at = s.find(kUnderline); at != std::string::npos; at = s.find(kUnderline))
    s.erase(at, 3);
  return s;
}

std::vector<int32_t> intArray(const llvm::json::Value *v) {
  std::vector<int32_t> out;
  if (const llvm::json::Array *a = v ? v->getAsArray() : nullptr)
    for (const llvm::json::Value &x : *a) out.push_back((int32_t)*x.getAsInteger());
  return out;
}

// ---------------------------------------------------------------------------
// Parity with scripts/albert_tokenize.py, per option set
// ---------------------------------------------------------------------------

struct OptionSet {
  int lower, accents, space;
};

class GoldenTest : public ::testing::TestWithParam<OptionSet> {};

// Every case of tests/tokenizer/cases.json: ids, token types, the three
// decodes, and an error exactly where the reference marks one.
TEST_P(GoldenTest, MatchesPythonReference) {
  const OptionSet o = GetParam();
  std::string file = kData + "/golden_l" + std::to_string(o.lower) + "a" +
                     std::to_string(o.accents) + "s" + std::to_string(o.space) + ".json";
  auto buf = llvm::MemoryBuffer::getFile(file);
  ASSERT_TRUE((bool)buf) << file;
  auto golden = llvm::json::parse((*buf)->getBuffer());
  ASSERT_TRUE((bool)golden) << llvm::toString(golden.takeError());
  const llvm::json::Array *cases = golden->getAsObject()->getArray("cases");
  ASSERT_TRUE(cases && cases->size() >= 40);

  Tok tok(options(o.lower, o.accents, o.space));
  Tok cleanUp(options(o.lower, o.accents, o.space, 1));
  ASSERT_EQ(tok.rc, ALBERT_TOK_OK) << albert_tok_error(nullptr);
  for (const llvm::json::Value &v : *cases) {
    const llvm::json::Object &c = *v.getAsObject();
    std::string text = c.getString("text")->str();
    llvm::Optional<llvm::StringRef> pairRef = c.getString("pair");
    std::string pair = pairRef ? pairRef->str() : "";
    int32_t maxLength = (int32_t)c.getInteger("max_length").getValueOr(0);
    SCOPED_TRACE("case \"" + c.getString("note")->str() + "\": text \"" + text + "\"" +
                 (pairRef ? " pair \"" + pair + "\"" : "") + " max_length " +
                 std::to_string(maxLength));

    Encoding e = encode(tok.t, text, pairRef ? pair.c_str() : nullptr, maxLength);
    if (c.get("error")) {
      EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT);
      EXPECT_EQ(e.error, c.getString("error")->str());
      continue;
    }
    ASSERT_EQ(e.rc, ALBERT_TOK_OK) << e.error;
    std::vector<int32_t> ids = intArray(c.get("ids"));
    EXPECT_EQ(e.ids, ids);
    EXPECT_EQ(e.types, intArray(c.get("token_type_ids")));
    EXPECT_EQ(decode(tok.t, ids, false), c.getString("decoded")->str());
    EXPECT_EQ(decode(tok.t, ids, true), c.getString("decoded_skip_special")->str());
    EXPECT_EQ(decode(cleanUp.t, ids, false), c.getString("decoded_clean_up")->str());
  }
}

INSTANTIATE_TEST_SUITE_P(Options, GoldenTest,
                         ::testing::Values(OptionSet{1, 0, 1}, OptionSet{0, 1, 1},
                                           OptionSet{1, 0, 0}, OptionSet{0, 0, 1},
                                           OptionSet{1, 1, 1}),
                         [](const ::testing::TestParamInfo<OptionSet> &p) {
                           return "lower" + std::to_string(p.param.lower) + "_accents" +
                                  std::to_string(p.param.accents) + "_space" +
                                  std::to_string(p.param.space);
                         });

// ---------------------------------------------------------------------------
// Hand-checked behaviour (expectations written here, not taken from goldens)
// ---------------------------------------------------------------------------

// The model has ALBERT's special ids and the pieces of the corpus.
TEST(Tokenizer, VocabularyAndSpecialIds) {
  Tok tok;
  ASSERT_EQ(tok.rc, ALBERT_TOK_OK) << albert_tok_error(nullptr);
  EXPECT_EQ(albert_tok_vocab_size(tok.t), 800);
  EXPECT_EQ(albert_tok_special_id(tok.t, ALBERT_TOK_PAD), 0);
  EXPECT_EQ(albert_tok_special_id(tok.t, ALBERT_TOK_UNK), 1);
  EXPECT_EQ(albert_tok_special_id(tok.t, ALBERT_TOK_CLS), 2);
  EXPECT_EQ(albert_tok_special_id(tok.t, ALBERT_TOK_SEP), 3);
  EXPECT_EQ(albert_tok_special_id(tok.t, ALBERT_TOK_MASK), 4);
  EXPECT_EQ(albert_tok_special_id(tok.t, 5), -1);
  EXPECT_EQ(albert_tok_special_id(nullptr, ALBERT_TOK_CLS), -1);
  EXPECT_STREQ(albert_tok_piece(tok.t, 2), "[CLS]");
  EXPECT_STREQ(albert_tok_piece(tok.t, 4), "[MASK]");
  EXPECT_EQ(albert_tok_piece(tok.t, 800), nullptr);
  EXPECT_EQ(albert_tok_piece(tok.t, -1), nullptr);
  EXPECT_EQ(albert_tok_vocab_size(nullptr), 0);
}

// do_lower_case lowercases before SentencePiece: "THE" is "the"; without it
// the capitals stay (and "THE" is not a piece of this model).
TEST(Tokenizer, LowerCasing) {
  Tok lower(options(1, 0, 1)), cased(options(0, 0, 1));
  EXPECT_EQ(pieces(lower.t, encode(lower.t, "the THE The").ids),
            (std::vector<std::string>{"[CLS]", "\xe2\x96\x81the", "\xe2\x96\x81the",
                                      "\xe2\x96\x81the", "[SEP]"}));
  EXPECT_EQ(pieces(cased.t, encode(cased.t, "the THE The").ids),
            (std::vector<std::string>{"[CLS]", "\xe2\x96\x81the", "\xe2\x96\x81", "T", "H", "E",
                                      "\xe2\x96\x81The", "[SEP]"}));
  // Greek capitals: σ, never the final ς, as HF lowercases a character at a
  // time before preprocess_text.
  EXPECT_EQ(encode(lower.t, "ΟΔΟΣ").ids, encode(lower.t, "οδοσ").ids);
  EXPECT_NE(encode(lower.t, "ΟΔΟΣ").ids, encode(lower.t, "οδος").ids);
}

// keep_accents 0: NFKD, combining marks dropped: "café" is "cafe", whether
// é is one character or e + U+0301. keep_accents 1 keeps them.
TEST(Tokenizer, AccentStripping) {
  Tok strip(options(1, 0, 1)), keep(options(1, 1, 1));
  EXPECT_EQ(encode(strip.t, "café naïve").ids, encode(strip.t, "cafe naive").ids);
  EXPECT_EQ(encode(strip.t, "cafe\xcc\x81 nai\xcc\x88ve").ids, encode(strip.t, "cafe naive").ids);
  EXPECT_EQ(pieces(keep.t, encode(keep.t, "café naïve").ids),
            (std::vector<std::string>{"[CLS]",
                                      "\xe2\x96\x81"
                                      "ca",
                                      "f", "é",
                                      "\xe2\x96\x81"
                                      "naïve",
                                      "[SEP]"}));
}

// A pair is [CLS] A [SEP] B [SEP], token types 0 up to the first [SEP], then
// 1; source says where each token came from.
TEST(Tokenizer, PairLayout) {
  Tok tok;
  Encoding e = encode(tok.t, "a b", "c");
  ASSERT_EQ(e.rc, ALBERT_TOK_OK) << e.error;
  EXPECT_EQ(pieces(tok.t, e.ids), (std::vector<std::string>{"[CLS]",
                                                            "\xe2\x96\x81"
                                                            "a",
                                                            "\xe2\x96\x81"
                                                            "b",
                                                            "[SEP]",
                                                            "\xe2\x96\x81"
                                                            "c",
                                                            "[SEP]"}));
  EXPECT_EQ(e.types, (std::vector<int32_t>{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(e.source, (std::vector<int32_t>{-1, 0, 0, -1, 1, -1}));
  EXPECT_EQ(e.offsets, (std::vector<int32_t>{0, 0, 0, 1, 2, 3, 0, 0, 0, 1, 0, 0}));
  // A single sequence: all zeros. An empty pair is still a pair.
  EXPECT_EQ(encode(tok.t, "a b").types, (std::vector<int32_t>{0, 0, 0, 0}));
  EXPECT_EQ(encode(tok.t, "a b", "").types, (std::vector<int32_t>{0, 0, 0, 0, 1}));
}

// longest_first: a token at a time from the end of the longer sequence (the
// second on a tie), counting [CLS] and [SEP]s; what stays is a prefix.
TEST(Tokenizer, TruncationLengths) {
  Tok tok;
  const std::string twelve = "one two three four five six seven eight nine ten eleven twelve";
  const std::string three = "a b c";
  Encoding a = encode(tok.t, twelve), b = encode(tok.t, three);
  const size_t la = a.size() - 2, lb = b.size() - 2;
  ASSERT_GT(la, 12u);
  ASSERT_EQ(lb, 3u);

  // Single: cut to max_length, [SEP] last.
  Encoding s = encode(tok.t, twelve, nullptr, 8);
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s.ids.back(), 3);
  EXPECT_TRUE(std::equal(s.ids.begin(), s.ids.end() - 1, a.ids.begin()));

  // Pair, first much longer: only the first loses tokens, down to 10-3-3 = 4.
  Encoding p = encode(tok.t, twelve, three.c_str(), 10);
  ASSERT_EQ(p.size(), 10u);
  EXPECT_EQ(p.types, (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 1, 1, 1, 1}));
  EXPECT_TRUE(std::equal(p.ids.begin(), p.ids.begin() + 5, a.ids.begin()));
  EXPECT_TRUE(std::equal(p.ids.begin() + 6, p.ids.end(), b.ids.begin() + 1));

  // Pair, second much longer: mirrored.
  Encoding q = encode(tok.t, three, twelve.c_str(), 10);
  ASSERT_EQ(q.size(), 10u);
  EXPECT_EQ(q.types, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));

  // Pair, both long: equal halves of the 9 or 10 tokens left; on a tie the
  // second loses first, so with an odd budget the first keeps one more (5 + 4).
  Encoding r = encode(tok.t, twelve, twelve.c_str(), 12);
  ASSERT_EQ(r.size(), 12u);
  EXPECT_EQ(r.types, (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1}));
  Encoding r2 = encode(tok.t, twelve, twelve.c_str(), 13);
  EXPECT_EQ(r2.types, (std::vector<int32_t>{0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}));

  // Pair cut to nothing: [CLS] [SEP] [SEP].
  EXPECT_EQ(encode(tok.t, twelve, three.c_str(), 3).ids, (std::vector<int32_t>{2, 3, 3}));
  // No cut when it fits.
  EXPECT_EQ(encode(tok.t, three, nullptr, (int32_t)b.size()).ids, b.ids);
}

// [MASK] eats the whitespace before it (AddedToken lstrip=True), so spacing
// before it changes nothing; its offsets are exactly "[MASK]". A [MASK] in the
// text is source 0, not an added token.
TEST(Tokenizer, MaskLstrip) {
  Tok tok;
  Encoding ref = encode(tok.t, "The[MASK] is blue.");
  ASSERT_EQ(ref.rc, ALBERT_TOK_OK);
  EXPECT_EQ(ref.ids[2], 4);
  for (const char *text : {"The [MASK] is blue.", "The \t\n  [MASK] is blue."}) {
    Encoding e = encode(tok.t, text);
    EXPECT_EQ(e.ids, ref.ids) << text;
    EXPECT_EQ(e.text(text, 2), "[MASK]") << text;
    EXPECT_EQ(e.source[2], 0);
  }
  // "[mask]" is not the special token (the text is lowercased around it).
  Encoding lower = encode(tok.t, "The [mask] is blue.");
  EXPECT_EQ(std::count(lower.ids.begin(), lower.ids.end(), 4), 0);
  // With do_lower_case, "<PAD>" becomes the special token "<pad>".
  EXPECT_EQ(encode(tok.t, "<PAD>").ids, (std::vector<int32_t>{2, 0, 3}));
}

// The empty text and whitespace are [CLS] [SEP].
TEST(Tokenizer, EmptyText) {
  Tok tok;
  EXPECT_EQ(encode(tok.t, "").ids, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(encode(tok.t, " \t\n\u3000").ids, (std::vector<int32_t>{2, 3}));
}

// ---------------------------------------------------------------------------
// Offsets
// ---------------------------------------------------------------------------

// On ASCII text each token's bytes are its piece without "▁" (the space
// before a word is not part of it); a lone "▁" is empty; offsets never go
// backwards. Holds through the digit-comma rule, cased and uncased.
TEST(Tokenizer, OffsetsAsciiEqualPieces) {
  Tok lower(options(1, 0, 1)), cased(options(0, 0, 1)), spaces(options(1, 0, 0));
  const std::vector<std::string> texts = {
      "the morning train to the city leaves at 7:15 and arrives just after eight.",
      "it was 2,000, then 3,000, and 1,500, in total. the 12, 13, and 14, pages",
      "a 1,a b 2,the 1,000,000 people",
      "  multiple   spaces\tand\ttabs\nand\nnewlines  ",
      "don't it's can't [MASK] [SEP] x[CLS]y",
  };
  for (const albert_tok *t : {lower.t, cased.t, spaces.t}) {
    for (const std::string &text : texts) {
      Encoding e = encode(t, text);
      ASSERT_EQ(e.rc, ALBERT_TOK_OK) << e.error;
      std::vector<std::string> ps = pieces(t, e.ids);
      int32_t last = 0;
      for (size_t i = 1; i + 1 < e.size(); ++i) {
        SCOPED_TRACE(text + ": token " + std::to_string(i) + " " + ps[i]);
        EXPECT_EQ(e.source[i], 0);
        EXPECT_GE(e.offsets[2 * i], last);
        last = e.offsets[2 * i];
        if (e.ids[i] == 1) continue; // <unk>: no piece text to compare
        EXPECT_EQ(e.text(text, i), withoutUnderline(ps[i]));
      }
      EXPECT_EQ(e.source.front(), -1);
      EXPECT_EQ(e.source.back(), -1);
    }
  }
}

// Preprocessing changes the text; the offsets still cover the characters a
// token came from.
TEST(Tokenizer, OffsetsCoverOriginalCharacters) {
  Tok tok;
  // "▁ca" "f" "e" with e from "é" (2 bytes), or from "e" + U+0301 (3 bytes).
  for (const std::string &text : {std::string("The café"), std::string("The cafe\xcc\x81")}) {
    Encoding e = encode(tok.t, text);
    ASSERT_EQ(pieces(tok.t, e.ids), (std::vector<std::string>{"[CLS]", "\xe2\x96\x81the",
                                                              "\xe2\x96\x81"
                                                              "ca",
                                                              "f", "e", "[SEP]"}));
    EXPECT_EQ(e.text(text, 1), "The");
    EXPECT_EQ(e.text(text, 2), "ca");
    EXPECT_EQ(e.text(text, 4), text.substr(7)) << "the e covers its accent";
  }
  // `` and '' became '"': each '"' token covers both quote characters.
  {
    std::string text = "He said ``hello'' now";
    Encoding e = encode(tok.t, text);
    std::vector<std::string> ps = pieces(tok.t, e.ids);
    std::vector<std::string> quotes;
    for (size_t i = 0; i < e.size(); ++i)
      if (withoutUnderline(ps[i]) == "\"") quotes.push_back(e.text(text, i));
    EXPECT_EQ(quotes, (std::vector<std::string>{"``", "''"}));
  }
  // Greek capitals lowercased: each piece covers its capital.
  {
    std::string text = "x ΟΔΟΣ";
    Encoding e = encode(tok.t, text);
    std::vector<std::string> got;
    for (size_t i = 1; i + 1 < e.size(); ++i) got.push_back(e.text(text, i));
    // "▁" "x" "▁" "ο" "δ" "ο" "σ": a lone "▁" is empty.
    EXPECT_EQ(got, (std::vector<std::string>{"", "x", "", "Ο", "Δ", "Ο", "Σ"}));
  }
  // Full-width letters (NFKD) and a ligature: covered whole.
  {
    std::string text = "ＦＵＬＬ ﬁne";
    Encoding e = encode(tok.t, text);
    ASSERT_EQ(e.size(), 5u);
    EXPECT_EQ(e.text(text, 1), "ＦＵＬＬ");
    EXPECT_EQ(e.text(text, 2), "ﬁ");   // "▁f", from the ligature
    EXPECT_EQ(e.text(text, 3), "ﬁne"); // "ine": the ligature's i, then n e
  }
  // Unknown characters (emoji, CJK) are one <unk> covering them.
  {
    std::string text = "I love 😀😀 and 東京";
    Encoding e = encode(tok.t, text);
    std::vector<std::string> unknown;
    for (size_t i = 0; i < e.size(); ++i)
      if (e.ids[i] == 1) unknown.push_back(e.text(text, i));
    EXPECT_EQ(unknown, (std::vector<std::string>{"😀😀", "東京"}));
  }
  // With keep_accents SentencePiece's own normalizer maps "ﬁ" to "f" "i":
  // both pieces cover the ligature.
  {
    Tok keep(options(1, 1, 1));
    std::string text = "ﬁne";
    Encoding e = encode(keep.t, text);
    ASSERT_EQ(e.size(), 4u);
    EXPECT_EQ(e.text(text, 1), "ﬁ");
    EXPECT_EQ(e.text(text, 2), "ﬁne");
  }
  // A pair's offsets are in the pair.
  {
    Encoding e = encode(tok.t, "Who?", "Homer wrote");
    std::vector<std::string> ps = pieces(tok.t, e.ids);
    size_t i = std::find(ps.begin(), ps.end(), "\xe2\x96\x81wrote") - ps.begin();
    ASSERT_LT(i, ps.size());
    EXPECT_EQ(e.source[i], 1);
    EXPECT_EQ(e.text("Homer wrote", i), "wrote");
  }
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

// An ASCII lower-case sentence comes back as it went in.
TEST(Tokenizer, DecodeRoundTrip) {
  Tok tok;
  const std::string text =
      "the morning train to the city leaves at 7:15 and arrives just after eight.";
  Encoding e = encode(tok.t, text);
  EXPECT_EQ(std::count(e.ids.begin(), e.ids.end(), 1), 0) << "no <unk> in this sentence";
  EXPECT_EQ(decode(tok.t, e.ids, true), text);
  EXPECT_EQ(decode(tok.t, e.ids, false), "[CLS] " + text + "[SEP]");
  // Empty input.
  EXPECT_EQ(decode(tok.t, {}, false), "");
}

// clean_up_tokenization_spaces removes the space before punctuation.
TEST(Tokenizer, DecodeCleanUp) {
  Tok plain, clean(options(1, 0, 1, 1));
  std::vector<int32_t> ids = encode(plain.t, "yes , no .").ids;
  EXPECT_EQ(decode(plain.t, ids, true), "yes , no .");
  EXPECT_EQ(decode(clean.t, ids, true), "yes, no.");
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

std::string tempFile(const std::string &content) {
  char path[] = "/tmp/albert_tok_testXXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), (ssize_t)content.size());
  close(fd);
  return path;
}

std::string readModel() {
  std::ifstream f(kModel, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Opening: a missing file, a directory and a file that is not a model are IO
// errors naming the path; a model without one of the special tokens names it.
TEST(TokenizerErrors, Open) {
  albert_tok *t = reinterpret_cast<albert_tok *>(0x1);
  EXPECT_EQ(albert_tok_open("/nonexistent/spiece.model", nullptr, &t), ALBERT_TOK_IO);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(std::string(albert_tok_error(nullptr)),
            "/nonexistent/spiece.model: No such file or directory");

  EXPECT_EQ(albert_tok_open("/tmp", nullptr, &t), ALBERT_TOK_IO);
  EXPECT_EQ(std::string(albert_tok_error(nullptr)), "/tmp: Is a directory");

  std::string junk = tempFile("this is not a SentencePiece model\n");
  EXPECT_EQ(albert_tok_open(junk.c_str(), nullptr, &t), ALBERT_TOK_IO);
  EXPECT_EQ(std::string(albert_tok_error(nullptr)).rfind(junk + ": not a SentencePiece model", 0),
            0u)
      << albert_tok_error(nullptr);
  unlink(junk.c_str());
  EXPECT_EQ(albert_tok_open_memory("", 0, nullptr, &t), ALBERT_TOK_IO);

  // [MASK] renamed to [MASQ] (same length: the protobuf stays valid).
  std::string model = readModel();
  for (size_t at = model.find("[MASK]"); at != std::string::npos; at = model.find("[MASK]"))
    model.replace(at, 6, "[MASQ]");
  EXPECT_EQ(albert_tok_open_memory(model.data(), model.size(), nullptr, &t), ALBERT_TOK_IO);
  EXPECT_NE(std::string(albert_tok_error(nullptr)).find("has no [MASK] piece"), std::string::npos)
      << albert_tok_error(nullptr);

  EXPECT_EQ(albert_tok_open(nullptr, nullptr, &t), ALBERT_TOK_INVALID_ARGUMENT);
  albert_tok_close(nullptr); // does nothing
}

// The model from memory is the same tokenizer as from its file.
TEST(Tokenizer, OpenFromMemory) {
  std::string model = readModel();
  albert_tok *mem = nullptr;
  albert_tok_options o = albert_tok_default_options();
  ASSERT_EQ(albert_tok_open_memory(model.data(), model.size(), &o, &mem), ALBERT_TOK_OK);
  model.assign(model.size(), '\0'); // the handle has its own copy
  Tok file;
  const std::string text = "The café is naïve, said the résumé of the fiancée.";
  EXPECT_EQ(encode(mem, text).ids, encode(file.t, text).ids);
  albert_tok_close(mem);
}

// Invalid UTF-8, in the text or the pair, is an error with the byte offset.
TEST(TokenizerErrors, InvalidUtf8) {
  Tok tok;
  struct {
    const char *text, *message;
  } bad[] = {
      {"ok \xff", "text: invalid UTF-8 at byte 3"},
      {"caf\xc3", "text: invalid UTF-8 at byte 3"},          // truncated
      {"\xc0\xaf", "text: invalid UTF-8 at byte 0"},         // overlong '/'
      {"a\xed\xa0\x80", "text: invalid UTF-8 at byte 1"},    // a surrogate
      {"\xf4\x90\x80\x80", "text: invalid UTF-8 at byte 0"}, // past U+10FFFF
      {"x\x80y", "text: invalid UTF-8 at byte 1"},           // lone continuation byte
  };
  for (const auto &b : bad) {
    Encoding e = encode(tok.t, b.text);
    EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT) << b.message;
    EXPECT_EQ(e.error, b.message);
  }
  Encoding e = encode(tok.t, "fine", "caf\xc3\xa9 \xe2\x82");
  EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(e.error, "pair: invalid UTF-8 at byte 6");
}

// max_length below the special tokens, or leaving a single text no token.
TEST(TokenizerErrors, MaxLengthTooSmall) {
  Tok tok;
  Encoding e = encode(tok.t, "one two", nullptr, 1);
  EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(e.error, "max_length 1 cannot hold [CLS] and [SEP]");
  e = encode(tok.t, "one two", "three", 2);
  EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(e.error, "max_length 2 cannot hold [CLS], [SEP] and [SEP]");
  e = encode(tok.t, "one", nullptr, 2);
  EXPECT_EQ(e.rc, ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_NE(e.error.find("max_length 2 leaves no room"), std::string::npos) << e.error;
  EXPECT_EQ(encode(tok.t, "", nullptr, 2).rc, ALBERT_TOK_OK);
}

// Too small a buffer: an error, the needed size in *length, nothing written.
TEST(TokenizerErrors, CapacityTooSmall) {
  Tok tok;
  const char *text = "the morning train to the city";
  const size_t needed = encode(tok.t, text).size();
  std::vector<int32_t> ids(3, -7);
  int64_t length = -1;
  EXPECT_EQ(
      albert_tok_encode(tok.t, text, nullptr, 0, ids.data(), nullptr, nullptr, nullptr, 3, &length),
      ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(length, (int64_t)needed);
  EXPECT_EQ(ids, (std::vector<int32_t>(3, -7)));
  EXPECT_NE(std::string(albert_tok_error(tok.t)).find("capacity is 3"), std::string::npos);
  // Exactly enough is enough.
  ids.resize(needed);
  EXPECT_EQ(albert_tok_encode(tok.t, text, nullptr, 0, ids.data(), nullptr, nullptr, nullptr,
                              (int64_t)needed, &length),
            ALBERT_TOK_OK);

  // decode: room for the text and its NUL.
  char buf[8];
  memset(buf, 'z', sizeof buf);
  EXPECT_EQ(albert_tok_decode(tok.t, ids.data(), (int64_t)ids.size(), 1, buf, sizeof buf, &length),
            ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(length, (int64_t)strlen(text));
  EXPECT_EQ(buf[0], 'z');
}

// Bad arguments and ids; the message is per handle and per thread.
TEST(TokenizerErrors, BadArguments) {
  Tok tok;
  int64_t length = -1;
  int32_t ids[4];
  EXPECT_EQ(albert_tok_encode(nullptr, "x", nullptr, 0, ids, nullptr, nullptr, nullptr, 4, &length),
            ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(albert_tok_error(nullptr)), "albert_tok_encode: NULL tokenizer");
  EXPECT_EQ(
      albert_tok_encode(tok.t, nullptr, nullptr, 0, ids, nullptr, nullptr, nullptr, 4, &length),
      ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(
      albert_tok_encode(tok.t, "x", nullptr, 0, nullptr, nullptr, nullptr, nullptr, 4, &length),
      ALBERT_TOK_INVALID_ARGUMENT);

  int32_t outOfRange[] = {2, 800, 3};
  char buf[64];
  EXPECT_EQ(albert_tok_decode(tok.t, outOfRange, 3, 0, buf, sizeof buf, &length),
            ALBERT_TOK_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(albert_tok_error(tok.t)), "ids[1] = 800 is not in [0, 800)");
  int32_t negative[] = {-1};
  EXPECT_EQ(albert_tok_decode(tok.t, negative, 1, 0, buf, sizeof buf, &length),
            ALBERT_TOK_INVALID_ARGUMENT);

  // Another thread has no message; another handle neither.
  std::string other = "unset";
  std::thread([&] { other = albert_tok_error(tok.t); }).join();
  EXPECT_EQ(other, "");
  Tok second;
  EXPECT_EQ(std::string(albert_tok_error(second.t)), "");
}

// ---------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------

// One handle, four threads encoding and decoding at once: the same results
// as one thread.
TEST(Tokenizer, ConcurrentEncodeOnOneHandle) {
  Tok tok;
  const std::vector<std::string> texts = {
      "The café is naïve, said the résumé of the fiancée.",
      "It was 2,000, then 3,000, and 1,500, in total.",
      "He said ``hello'' and \"bye\". ΟΔΟΣ [MASK] 😀",
      "the morning train to the city leaves at 7:15 and arrives just after eight.",
  };
  std::vector<Encoding> expected;
  for (const std::string &t : texts) expected.push_back(encode(tok.t, t, "a pair"));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int round = 0; round < 50; ++round)
        for (size_t i = 0; i < texts.size(); ++i) {
          Encoding e = encode(tok.t, texts[i], "a pair");
          if (e.ids != expected[i].ids || e.offsets != expected[i].offsets) ++mismatches[k];
          if (decode(tok.t, e.ids, true) != decode(tok.t, expected[i].ids, true)) ++mismatches[k];
        }
    });
  for (std::thread &t : threads) t.join();
  EXPECT_EQ(mismatches, (std::vector<int>(4, 0)));
}

} // namespace

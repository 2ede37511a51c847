//===- fuzz_tokenizer.cpp - libFuzzer target: text to the tokenizer --------===//
//
// Feeds arbitrary bytes to albert_tok_encode / albert_tok_decode (a
// fuzzer-instrumented runtime/tokenizer) as text and pair, under each
// combination of do_lower_case and keep_accents, on the SentencePiece model
// the fuzz build trains from tests/tokenizer/corpus.txt (fuzz/CMakeLists.txt).
//
// The oracle: a refusal (invalid UTF-8, max_length too small for the special
// tokens) comes with a message; an accepted encoding is [CLS] ... [SEP] with
// every id in the vocabulary, token types 0/1, sources -1/0/1, offsets inside
// the text or pair they point into, no more than max_length tokens; asking
// for the size first and then encoding gives the same length; decode
// succeeds on the ids and on arbitrary in-range ids.
//
// Input layout: [options][max_length][text bytes] NUL [pair bytes] (no NUL:
// no pair).
//
// ALBERTC_FUZZ_SPIECE (compiled in; the environment variable overrides) is
// the spiece.model path.

#include "albert/albert_tokenizer.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
[[noreturn]] void die(const char *what, const char *detail = "") {
  std::fprintf(stderr, "fuzz_tokenizer: %s %s\n", what, detail);
  std::abort();
}

albert_tok *tokenizer(int options) {
  static albert_tok *toks[4] = {};
  if (!toks[options]) {
    const char *env = getenv("ALBERTC_FUZZ_SPIECE");
    std::string path = env && *env ? env : ALBERTC_FUZZ_SPIECE;
    albert_tok_options o = albert_tok_default_options();
    o.do_lower_case = options & 1;
    o.keep_accents = (options >> 1) & 1;
    if (albert_tok_open(path.c_str(), &o, &toks[options]) != ALBERT_TOK_OK)
      die("cannot open", albert_tok_error(nullptr));
  }
  return toks[options];
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  albert_tok *t = tokenizer(data[0] & 3);
  const int32_t maxLength = data[1] & 0x7f; // 0: no truncation
  const char *rest = reinterpret_cast<const char *>(data + 2);
  size_t restSize = size - 2;
  const void *nul = memchr(rest, 0, restSize);
  size_t textSize = nul ? size_t(static_cast<const char *>(nul) - rest) : restSize;
  std::string text(rest, textSize);
  std::string pairStorage = nul ? std::string(rest + textSize + 1, restSize - textSize - 1) : "";
  const char *pair = nul ? pairStorage.c_str() : nullptr;

  // The size first, then the encoding.
  int64_t need = -1;
  int rc = albert_tok_encode(t, text.c_str(), pair, maxLength, nullptr, nullptr, nullptr, nullptr,
                             0, &need);
  if (rc != ALBERT_TOK_OK && need <= 0) {
    const char *msg = albert_tok_error(t);
    if (rc != ALBERT_TOK_INVALID_ARGUMENT || !msg || !*msg) die("refusal without a message");
    return 0;
  }
  if (need < 2) die("an encoding shorter than [CLS] [SEP]");
  size_t n = size_t(need);
  std::vector<int32_t> ids(n + 1, -7), types(n + 1, -7), offsets(2 * n + 2, -7), source(n + 1, -7);
  int64_t got = -1;
  rc = albert_tok_encode(t, text.c_str(), pair, maxLength, ids.data(), types.data(),
                         offsets.data(), source.data(), need, &got);
  if (rc != ALBERT_TOK_OK) die("the second encode failed:", albert_tok_error(t));
  if (got != need) die("the size query and the encoding disagree");
  if (ids[n] != -7 || types[n] != -7 || source[n] != -7 || offsets[2 * n] != -7)
    die("encode wrote past its capacity");
  if (maxLength > 0 && need > maxLength) die("longer than max_length");
  const int32_t vocab = albert_tok_vocab_size(t);
  if (ids[0] != albert_tok_special_id(t, ALBERT_TOK_CLS) ||
      ids[n - 1] != albert_tok_special_id(t, ALBERT_TOK_SEP))
    die("not [CLS] ... [SEP]");
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) die("id outside the vocabulary");
    if (types[i] != 0 && types[i] != 1) die("token type not 0 or 1");
    if (source[i] < -1 || source[i] > 1) die("source not -1, 0 or 1");
    if (source[i] == 1 && !pair) die("a pair token without a pair");
    if (source[i] >= 0) {
      size_t limit = source[i] == 0 ? text.size() : pairStorage.size();
      int32_t b = offsets[2 * i], e = offsets[2 * i + 1];
      if (b < 0 || e < b || size_t(e) > limit) die("offsets outside the text");
    }
  }

  // Decode the encoding, then arbitrary in-range ids made from the input.
  for (int skip = 0; skip < 2; ++skip) {
    int64_t len = -1;
    std::string out(64, '\0');
    rc = albert_tok_decode(t, ids.data(), need, skip, &out[0], int64_t(out.size()), &len);
    if (rc != ALBERT_TOK_OK) {
      if (len < int64_t(out.size())) die("decode failed:", albert_tok_error(t));
      out.assign(size_t(len) + 1, '\0');
      rc = albert_tok_decode(t, ids.data(), need, skip, &out[0], int64_t(out.size()), &len);
      if (rc != ALBERT_TOK_OK) die("decode failed with room:", albert_tok_error(t));
    }
    if (out[size_t(len)] != 0) die("decode's text is not NUL-terminated");
  }
  std::vector<int32_t> any;
  for (size_t i = 0; i + 1 < restSize && any.size() < 64; i += 2)
    any.push_back(int32_t((uint8_t(rest[i]) | uint8_t(rest[i + 1]) << 8) % uint32_t(vocab)));
  std::vector<char> buf(8 * any.size() * 64 + 16);
  int64_t len = -1;
  if (!any.empty() &&
      albert_tok_decode(t, any.data(), int64_t(any.size()), data[0] & 4, buf.data(),
                        int64_t(buf.size()), &len) != ALBERT_TOK_OK)
    die("decode of in-range ids failed:", albert_tok_error(t));
  return 0;
}

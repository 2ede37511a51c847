//===- tokenizer.cpp - HuggingFace's AlbertTokenizer on SentencePiece + ICU ===//
//
// The steps of transformers' slow AlbertTokenizer (PreTrainedTokenizer.tokenize,
// AlbertTokenizer.preprocess_text/_tokenize, prepare_for_model), each on text
// held as code points that remember which bytes of the original input they
// came from, so that every token gets its byte span in that input:
//
//   1. do_lower_case: each character outside the special tokens lowercased on
//      its own (HF's re.sub(r"(<specials>)|(.+?)", ...) in tokenize()).
//   2. Cut at the special tokens; [MASK] (lstrip=True) eats the whitespace
//      before it.
//   3. Each other piece: preprocess_text (remove_space, `` '' -> ", NFKD and
//      no combining marks unless keep_accents, str.lower()), SentencePiece,
//      the digit-comma rule, PieceToId.
//   4. [CLS] A [SEP] (B [SEP]); longest_first truncation.
//
// Python semantics are kept where they matter: str.isspace() whitespace for
// strip/split, str.isdigit(), unicodedata.combining(), and str.lower()'s
// full case mapping with its final-sigma rule (ICU gives the data).
//===----------------------------------------------------------------------===//

#include "albert/albert_tokenizer.h"

#include <sentencepiece_processor.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <new>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr UChar32 kUnderline = 0x2581; // SentencePiece's "▁" (a space)
constexpr const char *kUnderlineUtf8 = "\xe2\x96\x81";
constexpr int kNumSpecial = 5;
// Indexed by ALBERT_TOK_CLS ... ALBERT_TOK_UNK.
constexpr const char *kSpecialText[kNumSpecial] = {"[CLS]", "[SEP]", "[MASK]", "<pad>", "<unk>"};

// A failure inside the library: thrown, and turned into a return code and
// message at the C API boundary.
struct ApiError {
  int code;
  std::string message;
};

// One character of text being tokenized and the bytes [begin, end) of the
// original input it came from (a character made of several, like the '"' of
// "``", spans them all).
struct Char {
  UChar32 c;
  int32_t begin, end;
};
using Chars = std::vector<Char>;

struct Token {
  int32_t id;
  int32_t begin, end; // bytes of the original input
  int32_t source;     // 0 text, 1 pair, -1 [CLS]/[SEP] added by encode
};

//===----------------------------------------------------------------------===//
// Unicode, as Python sees it
//===----------------------------------------------------------------------===//

// str.isspace(): bidirectional class WS, B or S, or category Zs.
bool isPyWhitespace(UChar32 c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// str.isdigit(): Numeric_Type Decimal or Digit.
bool isPyDigit(UChar32 c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  int t = u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE);
  return t == U_NT_DECIMAL || t == U_NT_DIGIT;
}

// Strict UTF-8 (what Python's str accepts: no overlongs, surrogates or
// values past U+10FFFF) to code points with their byte offsets. Returns the
// offset of the first ill-formed byte, or -1.
int64_t decodeUtf8(const char *s, size_t n, Chars &out) {
  const auto *u = reinterpret_cast<const unsigned char *>(s);
  out.reserve(out.size() + n);
  size_t i = 0;
  while (i < n) {
    unsigned b = u[i];
    if (b < 0x80) {
      out.push_back({(UChar32)b, (int32_t)i, (int32_t)i + 1});
      ++i;
      continue;
    }
    size_t len;
    UChar32 c;
    unsigned lo = 0x80, hi = 0xBF; // the range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2, c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, c = b & 0x0F;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, c = b & 0x07;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    } else {
      return (int64_t)i;
    }
    if (i + len > n) return (int64_t)i;
    for (size_t k = 1; k < len; ++k) {
      unsigned t = u[i + k];
      if (t < (k == 1 ? lo : 0x80) || t > (k == 1 ? hi : 0xBF)) return (int64_t)i;
      c = (c << 6) | (t & 0x3F);
    }
    out.push_back({c, (int32_t)i, (int32_t)(i + len)});
    i += len;
  }
  return -1;
}

void appendUtf8(std::string &s, UChar32 c) {
  if (c < 0x80) {
    s += (char)c;
  } else if (c < 0x800) {
    s += (char)(0xC0 | (c >> 6));
    s += (char)(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    s += (char)(0xE0 | (c >> 12));
    s += (char)(0x80 | ((c >> 6) & 0x3F));
    s += (char)(0x80 | (c & 0x3F));
  } else {
    s += (char)(0xF0 | (c >> 18));
    s += (char)(0x80 | ((c >> 12) & 0x3F));
    s += (char)(0x80 | ((c >> 6) & 0x3F));
    s += (char)(0x80 | (c & 0x3F));
  }
}

// Appends the code points of a UTF-16 string.
void appendUtf16(std::vector<UChar32> &out, const UChar *s, int32_t n) {
  for (int32_t i = 0; i < n;) {
    UChar32 c;
    U16_NEXT(s, i, n, c);
    out.push_back(c);
  }
}

// str.lower() of the one-character string c: the full lowercase mapping
// (İ -> i + U+0307), Σ -> σ (no final-sigma context in one character).
void lowerChar(UChar32 c, std::vector<UChar32> &out) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return;
  }
  UChar src[2], dst[16];
  int32_t n = 0;
  U16_APPEND_UNSAFE(src, n, c);
  UErrorCode err = U_ZERO_ERROR;
  int32_t m = u_strToLower(dst, 16, src, n, "", &err); // "": root locale, as Python
  if (U_FAILURE(err)) throw ApiError{ALBERT_TOK_INTERNAL, "ICU u_strToLower failed"};
  appendUtf16(out, dst, m);
}

// Python's rule for U+03A3 in str.lower() (handle_capital_sigma): ς when a
// cased letter comes before it and none after it (case-ignorable characters
// in between are skipped), else σ.
bool isFinalSigma(const Chars &s, size_t i) {
  size_t j = i;
  while (j > 0 && u_hasBinaryProperty(s[j - 1].c, UCHAR_CASE_IGNORABLE)) --j;
  if (j == 0 || !u_hasBinaryProperty(s[j - 1].c, UCHAR_CASED)) return false;
  for (j = i + 1; j < s.size() && u_hasBinaryProperty(s[j].c, UCHAR_CASE_IGNORABLE); ++j) {
  }
  return j == s.size() || !u_hasBinaryProperty(s[j].c, UCHAR_CASED);
}

// str.lower() of a whole string.
Chars lowerString(const Chars &s) {
  Chars out;
  out.reserve(s.size());
  std::vector<UChar32> mapped;
  for (size_t i = 0; i < s.size(); ++i) {
    mapped.clear();
    if (s[i].c == 0x03A3)
      mapped.push_back(isFinalSigma(s, i) ? 0x03C2 : 0x03C3);
    else
      lowerChar(s[i].c, mapped);
    for (UChar32 c : mapped) out.push_back({c, s[i].begin, s[i].end});
  }
  return out;
}

// unicodedata.normalize("NFKD", s) without the characters for which
// unicodedata.combining() is nonzero. NFKD is a per-character decomposition
// followed by reordering of combining marks only, and those are all dropped,
// so decomposing character by character gives the same text. A dropped mark
// widens the span of the character before it (the "e" of "e\u0301" covers
// both).
Chars stripAccents(const Chars &s) {
  UErrorCode err = U_ZERO_ERROR;
  const UNormalizer2 *nfkd = unorm2_getNFKDInstance(&err);
  if (U_FAILURE(err)) throw ApiError{ALBERT_TOK_INTERNAL, "ICU has no NFKD data"};
  Chars out;
  out.reserve(s.size());
  std::vector<UChar32> parts;
  for (const Char &ch : s) {
    parts.clear();
    if (ch.c < 0x80) {
      parts.push_back(ch.c);
    } else {
      UChar src[2], dst[64]; // the longest NFKD expansion of one character is 18
      int32_t n = 0;
      U16_APPEND_UNSAFE(src, n, ch.c);
      int32_t m = unorm2_normalize(nfkd, src, n, dst, 64, &err);
      if (U_FAILURE(err)) throw ApiError{ALBERT_TOK_INTERNAL, "ICU NFKD normalization failed"};
      appendUtf16(parts, dst, m);
    }
    for (UChar32 c : parts) {
      if (c >= 0x300 && u_getCombiningClass(c) != 0) {
        if (!out.empty()) out.back().end = std::max(out.back().end, ch.end);
        continue;
      }
      out.push_back({c, ch.begin, ch.end});
    }
  }
  return out;
}

// " ".join(s.strip().split()): whitespace runs become one space spanning the
// run; leading and trailing whitespace goes.
Chars collapseWhitespace(const Chars &s) {
  Chars out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (!isPyWhitespace(s[i].c)) {
      out.push_back(s[i++]);
      continue;
    }
    size_t j = i;
    while (j < s.size() && isPyWhitespace(s[j].c)) ++j;
    if (!out.empty() && j < s.size()) out.push_back({' ', s[i].begin, s[j - 1].end});
    i = j;
  }
  return out;
}

// s.replace(q q, '"'), left to right without overlaps, as Python's.
Chars replaceDoubled(const Chars &s, UChar32 q) {
  Chars out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i].c == q && i + 1 < s.size() && s[i + 1].c == q) {
      out.push_back({'"', s[i].begin, s[i + 1].end});
      i += 2;
    } else {
      out.push_back(s[i++]);
    }
  }
  return out;
}

} // namespace

//===----------------------------------------------------------------------===//
// The handle
//===----------------------------------------------------------------------===//

struct albert_tok {
  sentencepiece::SentencePieceProcessor sp;
  albert_tok_options opts;
  int32_t vocab = 0;
  int32_t special[kNumSpecial];                   // ids, by ALBERT_TOK_*
  std::vector<UChar32> specialChars[kNumSpecial]; // their text as code points
};

namespace {

// The special token (ALBERT_TOK_*) whose text starts s at i, or -1.
int specialAt(const albert_tok &t, const Chars &s, size_t i) {
  if (s[i].c != '[' && s[i].c != '<') return -1;
  for (int k = 0; k < kNumSpecial; ++k) {
    const std::vector<UChar32> &w = t.specialChars[k];
    if (i + w.size() > s.size()) continue;
    bool match = true;
    for (size_t j = 0; j < w.size() && match; ++j) match = s[i + j].c == w[j];
    if (match) return k;
  }
  return -1;
}

int specialOfId(const albert_tok &t, int32_t id) {
  for (int k = 0; k < kNumSpecial; ++k)
    if (t.special[k] == id) return k;
  return -1;
}

// A piece of text after preprocess_text, as the UTF-8 string SentencePiece
// gets, with the way back to the original input.
class Segment {
public:
  explicit Segment(Chars chars) : chars_(std::move(chars)) {
    for (size_t i = 0; i < chars_.size(); ++i) {
      size_t before = utf8_.size();
      appendUtf8(utf8_, chars_[i].c);
      byteOf_.push_back(before);
      charAt_.resize(utf8_.size(), i);
    }
    byteOf_.push_back(utf8_.size());
    charAt_.push_back(chars_.size());
  }

  const std::string &utf8() const { return utf8_; }

  // Where the piece on bytes [b, e) of utf8() came from in the original
  // input: the span of its characters, less the whitespace before a word.
  // A piece SentencePiece's own normalizer made from part of one character
  // (the "f" of "ﬁ", at zero width) covers that character; a piece of only
  // whitespace ("▁") is an empty span where the next character starts.
  void span(size_t b, size_t e, bool wordPiece, int32_t &begin, int32_t &end) const {
    b = std::min(b, utf8_.size());
    e = std::min(std::max(e, b), utf8_.size());
    size_t i = charAt_[b];
    size_t j = e > b ? charAt_[e - 1] + 1 : i;
    while (i < j && isPyWhitespace(chars_[i].c)) ++i;
    if (i == j) {
      if (wordPiece && e == b && i < chars_.size()) {
        begin = chars_[i].begin, end = chars_[i].end;
        return;
      }
      begin = end = i < chars_.size() ? chars_[i].begin : (chars_.empty() ? 0 : chars_.back().end);
      return;
    }
    begin = chars_[i].begin, end = chars_[i].end;
    for (size_t k = i + 1; k < j; ++k) {
      begin = std::min(begin, chars_[k].begin);
      end = std::max(end, chars_[k].end);
    }
  }

  // The first byte of the piece on [b, e) after its leading whitespace.
  size_t skipSpace(size_t b, size_t e) const {
    size_t i = charAt_[std::min(b, utf8_.size())];
    while (byteOf_[i] < e && isPyWhitespace(chars_[i].c)) ++i;
    return std::min(byteOf_[i], e);
  }

private:
  Chars chars_;
  std::string utf8_;
  std::vector<size_t> byteOf_; // char index -> first byte in utf8_
  std::vector<size_t> charAt_; // byte of utf8_ -> char index
};

bool startsWithUnderline(const std::string &piece) { return piece.rfind(kUnderlineUtf8, 0) == 0; }

bool isWordPiece(const std::string &piece) {
  for (size_t i = 0; i < piece.size(); i += 3)
    if (piece.compare(i, 3, kUnderlineUtf8) != 0) return true;
  return false;
}

void encodeWithSp(const albert_tok &t, const std::string &text,
                  sentencepiece::ImmutableSentencePieceText &spt) {
  auto status = t.sp.Encode(text, spt.mutable_proto());
  if (!status.ok())
    throw ApiError{ALBERT_TOK_INTERNAL, "SentencePiece Encode failed: " + status.ToString()};
}

// AlbertTokenizer._tokenize on one piece of text between special tokens.
void tokenizeText(const albert_tok &t, const Chars &raw, int32_t source, std::vector<Token> &out) {
  const albert_tok_options &o = t.opts;
  // preprocess_text
  Chars s = o.remove_space ? collapseWhitespace(raw) : raw;
  s = replaceDoubled(replaceDoubled(s, '`'), '\'');
  if (!o.keep_accents) s = stripAccents(s);
  if (o.do_lower_case) s = lowerString(s);
  Segment seg(std::move(s));

  sentencepiece::ImmutableSentencePieceText spt;
  encodeWithSp(t, seg.utf8(), spt);
  for (size_t p = 0; p < spt.pieces_size(); ++p) {
    auto piece = spt.pieces((int)p);
    const std::string &ps = piece.piece();
    Token tok{t.sp.PieceToId(ps), 0, 0, source};
    Chars pc;
    decodeUtf8(ps.data(), ps.size(), pc); // SentencePiece's pieces are valid UTF-8
    if (!(pc.size() > 1 && pc.back().c == ',' && isPyDigit(pc[pc.size() - 2].c))) {
      seg.span(piece.begin(), piece.end(), isWordPiece(ps), tok.begin, tok.end);
      out.push_back(tok);
      continue;
    }
    // The digit-comma rule: "▁9," -> "▁9" ",". The piece less its comma and
    // its "▁"s is encoded again; offsets of those sub-pieces are inside the
    // piece's own text when that text is the body (the usual case; not when
    // SentencePiece's normalizer changed it, e.g. a full-width digit, then
    // each sub-piece spans the whole piece).
    std::string body;
    for (const Char &ch : pc)
      if (ch.c != kUnderline && &ch != &pc.back()) appendUtf8(body, ch.c);
    sentencepiece::ImmutableSentencePieceText cur;
    encodeWithSp(t, body, cur);
    size_t b = piece.begin(), e = piece.end();
    size_t bodyStart = seg.skipSpace(b, e);
    bool exact = e > bodyStart && seg.utf8()[e - 1] == ',' &&
                 seg.utf8().compare(bodyStart, e - 1 - bodyStart, body) == 0;
    std::vector<Token> sub;
    std::vector<std::string> subPieces;
    for (size_t k = 0; k < cur.pieces_size(); ++k) {
      auto c = cur.pieces((int)k);
      Token st{0, 0, 0, source};
      if (exact)
        seg.span(bodyStart + c.begin(), bodyStart + c.end(), isWordPiece(c.piece()), st.begin,
                 st.end);
      else
        seg.span(b, e, true, st.begin, st.end);
      sub.push_back(st);
      subPieces.push_back(c.piece());
    }
    if (pc.front().c != kUnderline && !subPieces.empty() && startsWithUnderline(subPieces[0])) {
      if (subPieces[0].size() == 3) {
        subPieces.erase(subPieces.begin());
        sub.erase(sub.begin());
      } else {
        subPieces[0].erase(0, 3);
      }
    }
    for (size_t k = 0; k < sub.size(); ++k) {
      sub[k].id = t.sp.PieceToId(subPieces[k]);
      out.push_back(sub[k]);
    }
    Token comma{t.sp.PieceToId(","), 0, 0, source};
    if (exact)
      seg.span(e - 1, e, true, comma.begin, comma.end);
    else
      seg.span(b, e, true, comma.begin, comma.end);
    out.push_back(comma);
  }
}

// PreTrainedTokenizer.tokenize on one input (text or pair): tokens with
// their byte spans in `input`.
std::vector<Token> tokenizeInput(const albert_tok &t, const char *input, const char *what,
                                 int32_t source) {
  size_t n = strlen(input);
  if (n > (size_t)INT32_MAX)
    throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, std::string(what) + " is longer than 2 GiB"};
  Chars chars;
  int64_t bad = decodeUtf8(input, n, chars);
  if (bad >= 0)
    throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                   std::string(what) + ": invalid UTF-8 at byte " + std::to_string(bad)};

  // 1. do_lower_case: lowercase everything but the special tokens, a
  // character at a time (so Σ is always σ here). This comes before the split:
  // "<PAD>" becomes the special token "<pad>".
  if (t.opts.do_lower_case) {
    Chars lowered;
    lowered.reserve(chars.size());
    std::vector<UChar32> mapped;
    for (size_t i = 0; i < chars.size();) {
      int k = specialAt(t, chars, i);
      if (k >= 0) {
        size_t len = t.specialChars[k].size();
        lowered.insert(lowered.end(), chars.begin() + i, chars.begin() + i + len);
        i += len;
        continue;
      }
      mapped.clear();
      lowerChar(chars[i].c, mapped);
      for (UChar32 c : mapped) lowered.push_back({c, chars[i].begin, chars[i].end});
      ++i;
    }
    chars = std::move(lowered);
  }

  // 2. Cut at the special tokens, leftmost first (HF's trie gives the same
  // cuts: none of the five is a prefix of another or overlaps one).
  struct Part {
    int special; // ALBERT_TOK_*, -1 for text
    Chars chars;
  };
  std::vector<Part> parts;
  for (size_t i = 0; i < chars.size();) {
    int k = specialAt(t, chars, i);
    if (k >= 0) {
      size_t len = t.specialChars[k].size();
      parts.push_back({k, Chars(chars.begin() + i, chars.begin() + i + len)});
      i += len;
      continue;
    }
    if (parts.empty() || parts.back().special >= 0) parts.push_back({-1, {}});
    parts.back().chars.push_back(chars[i++]);
  }
  // [MASK] is AddedToken(lstrip=True): the text before it loses its trailing
  // whitespace. The other special tokens strip nothing.
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].special != ALBERT_TOK_MASK || parts[i - 1].special >= 0) continue;
    Chars &left = parts[i - 1].chars;
    while (!left.empty() && isPyWhitespace(left.back().c)) left.pop_back();
  }

  // 3. Each part.
  std::vector<Token> tokens;
  for (const Part &part : parts) {
    if (part.chars.empty()) continue;
    if (part.special >= 0)
      tokens.push_back(
          {t.special[part.special], part.chars.front().begin, part.chars.back().end, source});
    else
      tokenizeText(t, part.chars, source, tokens);
  }
  return tokens;
}

//===----------------------------------------------------------------------===//
// Errors at the C boundary
//===----------------------------------------------------------------------===//

constexpr size_t kErrorSize = 512;
struct LastError {
  const albert_tok *handle; // the handle of the failed call; NULL for open
  char text[kErrorSize];
};
thread_local LastError lastError = {nullptr, ""};

int fail(const albert_tok *t, int code, const char *msg) {
  lastError.handle = t;
  snprintf(lastError.text, kErrorSize, "%s", msg);
  return code;
}

// Runs f, turning what it throws into a return code and this thread's
// message for handle t.
template <class F> int guarded(const albert_tok *t, F &&f) {
  try {
    return f();
  } catch (const ApiError &e) {
    return fail(t, e.code, e.message.c_str());
  } catch (const std::bad_alloc &) {
    return fail(t, ALBERT_TOK_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    lastError.handle = t;
    snprintf(lastError.text, kErrorSize, "internal error: %s", e.what());
    return ALBERT_TOK_INTERNAL;
  } catch (...) {
    return fail(t, ALBERT_TOK_INTERNAL, "internal error");
  }
}

// Reads a whole file; errors name the path.
std::string readFile(const char *path) {
  auto ioError = [&](const char *what) {
    return ApiError{ALBERT_TOK_IO, std::string(path) + ": " + what};
  };
  // O_NONBLOCK: opening a FIFO without a writer would block forever; only a
  // regular file is read (a device such as /dev/zero would never end).
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw ioError(strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    throw ioError(strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    throw ioError(S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int err = errno;
      close(fd);
      throw ioError(strerror(err));
    }
    if (r == 0) break;
    data.append(buf, (size_t)r);
  }
  close(fd);
  return data;
}

int openModel(const std::string &bytes, const std::string &name, const albert_tok_options *opts,
              albert_tok **out) {
  auto t = std::make_unique<albert_tok>();
  t->opts = opts ? *opts : albert_tok_default_options();
  auto status = t->sp.LoadFromSerializedProto(bytes);
  if (!status.ok())
    throw ApiError{ALBERT_TOK_IO, name + ": not a SentencePiece model (" + status.ToString() + ")"};
  t->vocab = t->sp.GetPieceSize();
  for (int k = 0; k < kNumSpecial; ++k) {
    int id = t->sp.PieceToId(kSpecialText[k]);
    if (id < 0 || id >= t->vocab || t->sp.IdToPiece(id) != kSpecialText[k])
      throw ApiError{ALBERT_TOK_IO, name + ": the vocabulary has no " + kSpecialText[k] +
                                        " piece (an ALBERT spiece.model has [CLS] [SEP] "
                                        "[MASK] <pad> <unk>)"};
    t->special[k] = id;
    Chars cs;
    decodeUtf8(kSpecialText[k], strlen(kSpecialText[k]), cs);
    for (const Char &c : cs) t->specialChars[k].push_back(c.c);
  }
  *out = t.release();
  return ALBERT_TOK_OK;
}

// Python's str.strip() on UTF-8.
std::string stripPy(const std::string &s) {
  Chars cs;
  decodeUtf8(s.data(), s.size(), cs);
  size_t i = 0, j = cs.size();
  while (i < j && isPyWhitespace(cs[i].c)) ++i;
  while (j > i && isPyWhitespace(cs[j - 1].c)) --j;
  return i == j ? std::string() : s.substr(cs[i].begin, cs[j - 1].end - cs[i].begin);
}

void replaceAll(std::string &s, const char *from, const char *to) {
  size_t nf = strlen(from), nt = strlen(to);
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + nt))
    s.replace(at, nf, to);
}

std::string decodePieces(const albert_tok &t, const std::vector<std::string> &pieces) {
  std::string text;
  if (pieces.empty()) return text;
  auto status = t.sp.Decode(pieces, &text);
  if (!status.ok())
    throw ApiError{ALBERT_TOK_INTERNAL, "SentencePiece Decode failed: " + status.ToString()};
  return text;
}

} // namespace

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

albert_tok_options albert_tok_default_options(void) {
  albert_tok_options o;
  o.do_lower_case = 1;
  o.remove_space = 1;
  o.keep_accents = 0;
  o.clean_up_tokenization_spaces = 0;
  return o;
}

int albert_tok_open(const char *path, const albert_tok_options *opts, albert_tok **out) {
  if (out) *out = nullptr;
  return guarded(nullptr, [&] {
    if (!path || !out)
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "albert_tok_open: path and out must not be NULL"};
    return openModel(readFile(path), path, opts, out);
  });
}

int albert_tok_open_memory(const void *data, size_t size, const albert_tok_options *opts,
                           albert_tok **out) {
  if (out) *out = nullptr;
  return guarded(nullptr, [&] {
    if ((!data && size) || !out)
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                     "albert_tok_open_memory: data and out must not be NULL"};
    std::string bytes(static_cast<const char *>(data), size);
    return openModel(bytes, "spiece.model (in memory)", opts, out);
  });
}

int albert_tok_encode(const albert_tok *t, const char *text, const char *pair, int32_t max_length,
                      int32_t *ids, int32_t *token_type_ids, int32_t *offsets, int32_t *source,
                      int64_t capacity, int64_t *length) {
  if (length) *length = 0;
  return guarded(t, [&] {
    if (!t) throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "albert_tok_encode: NULL tokenizer"};
    if (!text || !length)
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                     "albert_tok_encode: text and length must not be NULL"};
    if (capacity < 0 || (capacity > 0 && !ids))
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "albert_tok_encode: ids must hold capacity (" +
                                                      std::to_string(capacity) + ") tokens"};
    std::vector<Token> a = tokenizeInput(*t, text, "text", 0);
    std::vector<Token> b;
    if (pair) b = tokenizeInput(*t, pair, "pair", 1);

    // 4. Truncation (longest_first, from the right), then the special tokens.
    const size_t numSpecial = pair ? 3 : 2;
    if (max_length > 0) {
      if ((size_t)max_length < numSpecial)
        throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                       "max_length " + std::to_string(max_length) + " cannot hold " +
                           (pair ? "[CLS], [SEP] and [SEP]" : "[CLS] and [SEP]")};
      size_t total = a.size() + b.size() + numSpecial;
      if (total > (size_t)max_length) {
        size_t remove = total - (size_t)max_length;
        if (!pair) {
          // HF only truncates a single sequence that keeps a token; otherwise
          // it logs an error and returns it whole.
          if (a.size() <= remove)
            throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "max_length " + std::to_string(max_length) +
                                                            " leaves no room for the text's " +
                                                            std::to_string(a.size()) +
                                                            " tokens after [CLS] and [SEP]"};
          a.resize(a.size() - remove);
        } else {
          for (size_t k = 0; k < remove; ++k) {
            if (a.size() > b.size())
              a.pop_back();
            else if (!b.empty())
              b.pop_back();
          }
        }
      }
    }
    const Token cls{t->special[ALBERT_TOK_CLS], 0, 0, -1};
    const Token sep{t->special[ALBERT_TOK_SEP], 0, 0, -1};
    std::vector<Token> all;
    all.reserve(a.size() + b.size() + numSpecial);
    all.push_back(cls);
    all.insert(all.end(), a.begin(), a.end());
    all.push_back(sep);
    const size_t firstSegment = all.size();
    if (pair) {
      all.insert(all.end(), b.begin(), b.end());
      all.push_back(sep);
    }
    *length = (int64_t)all.size();
    if ((int64_t)all.size() > capacity)
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "the encoding has " + std::to_string(all.size()) +
                                                      " tokens; capacity is " +
                                                      std::to_string(capacity)};
    for (size_t i = 0; i < all.size(); ++i) {
      ids[i] = all[i].id;
      if (token_type_ids) token_type_ids[i] = i < firstSegment ? 0 : 1;
      if (offsets) {
        offsets[2 * i] = all[i].begin;
        offsets[2 * i + 1] = all[i].end;
      }
      if (source) source[i] = all[i].source;
    }
    return ALBERT_TOK_OK;
  });
}

int albert_tok_decode(const albert_tok *t, const int32_t *ids, int64_t n, int skip_special,
                      char *dst, int64_t capacity, int64_t *length) {
  if (length) *length = 0;
  return guarded(t, [&] {
    if (!t) throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "albert_tok_decode: NULL tokenizer"};
    if (n < 0 || (n > 0 && !ids) || !length || capacity < 0 || (capacity > 0 && !dst))
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                     "albert_tok_decode: needs ids[n >= 0], dst[capacity >= 0] and length"};
    // PreTrainedTokenizer._decode + AlbertTokenizer.convert_tokens_to_string:
    // ordinary pieces decoded by SentencePiece run by run, special tokens as
    // their text, a space before a special token that follows a run.
    std::string text;
    std::vector<std::string> run;
    bool prevSpecial = false;
    for (int64_t i = 0; i < n; ++i) {
      int32_t id = ids[i];
      if (id < 0 || id >= t->vocab)
        throw ApiError{ALBERT_TOK_INVALID_ARGUMENT,
                       "ids[" + std::to_string(i) + "] = " + std::to_string(id) +
                           " is not in [0, " + std::to_string(t->vocab) + ")"};
      int k = specialOfId(*t, id);
      if (k >= 0 && skip_special) continue;
      if (k >= 0) {
        if (!prevSpecial) text += ' ';
        text += decodePieces(*t, run);
        text += kSpecialText[k];
        run.clear();
        prevSpecial = true;
      } else {
        run.push_back(t->sp.IdToPiece(id));
        prevSpecial = false;
      }
    }
    text += decodePieces(*t, run);
    text = stripPy(text);
    if (t->opts.clean_up_tokenization_spaces) {
      // PreTrainedTokenizerBase.clean_up_tokenization, in its order.
      static const char *const rules[][2] = {
          {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
          {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
      for (const auto &r : rules) replaceAll(text, r[0], r[1]);
    }
    *length = (int64_t)text.size();
    if ((int64_t)text.size() + 1 > capacity)
      throw ApiError{ALBERT_TOK_INVALID_ARGUMENT, "the text has " + std::to_string(text.size()) +
                                                      " bytes (+1 for the NUL); capacity is " +
                                                      std::to_string(capacity)};
    memcpy(dst, text.data(), text.size());
    dst[text.size()] = '\0';
    return ALBERT_TOK_OK;
  });
}

int32_t albert_tok_special_id(const albert_tok *t, int which) {
  if (!t || which < 0 || which >= kNumSpecial) return -1;
  return t->special[which];
}

int32_t albert_tok_vocab_size(const albert_tok *t) { return t ? t->vocab : 0; }

const char *albert_tok_piece(const albert_tok *t, int32_t id) {
  if (!t || id < 0 || id >= t->vocab) return nullptr;
  try {
    return t->sp.IdToPiece(id).c_str(); // a string of the model proto: lives as long as t
  } catch (...) {
    return nullptr;
  }
}

const char *albert_tok_error(const albert_tok *t) {
  return lastError.handle == t ? lastError.text : "";
}

void albert_tok_close(albert_tok *t) { delete t; }

} // extern "C"

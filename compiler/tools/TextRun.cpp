//===- TextRun.cpp - albertc run --text: text in, the task's answer out ---===//
//
// Everything here goes through the generated library's C API (tokenize, run,
// output, decode) and albert_tasks.h, exactly as an application would.
//
//===----------------------------------------------------------------------===//

#include "compiler/tools/TextRun.h"

#include "albert/albert_tasks.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cctype>

using namespace albertc;

namespace {
llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Checked before a text the tokenizer would name wrongly goes in (it knows
/// only `text` and `pair`): `what` is the option as the user wrote it.
llvm::Error checkUtf8(const std::string &text, const std::string &what) {
  size_t bad = 0;
  if (!llvm::json::isUTF8(text, &bad))
    return fail(what + ": invalid UTF-8 at byte " + std::to_string(bad));
  return llvm::Error::success();
}

// The generated <name>_special_token's `which`.
enum { kCls = 0, kSep = 1, kMask = 2, kPad = 3, kUnk = 4 };

/// One tokenized sequence: [CLS] text [SEP] (pair [SEP]).
struct Encoding {
  std::vector<int32_t> ids, types, offsets, source; // offsets: [begin, end) bytes per token
  int64_t size() const { return int64_t(ids.size()); }
};

class Runner {
public:
  Runner(LoadedLibrary &lib, const TextRunOptions &o, llvm::raw_ostream &out)
      : lib(lib), o(o), out(out) {}
  llvm::Error run();

private:
  /// [CLS] text [SEP] (pair [SEP]), truncated to `truncateTo` tokens (0: not).
  llvm::Expected<Encoding> encode(const std::string &text, const std::string *pair,
                                  int64_t truncateTo);
  llvm::Expected<std::string> decode(const std::vector<int32_t> &ids, bool skipSpecial);
  /// Runs on `rows` (padded to the longest); choices > 0 for multiple choice.
  llvm::Error forward(const std::vector<Encoding> &rows, int64_t choices);
  struct Output {
    const float *data = nullptr;
    std::vector<int64_t> shape;
  };
  llvm::Expected<Output> output(const std::string &name);
  std::string apiError() const { return lib.error(lib.model); }

  llvm::Error fillMask(const Encoding &e);
  llvm::Error classify();
  llvm::Error entities(const Encoding &e);
  llvm::Error answer();
  llvm::Error chooseAnswer();
  llvm::Error shapes();

  /// Prints `answer` with the task and the token ids it ran on.
  void printJson(llvm::json::Object answer) {
    answer["task"] = lib.task;
    answer["input_ids"] = llvm::json::Array(inputIds);
    out << llvm::json::Value(std::move(answer)) << "\n";
  }

  LoadedLibrary &lib;
  const TextRunOptions &o;
  llvm::raw_ostream &out;
  int64_t maxLength = 0;
  llvm::json::Array inputIds; // of the last forward(): one list per row
};

llvm::Expected<Encoding> Runner::encode(const std::string &text, const std::string *pair,
                                        int64_t truncateTo) {
  // The length first (NULL arrays), then the tokens.
  const char *p = pair ? pair->c_str() : nullptr;
  int64_t n = 0;
  if (lib.tokenize(lib.model, text.c_str(), p, int32_t(truncateTo), nullptr, nullptr, nullptr,
                   nullptr, 0, &n) != 0 &&
      n == 0)
    return fail("tokenize: " + apiError());
  Encoding e;
  size_t cap = size_t(n);
  e.ids.resize(cap);
  e.types.resize(cap);
  e.offsets.resize(2 * cap);
  e.source.resize(cap);
  if (lib.tokenize(lib.model, text.c_str(), p, int32_t(truncateTo), e.ids.data(), e.types.data(),
                   e.offsets.data(), e.source.data(), int64_t(cap), &n) != 0)
    return fail("tokenize: " + apiError());
  return e;
}

llvm::Expected<std::string> Runner::decode(const std::vector<int32_t> &ids, bool skipSpecial) {
  std::string s(64 + 32 * ids.size(), '\0');
  int64_t len = 0;
  int rc = lib.decode(lib.model, ids.data(), int64_t(ids.size()), skipSpecial, &s[0],
                      int64_t(s.size()), &len);
  if (rc != 0 && len >= int64_t(s.size())) { // too small: len is the text's length, + 1 for the NUL
    s.assign(size_t(len) + 1, '\0');
    rc = lib.decode(lib.model, ids.data(), int64_t(ids.size()), skipSpecial, &s[0],
                    int64_t(s.size()), &len);
  }
  if (rc != 0) return fail("decode: " + apiError());
  s.resize(size_t(std::min<int64_t>(len, int64_t(s.size()))));
  return s;
}

llvm::Error Runner::forward(const std::vector<Encoding> &rows, int64_t choices) {
  int64_t seq = 1;
  for (const Encoding &e : rows) seq = std::max(seq, e.size());
  int32_t pad = lib.specialToken(lib.model, kPad);
  inputIds.clear();
  for (const Encoding &e : rows) inputIds.push_back(llvm::json::Array(e.ids));
  size_t n = rows.size() * size_t(seq);
  std::vector<int32_t> ids(n, pad), mask(n, 0), types(n, 0);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int64_t t = 0; t < rows[r].size(); ++t) {
      size_t i = r * size_t(seq) + size_t(t);
      ids[i] = rows[r].ids[size_t(t)];
      types[i] = rows[r].types[size_t(t)];
      mask[i] = 1;
    }
  int rc = choices ? lib.runChoices(lib.model, 1, choices, seq, ids.data(), mask.data(),
                                    types.data())
                   : lib.run(lib.model, int64_t(rows.size()), seq, ids.data(), mask.data(),
                             types.data());
  if (rc != 0) return fail(apiError()); // the runtime's messages start with "run: "
  return llvm::Error::success();
}

llvm::Expected<Runner::Output> Runner::output(const std::string &name) {
  int index = lib.outputIndex(name);
  if (index < 0) return fail("the library has no output '" + name + "'");
  Output r;
  int64_t shape[3];
  int rank = 0;
  if (lib.output(lib.model, index, &r.data, shape, &rank) != 0) return fail(apiError());
  r.shape.assign(shape, shape + rank);
  return r;
}

/// The text of bytes [begin, end) of `s`, for printing.
std::string slice(const std::string &s, int32_t begin, int32_t end) {
  if (begin < 0 || end < begin || size_t(end) > s.size()) return "";
  return s.substr(size_t(begin), size_t(end - begin));
}

llvm::Error Runner::fillMask(const Encoding &e) {
  int32_t maskId = lib.specialToken(lib.model, kMask);
  if (std::find(e.ids.begin(), e.ids.end(), maskId) == e.ids.end()) {
    // Truncation may have cut it off: say so rather than that there is none.
    auto whole = encode(o.text, o.hasPair ? &o.pair : nullptr, 0);
    if (whole && std::find(whole->ids.begin(), whole->ids.end(), maskId) != whole->ids.end())
      return fail("the text's [MASK] lies past its first " + std::to_string(maxLength) +
                  " tokens (max_position_embeddings, or --max-length): shorten the text");
    if (!whole) llvm::consumeError(whole.takeError());
    return fail("the text has no [MASK] token to fill");
  }
  if (auto err = forward({e}, 0)) return err;
  auto logits = output("logits");
  if (!logits) return logits.takeError();
  int64_t V = logits->shape.back();
  std::vector<float> probs(static_cast<size_t>(V));
  // At most the whole vocabulary: --top-k 2147483647 must not allocate 16 GiB.
  const int64_t topK = std::min<int64_t>(std::max(o.topK, 1), V);
  std::vector<int64_t> top(static_cast<size_t>(topK));
  llvm::json::Array masks;
  for (int64_t t = 0; t < e.size(); ++t) {
    if (e.ids[size_t(t)] != maskId) continue;
    albert_softmax(logits->data + t * V, V, probs.data());
    int64_t k = albert_top_k(probs.data(), V, topK, top.data());
    llvm::json::Array predictions;
    if (!o.json) out << "[MASK] at token " << t << ":\n";
    for (int64_t i = 0; i < k; ++i) {
      int32_t id = int32_t(top[size_t(i)]);
      auto token = decode({id}, false);
      if (!token) return token.takeError();
      std::vector<int32_t> filled = e.ids;
      filled[size_t(t)] = id;
      auto sequence = decode(filled, true);
      if (!sequence) return sequence.takeError();
      float p = probs[size_t(id)];
      if (o.json)
        predictions.push_back(llvm::json::Object{
            {"token", *token}, {"id", id}, {"probability", p}, {"sequence", *sequence}});
      else
        out << llvm::format("  %.4f  %-16s %s\n", p, token->c_str(), sequence->c_str());
    }
    if (o.json)
      masks.push_back(llvm::json::Object{{"position", t}, {"predictions", std::move(predictions)}});
  }
  if (o.json)
    printJson(llvm::json::Object{{"masks", std::move(masks)}});
  return llvm::Error::success();
}

llvm::Error Runner::classify() {
  auto logits = output("logits");
  if (!logits) return logits.takeError();
  int64_t n = logits->shape.back();
  std::vector<float> p(static_cast<size_t>(n));
  albert_class_probabilities(logits->data, n, p.data());
  std::vector<int64_t> order(static_cast<size_t>(n));
  albert_top_k(p.data(), n, n, order.data());
  auto name = [&](int64_t i) {
    const char *l = lib.label(int(i));
    return std::string(l ? l : "LABEL_" + std::to_string(i));
  };
  if (o.json) {
    llvm::json::Array scores;
    for (int64_t i : order)
      scores.push_back(llvm::json::Object{{"label", name(i)}, {"probability", p[size_t(i)]}});
    printJson(llvm::json::Object{{"label", name(order[0])},
                                 {"probability", p[size_t(order[0])]},
                                 {"scores", std::move(scores)}});
    return llvm::Error::success();
  }
  out << llvm::format("label: %s (%.4f)\n", name(order[0]).c_str(), p[size_t(order[0])]);
  for (int64_t i : order) out << llvm::format("  %.4f  %s\n", p[size_t(i)], name(i).c_str());
  return llvm::Error::success();
}

llvm::Error Runner::entities(const Encoding &e) {
  if (auto err = forward({e}, 0)) return err;
  auto logits = output("logits");
  if (!logits) return logits.takeError();
  int64_t n = logits->shape.back();
  // Words (albert_words); a word takes the label of its first token.
  const size_t tokens = size_t(e.size());
  std::vector<int32_t> first(tokens), begin(tokens), end(tokens), label;
  std::vector<float> score, p(static_cast<size_t>(n));
  int64_t words = albert_words(o.text.c_str(), e.offsets.data(), e.source.data(), e.size(),
                               first.data(), begin.data(), end.data());
  for (int64_t w = 0; w < words; ++w) {
    albert_softmax(logits->data + int64_t(first[size_t(w)]) * n, n, p.data());
    int64_t best = albert_argmax(p.data(), n);
    label.push_back(int32_t(best));
    score.push_back(p[size_t(best)]);
  }
  std::vector<std::string> names(static_cast<size_t>(n));
  std::vector<const char *> cnames(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const char *l = lib.label(int(i));
    names[size_t(i)] = l ? l : "LABEL_" + std::to_string(i);
    cnames[size_t(i)] = names[size_t(i)].c_str();
  }
  std::vector<albert_entity> found(label.size() + 1);
  int64_t count = albert_group_entities(label.data(), score.data(), begin.data(), end.data(),
                                        words, cnames.data(), int64_t(cnames.size()),
                                        found.data(), int64_t(found.size()));
  llvm::json::Array list;
  for (int64_t i = 0; i < count; ++i) {
    const albert_entity &x = found[size_t(i)];
    std::string text = slice(o.text, x.begin, x.end);
    if (o.json)
      list.push_back(llvm::json::Object{{"type", x.type},
                                        {"text", text},
                                        {"begin", x.begin},
                                        {"end", x.end},
                                        {"score", x.score}});
    else
      out << llvm::format("%-8s %.4f  \"%s\"  [%d, %d)\n", (const char *)x.type, x.score, text.c_str(),
                          x.begin, x.end);
  }
  if (o.json)
    printJson(llvm::json::Object{{"entities", std::move(list)}});
  else if (!count)
    out << "no entities\n";
  return llvm::Error::success();
}

llvm::Error Runner::answer() {
  if (!o.hasPair) return fail("question answering needs --text QUESTION --text-pair CONTEXT");
  // A context longer than the model takes is read in windows of [CLS] question
  // [SEP] context[start, start + room) [SEP] that overlap by --doc-stride
  // tokens, as HuggingFace's question-answering pipeline does; the answer is
  // the best span of any window.
  auto question = encode(o.text, nullptr, 0);
  if (!question) return question.takeError();
  // The context is tokenized alone, as the tokenizer's `text`.
  if (auto e = checkUtf8(o.pair, "--text-pair (the context)")) return e;
  auto context = encode(o.pair, nullptr, 0);
  if (!context) return context.takeError();
  const int64_t q = question->size() - 2, c = context->size() - 2;
  const int64_t room = maxLength - q - 3;
  if (room < 1)
    return fail("the question has " + std::to_string(q) + " tokens: no room for the context in " +
                std::to_string(maxLength) + " tokens");
  // The overlap must leave the windows room to advance. HF's default,
  // min(max_length / 2, 128), is used where it does (HF refuses it where it
  // does not: half a window then).
  int64_t stride = o.docStride;
  if (stride >= room)
    return fail("--doc-stride " + std::to_string(stride) + " must be smaller than the " +
                std::to_string(room) + " context tokens a window holds");
  if (stride < 0) {
    stride = std::min<int64_t>(maxLength / 2, 128);
    if (stride >= room) stride = room / 2;
  }
  const int64_t step = room - stride;
  // Window i holds context tokens [i step, i step + room); the last one
  // reaches the context's end.
  const int64_t numWindows = c <= room ? 1 : 1 + (c - room + step - 1) / step;
  auto window = [&](int64_t i) {
    const int64_t first = i * step, last = std::min(c, first + room);
    Encoding w;
    auto push = [&](int32_t id, int32_t type, int32_t b, int32_t e, int32_t src) {
      w.ids.push_back(id);
      w.types.push_back(type);
      w.offsets.push_back(b);
      w.offsets.push_back(e);
      w.source.push_back(src);
    };
    for (int64_t t = 0; t < q + 2; ++t) // [CLS] question [SEP]
      push(question->ids[size_t(t)], 0, question->offsets[size_t(2 * t)],
           question->offsets[size_t(2 * t + 1)], question->source[size_t(t)]);
    for (int64_t t = 1 + first; t < 1 + last; ++t)
      push(context->ids[size_t(t)], 1, context->offsets[size_t(2 * t)],
           context->offsets[size_t(2 * t + 1)], 1);
    push(context->ids[size_t(c + 1)], 1, 0, 0, -1); // [SEP]
    return w;
  };
  // The windows are made and run kWindowBatch at a time, and only the best
  // one is kept, so a long document needs no more memory than its tokens
  // and that batch (and, with --json, the input ids printed).
  const int64_t kWindowBatch = 8;
  albert_span best{0, 0, -1.0f};
  int64_t bestWindow = 0;
  Encoding e;
  llvm::json::Array allIds;
  for (int64_t first = 0; first < numWindows; first += kWindowBatch) {
    std::vector<Encoding> batch;
    for (int64_t i = first; i < std::min(numWindows, first + kWindowBatch); ++i)
      batch.push_back(window(i));
    if (auto err = forward(batch, 0)) return err;
    if (o.json)
      for (auto &row : inputIds) allIds.push_back(std::move(row));
    auto start = output("start_logits");
    if (!start) return start.takeError();
    auto end = output("end_logits");
    if (!end) return end.takeError();
    const int64_t S = start->shape[1];
    for (size_t w = 0; w < batch.size(); ++w) {
      const Encoding &x = batch[w];
      // Answers come from the context: the second sequence's tokens.
      std::vector<uint8_t> inContext(size_t(x.size()));
      for (int64_t t = 0; t < x.size(); ++t) inContext[size_t(t)] = x.source[size_t(t)] == 1;
      albert_span span;
      if (albert_best_span(start->data + int64_t(w) * S, end->data + int64_t(w) * S,
                           inContext.data(), x.size(), o.maxAnswerTokens, &span) &&
          span.score > best.score) {
        best = span;
        bestWindow = first + int64_t(w);
        e = x;
      }
    }
  }
  inputIds = std::move(allIds);
  if (best.score < 0) return fail("the context has no tokens");
  int32_t b = e.offsets[size_t(2 * best.start)], en = e.offsets[size_t(2 * best.end + 1)];
  while (b < en && isspace((unsigned char)o.pair[size_t(b)])) ++b; // the piece's leading space
  std::string text = slice(o.pair, b, en);
  if (o.json) {
    printJson(llvm::json::Object{{"answer", text},
                                 {"score", best.score},
                                 {"begin", b},
                                 {"end", en},
                                 {"window", bestWindow},
                                 {"windows", numWindows},
                                 {"start_token", best.start},
                                 {"end_token", best.end}});
  } else {
    out << llvm::format("answer: \"%s\" (score %.4f, context bytes [%d, %d), tokens %lld..%lld)\n",
                        text.c_str(), best.score, b, en, (long long)best.start,
                        (long long)best.end);
    if (numWindows > 1)
      out << "  from window " << bestWindow + 1 << " of " << numWindows << " (" << c
          << " context tokens, windows of " << room << " overlapping by " << (room - step)
          << ")\n";
  }
  return llvm::Error::success();
}

llvm::Error Runner::chooseAnswer() {
  if (o.choices.size() < 2) return fail("multiple choice needs two or more --choice");
  std::vector<Encoding> rows;
  for (size_t i = 0; i < o.choices.size(); ++i) {
    const std::string &c = o.choices[i];
    // The tokenizer would call a bad choice "pair", without saying which.
    if (auto e = checkUtf8(c, "--choice " + std::to_string(i + 1))) return e;
    auto e = encode(o.text, &c, maxLength);
    if (!e) return e.takeError();
    rows.push_back(std::move(*e));
  }
  if (auto err = forward(rows, int64_t(rows.size()))) return err;
  auto logits = output("logits");
  if (!logits) return logits.takeError();
  int64_t n = int64_t(rows.size());
  std::vector<float> p(static_cast<size_t>(n));
  albert_softmax(logits->data, n, p.data());
  int64_t best = albert_argmax(p.data(), n);
  if (o.json) {
    llvm::json::Array scores;
    for (int64_t i = 0; i < n; ++i)
      scores.push_back(
          llvm::json::Object{{"choice", o.choices[size_t(i)]}, {"probability", p[size_t(i)]}});
    printJson(llvm::json::Object{
        {"best", best}, {"choice", o.choices[size_t(best)]}, {"scores", std::move(scores)}});
    return llvm::Error::success();
  }
  out << llvm::format("best: %lld \"%s\" (%.4f)\n", (long long)best, o.choices[size_t(best)].c_str(),
                      p[size_t(best)]);
  for (int64_t i = 0; i < n; ++i)
    out << llvm::format("  %.4f  %s\n", p[size_t(i)], o.choices[size_t(i)].c_str());
  return llvm::Error::success();
}

llvm::Error Runner::shapes() {
  llvm::json::Object outputs;
  for (int i = 0; i < lib.numOutputs(); ++i) {
    auto r = output(lib.outputName(i));
    if (!r) return r.takeError();
    llvm::json::Array shape;
    std::string s;
    for (int64_t d : r->shape) {
      shape.push_back(d);
      s += (s.empty() ? "" : ", ") + std::to_string(d);
    }
    if (o.json) outputs[lib.outputName(i)] = std::move(shape);
    else out << lib.outputName(i) << ": [" << s << "]\n";
  }
  if (o.json)
    printJson(llvm::json::Object{{"outputs", std::move(outputs)}});
  return llvm::Error::success();
}

llvm::Error Runner::run() {
  if (!lib.tokenize)
    return fail("lib" + lib.name + ".so has no tokenizer: compile a model folder that has "
                "spiece.model, or run on --input-ids");
  int64_t maxSeq = 0;
  lib.limits(nullptr, nullptr, &maxSeq);
  maxLength = o.maxLength > 0 ? std::min<int64_t>(o.maxLength, maxSeq) : maxSeq;
  if (lib.task == "multiple-choice") {
    // Each choice is the pair of the one --text.
    if (o.hasPair) return fail("multiple choice pairs --text with each --choice: --text-pair is not used");
    return chooseAnswer();
  }
  if (!o.choices.empty()) return fail("--choice is for multiple-choice models");
  if (lib.task == "question-answering") return answer();
  // Entities are the first text's words; a pair would be encoded and ignored.
  if (lib.task == "token-classification" && o.hasPair)
    return fail("token classification tags one text: --text-pair is not used");
  auto e = encode(o.text, o.hasPair ? &o.pair : nullptr, maxLength);
  if (!e) return e.takeError();
  if (lib.task == "masked-lm" || lib.task == "pretraining") return fillMask(*e);
  if (lib.task == "token-classification") return entities(*e);
  if (auto err = forward({*e}, 0)) return err;
  if (lib.task == "sequence-classification") return classify();
  return shapes();
}
} // namespace

llvm::Error albertc::runText(LoadedLibrary &lib, const TextRunOptions &options,
                             llvm::raw_ostream &out) {
  return Runner(lib, options, out).run();
}

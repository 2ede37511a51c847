// qa.cpp - extractive question answering: the span of the context that answers.
//
//   albertc compile twmkn9/albert-base-v2-squad2 -o qalib --name qa
//   c++ examples/qa.cpp -Iqalib -Lqalib -lqa -Wl,-rpath,$PWD/qalib -o qa
//   ./qa qalib "Who wrote it?" "The book was written by Mary Shelley in 1818."
//
// The question and the context are encoded as one pair, [CLS] q [SEP] c [SEP];
// the answer is the best span of context tokens (start <= end, at most 30).
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "albert_tasks.h"
#include "qa.h"

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s LIBRARY_DIR QUESTION CONTEXT\n", argv[0]);
    return 2;
  }
  const std::string context = argv[3];
  qa_model *model = nullptr;
  if (qa_open(argv[1], nullptr, &model) != ALBERT_OK) {
    std::fprintf(stderr, "open: %s\n", qa_error(nullptr));
    return 1;
  }
  int64_t maxSeq = 0, n = 0;
  qa_limits(nullptr, nullptr, &maxSeq);
  const size_t capacity = static_cast<size_t>(maxSeq);
  std::vector<int32_t> ids(capacity), types(capacity), offsets(2 * capacity), source(capacity);
  const float *start = nullptr, *end = nullptr;
  int64_t shape[3];
  int rank = 0, status = 1;
  // This example reads one window: say so when the context had to be cut
  // (`albertc run --text` reads long contexts in overlapping windows).
  int64_t whole = 0;
  if (qa_tokenize(model, argv[2], argv[3], 0, nullptr, nullptr, nullptr, nullptr, 0, &whole) != 0 &&
      whole > maxSeq)
    std::fprintf(stderr, "qa: question + context are %lld tokens; reading the first %lld\n",
                 (long long)whole, (long long)maxSeq);
  if (qa_tokenize(model, argv[2], argv[3], int32_t(maxSeq), ids.data(), types.data(),
                  offsets.data(), source.data(), maxSeq, &n) != ALBERT_OK ||
      qa_run(model, 1, n, ids.data(), nullptr, types.data()) != ALBERT_OK ||
      qa_output(model, QA_OUTPUT_START_LOGITS, &start, shape, &rank) != ALBERT_OK ||
      qa_output(model, QA_OUTPUT_END_LOGITS, &end, shape, &rank) != ALBERT_OK) {
    std::fprintf(stderr, "%s\n", qa_error(model));
  } else {
    std::vector<uint8_t> inContext(static_cast<size_t>(n));
    for (int64_t t = 0; t < n; ++t) inContext[size_t(t)] = source[size_t(t)] == 1;
    albert_span span;
    if (albert_best_span(start, end, inContext.data(), n, 30, &span)) {
      int32_t b = offsets[size_t(2 * span.start)], e = offsets[size_t(2 * span.end + 1)];
      while (b < e && isspace((unsigned char)context[size_t(b)])) ++b; // the piece's leading space
      std::printf("answer: \"%s\" (score %.4f, context bytes [%d, %d), tokens %lld..%lld)\n",
                  context.substr(size_t(b), size_t(e - b)).c_str(), span.score, b, e,
                  (long long)span.start, (long long)span.end);
      status = 0;
    } else {
      std::fprintf(stderr, "no context tokens: the question alone fills the model\n");
    }
  }
  qa_close(model);
  return status;
}

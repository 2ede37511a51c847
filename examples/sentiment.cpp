// sentiment.cpp - the label of each of several texts, with a sequence classifier, as one batch.
//
//   albertc compile textattack/albert-base-v2-SST-2 -o sst --name sentiment
//   c++ examples/sentiment.cpp -Isst -Lsst -lsentiment -Wl,-rpath,$PWD/sst -o sentiment
//   ./sentiment sst "A gripping, beautifully shot film." "Two hours I will never get back."
//
// The texts are tokenized into one padded batch (sentiment_tokenize_batch: ids, token types
// and the attention mask that hides the padding) and run together. Class names come from the
// checkpoint's id2label (sentiment_label).
#include <cstdio>
#include <vector>

#include "albert_tasks.h"
#include "sentiment.h"

namespace {
// The model handle, closed however main returns.
struct Model {
  sentiment_model *handle = nullptr;
  ~Model() { sentiment_close(handle); }
};
} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s LIBRARY_DIR TEXT [TEXT...]\n", argv[0]);
    return 2;
  }
  Model model;
  if (sentiment_open(argv[1], nullptr, &model.handle) != ALBERT_OK) {
    std::fprintf(stderr, "open: %s\n", sentiment_error(nullptr));
    return 1;
  }
  const int64_t count = argc - 2;
  int64_t maxSeq = 0, seq = 0;
  sentiment_limits(nullptr, nullptr, &maxSeq);
  const size_t capacity = static_cast<size_t>(count * maxSeq);
  std::vector<int32_t> ids(capacity), types(capacity), mask(capacity);
  const float *logits = nullptr;
  int64_t shape[3];
  int rank = 0;
  if (sentiment_tokenize_batch(model.handle, count, argv + 2, nullptr, int32_t(maxSeq), ids.data(),
                               types.data(), mask.data(), int64_t(capacity), &seq) != ALBERT_OK ||
      sentiment_run(model.handle, count, seq, ids.data(), mask.data(), types.data()) !=
          ALBERT_OK ||
      sentiment_output(model.handle, SENTIMENT_OUTPUT_LOGITS, &logits, shape, &rank) !=
          ALBERT_OK) {
    std::fprintf(stderr, "%s\n", sentiment_error(model.handle));
    return 1;
  }
  const int64_t classes = shape[1];
  std::vector<float> p(static_cast<size_t>(classes));
  std::vector<int64_t> order(static_cast<size_t>(classes)); // most likely first
  for (int64_t r = 0; r < count; ++r) {
    albert_class_probabilities(logits + r * classes, classes, p.data());
    albert_top_k(p.data(), classes, classes, order.data());
    std::printf("label: %s (%.4f)\n", sentiment_label(int(order[0])), p[size_t(order[0])]);
    for (int64_t i : order) std::printf("  %.4f  %s\n", p[size_t(i)], sentiment_label(int(i)));
  }
  return 0;
}

// sentiment.cpp - the label of a text (or a text pair) with a sequence classifier.
//
//   albertc compile textattack/albert-base-v2-SST-2 -o sst --name sentiment
//   c++ examples/sentiment.cpp -Isst -Lsst -lsentiment -Wl,-rpath,$PWD/sst -o sentiment
//   ./sentiment sst "A gripping, beautifully shot film."
//
// Class names come from the checkpoint's id2label (sentiment_label).
#include <cstdio>
#include <memory>
#include <string>
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
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: %s LIBRARY_DIR TEXT [TEXT_PAIR]\n", argv[0]);
    return 2;
  }
  Model model;
  if (sentiment_open(argv[1], nullptr, &model.handle) != ALBERT_OK) {
    std::fprintf(stderr, "open: %s\n", sentiment_error(nullptr));
    return 1;
  }
  int64_t maxSeq = 0, n = 0;
  sentiment_limits(nullptr, nullptr, &maxSeq);
  const size_t capacity = static_cast<size_t>(maxSeq);
  std::vector<int32_t> ids(capacity), types(capacity);
  const float *logits = nullptr;
  int64_t shape[3];
  int rank = 0;
  if (sentiment_tokenize(model.handle, argv[2], argc == 4 ? argv[3] : nullptr, int32_t(maxSeq),
                         ids.data(), types.data(), nullptr, nullptr, maxSeq, &n) != ALBERT_OK ||
      sentiment_run(model.handle, 1, n, ids.data(), nullptr, types.data()) != ALBERT_OK ||
      sentiment_output(model.handle, SENTIMENT_OUTPUT_LOGITS, &logits, shape, &rank) !=
          ALBERT_OK) {
    std::fprintf(stderr, "%s\n", sentiment_error(model.handle));
    return 1;
  }
  int64_t classes = shape[1];
  std::vector<float> p(static_cast<size_t>(classes));
  albert_softmax(logits, classes, p.data());
  std::vector<int64_t> order(static_cast<size_t>(classes)); // most likely first
  albert_top_k(p.data(), classes, classes, order.data());
  std::printf("label: %s (%.4f)\n", sentiment_label(int(order[0])), p[size_t(order[0])]);
  for (int64_t i : order) std::printf("  %.4f  %s\n", p[size_t(i)], sentiment_label(int(i)));
  return 0;
}

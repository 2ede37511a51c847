//===- model_benchmark.cpp - Google Benchmark over a compiled library ----===//
//
//   model_benchmark OUT_DIR [--threads=N] [--benchmark_* flags]
//
// OUT_DIR is a folder made by `albertc compile`. Times <name>_run over a
// batch x seq grid (seq clamped to the model's maximum) on random ids.
// Counter: tokens/s. GFLOP/s and the fraction of the FMA peak of each GEMM
// shape alone: kernel_benchmark; of each op inside the whole model: a
// library compiled with --target host-profile, `albertc bench OUT --ops`.
//
//===----------------------------------------------------------------------===//

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <dlfcn.h>
#include <random>
#include <string>
#include <vector>

namespace {
struct Library {
  int (*open)(const char *, const void *, void **);
  int (*run)(void *, int64_t, int64_t, const int32_t *, const int32_t *, const int32_t *);
  void (*limits)(int64_t *, int64_t *, int64_t *);
  const char *(*error)(const void *);
  void (*close)(void *);
  void *model = nullptr;
  int64_t vocab = 0, maxSeq = 0;
};
Library lib;

bool load(const std::string &dir, int threads) {
  std::string so, name;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string f = e->d_name;
      if (f.size() > 6 && f.rfind("lib", 0) == 0 && f.substr(f.size() - 3) == ".so") {
        so = dir + "/" + f;
        name = f.substr(3, f.size() - 6);
      }
    }
    closedir(d);
  }
  void *h = so.empty() ? nullptr : dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    fprintf(stderr, "model_benchmark: no loadable lib<name>.so in %s\n", dir.c_str());
    return false;
  }
  auto sym = [&](const char *s) { return dlsym(h, (name + s).c_str()); };
  lib.open = (decltype(lib.open))sym("_open");
  lib.run = (decltype(lib.run))sym("_run");
  lib.limits = (decltype(lib.limits))sym("_limits");
  lib.error = (decltype(lib.error))sym("_error");
  lib.close = (decltype(lib.close))sym("_close");
  int options[1] = {threads};
  if (lib.open(dir.c_str(), options, &lib.model) != 0) {
    fprintf(stderr, "model_benchmark: %s\n", lib.error(nullptr));
    return false;
  }
  int64_t types;
  lib.limits(&lib.vocab, &types, &lib.maxSeq);
  return true;
}

void BM_Model(benchmark::State &state) {
  int64_t batch = state.range(0), seq = std::min<int64_t>(state.range(1), lib.maxSeq);
  std::mt19937 rng(0);
  std::vector<int32_t> ids(size_t(batch * seq)), mask(ids.size(), 1);
  for (int32_t &id : ids) id = int32_t(rng() % uint64_t(lib.vocab));
  for (auto _ : state)
    if (lib.run(lib.model, batch, seq, ids.data(), mask.data(), nullptr) != 0) {
      state.SkipWithError(lib.error(lib.model));
      break;
    }
  state.counters["tokens/s"] =
      benchmark::Counter(double(batch * seq), benchmark::Counter::kIsIterationInvariantRate);
}
} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  int threads = 0;
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0) threads = std::atoi(argv[i] + 10);
    else dir = argv[i];
  }
  if (dir.empty()) {
    fprintf(stderr, "usage: model_benchmark OUT_DIR [--threads=N] [--benchmark_* flags]\n");
    return 2;
  }
  if (!load(dir, threads)) return 1;
  benchmark::RegisterBenchmark("albert/run", BM_Model)
      ->ArgNames({"batch", "seq"})
      ->ArgsProduct({{1, 8}, {16, 32, 128}})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  benchmark::RunSpecifiedBenchmarks();
  lib.close(lib.model);
  return 0;
}

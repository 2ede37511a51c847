//===- RtTiny.h - the tiny model's C API, for the runtime fuzzers ---*- C++ -*-===//
//
// fuzz/CMakeLists.txt compiles tests/models/tiny with albertc and relinks it
// with a fuzzer-instrumented runtime.c into ALBERTC_FUZZ_RT_DIR (the
// environment variable of that name overrides): librt_tiny.so and
// rt_tiny.weights. rt_tiny::load() dlopens it and resolves its rt_tiny_* API.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_FUZZ_RTTINY_H
#define ALBERTC_FUZZ_RTTINY_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <string>

namespace rt_tiny {

struct Api {
  int (*open)(const char *, const int *, void **);
  int (*run)(void *, int64_t, int64_t, const int32_t *, const int32_t *, const int32_t *);
  int (*output)(const void *, int, const float **, int64_t *, int *);
  int (*outputInto)(const void *, int, float *, int64_t);
  const char *(*error)(const void *);
  void (*close)(void *);
};

/// Prints "<fuzzer>: <what> <detail>" and aborts: the oracle's verdict.
[[noreturn]] inline void die(const char *fuzzer, const char *what, const char *detail = "") {
  std::fprintf(stderr, "%s: %s %s\n", fuzzer, what, detail);
  std::abort();
}

/// The folder with librt_tiny.so and rt_tiny.weights.
inline std::string dir() {
  const char *env = std::getenv("ALBERTC_FUZZ_RT_DIR");
  return env ? env : ALBERTC_FUZZ_RT_DIR;
}

/// dlopens librt_tiny.so and resolves every entry point; aborts if it cannot.
inline Api load(const char *fuzzer) {
  void *dl = dlopen((dir() + "/librt_tiny.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!dl) die(fuzzer, "dlopen:", dlerror());
  Api api;
  api.open = (decltype(api.open))dlsym(dl, "rt_tiny_open");
  api.run = (decltype(api.run))dlsym(dl, "rt_tiny_run");
  api.output = (decltype(api.output))dlsym(dl, "rt_tiny_output");
  api.outputInto = (decltype(api.outputInto))dlsym(dl, "rt_tiny_output_into");
  api.error = (decltype(api.error))dlsym(dl, "rt_tiny_error");
  api.close = (decltype(api.close))dlsym(dl, "rt_tiny_close");
  if (!api.open || !api.run || !api.output || !api.outputInto || !api.error || !api.close)
    die(fuzzer, "missing rt_tiny_* symbols");
  return api;
}

} // namespace rt_tiny

#endif // ALBERTC_FUZZ_RTTINY_H

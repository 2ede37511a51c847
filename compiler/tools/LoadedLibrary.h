//===- LoadedLibrary.h - a library made by albertc compile, dlopen'd -*- C++ -*-===//
//
// What `albertc run` and `albertc bench` call: the generated <name>_* C API,
// resolved with dlsym from the one lib<name>.so of a compiled folder.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_TOOLS_LOADEDLIBRARY_H
#define ALBERTC_TOOLS_LOADEDLIBRARY_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace albertc {

struct LoadedLibrary {
  void *handle = nullptr;
  std::string name; // <name> of lib<name>.so
  std::string task; // <name>_task(): "masked-lm", "question-answering", ...
  void *model = nullptr;

  int (*open)(const char *, const void *, void **) = nullptr;
  /// [batch, seq] libraries.
  int (*run)(void *, int64_t, int64_t, const int32_t *, const int32_t *, const int32_t *) = nullptr;
  /// Multiple-choice libraries: <name>_run(model, batch, num_choices, seq, ...).
  int (*runChoices)(void *, int64_t, int64_t, int64_t, const int32_t *, const int32_t *,
                    const int32_t *) = nullptr;
  int (*output)(const void *, int, const float **, int64_t *, int *) = nullptr;
  int (*numOutputs)() = nullptr;
  const char *(*outputName)(int) = nullptr;
  void (*limits)(int64_t *, int64_t *, int64_t *) = nullptr;
  int (*numLabels)() = nullptr;
  const char *(*label)(int) = nullptr;
  const char *(*error)(const void *) = nullptr;
  void (*close)(void *) = nullptr;

  /// The tokenizer, when the library has one (compiled from a folder with
  /// spiece.model); otherwise all NULL.
  int (*tokenize)(const void *, const char *, const char *, int32_t, int32_t *, int32_t *,
                  int32_t *, int32_t *, int64_t, int64_t *) = nullptr;
  int (*decode)(const void *, const int32_t *, int64_t, int, char *, int64_t, int64_t *) = nullptr;
  int32_t (*specialToken)(const void *, int) = nullptr;

  /// A profiling build's per-op report (<name>_profile_*, a target with
  /// `profile`); otherwise all NULL.
  int (*profileNumOps)() = nullptr;
  int (*profileOp)(int, const char **, const char **, int64_t *, int64_t *, int64_t *,
                   double *) = nullptr;
  void (*profileReset)() = nullptr;
  /// The kernels' widest FMA vectors in bits (512, 256, or 0: a GPU library,
  /// a target without AVX2 + FMA); NULL in a profiling library compiled by
  /// an older albertc (then the CPU's widest are measured).
  int (*profileVectorBits)() = nullptr;

  LoadedLibrary() = default;
  LoadedLibrary(const LoadedLibrary &) = delete;
  LoadedLibrary &operator=(const LoadedLibrary &) = delete;
  ~LoadedLibrary();

  /// Finds the single lib<name>.so in `dir`, resolves its API and opens its
  /// model with `threads` kernel threads (0: keep the default).
  llvm::Error load(const std::string &dir, int threads);
  /// The index of output `name`, or -1.
  int outputIndex(const std::string &name) const;
};

} // namespace albertc

#endif // ALBERTC_TOOLS_LOADEDLIBRARY_H

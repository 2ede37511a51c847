//===- fuzz_npy.cpp - libFuzzer target: the .npy reader of albertc run ----===//
//
// Any bytes as a .npy file: parseNpyInt must return int32 data whose count is
// the product of the shape, or an error naming the file; never crash or hang.

#include "compiler/tools/Npy.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  std::vector<int64_t> shape;
  std::vector<int32_t> values;
  if (llvm::Error e = albertc::parseNpyInt(bytes, "fuzz/in.npy", shape, values)) {
    std::string message = llvm::toString(std::move(e));
    if (message.rfind("fuzz/in.npy: ", 0) != 0 || message.find('\n') != std::string::npos)
      abort();
    return 0;
  }
  uint64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) abort();
    count *= uint64_t(d);
  }
  if (count != values.size()) abort();
  return 0;
}

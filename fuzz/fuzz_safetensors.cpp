//===- fuzz_safetensors.cpp - libFuzzer target: the safetensors reader ----===//
//
// Any bytes as a model.safetensors: SafetensorsFile::fromBuffer must return a
// file or an error naming the file, never crash, hang or read out of bounds;
// every tensor of a file it accepts must read (readAsF32) within its bounds.

#include "compiler/importer/Safetensors.h"

#include "llvm/Support/MemoryBuffer.h"

#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  // A copy exactly `size` bytes long, so ASan sees any read past the end.
  auto file = albertc::SafetensorsFile::fromBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(bytes, "fuzz"), "fuzz.safetensors");
  if (!file) {
    std::string message = llvm::toString(file.takeError());
    if (message.rfind("fuzz.safetensors: ", 0) != 0) abort(); // errors name the file
    return 0;
  }
  std::vector<float> out;
  for (const albertc::TensorInfo &t : (*file)->tensors()) {
    int64_t n = t.numElements();
    if (n < 0 || uint64_t(n) * albertc::dtypeSize(t.dtype) != t.end - t.begin) abort();
    if (uint64_t(n) > (uint64_t(1) << 24)) continue; // header-only claims; data is bounded by size
    out.assign(size_t(n), 0.0f);
    auto read = (*file)->readAsF32(t, out.data());
    if (!read) llvm::consumeError(read.takeError());
    else if (*read < 0 || *read > n) abort();
  }
  return 0;
}

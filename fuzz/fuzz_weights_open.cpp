//===- fuzz_weights_open.cpp - libFuzzer target: damaged weights files ----===//
//
// Opens the tiny model (tests/models/tiny, compiled by albertc and relinked
// with a fuzzer-instrumented runtime.c, as fuzz_runtime_inputs does) on its
// weights file damaged by the fuzzer: byte edits anywhere (the header's
// magic, fingerprint, size, checksum and reserved words, the tensors) and a
// truncation or extension. The file is written to a memfd and opened through
// /proc/self/fd, so nothing touches the disk.
//
// The oracle: open succeeds exactly when the file's bytes are the original's
// outside the header's reserved words; a refusal is ALBERT_BAD_WEIGHTS with a
// message naming the file; an accepted file runs and gives bitwise the
// original outputs.
//
// Input layout: [size selector: 2 bytes] then edits, each [offset: 4 bytes]
// [length: 1 byte][bytes...]. The size selector keeps the size (0), cuts the
// file to some length, or appends bytes.

#include "fuzz/RtTiny.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {
rt_tiny::Api api;
std::string original;          // the weights file as albertc wrote it
std::vector<float> wantLogits; // its outputs on `ids`
const int32_t ids[6] = {2, 7, 9, 3, 11, 4};
constexpr size_t kReservedBegin = 32, kReservedEnd = 64; // albert_rt_weights_header.reserved

[[noreturn]] void die(const char *what, const char *detail = "") {
  rt_tiny::die("fuzz_weights_open", what, detail);
}

/// Runs `m` on `ids` and returns the logits.
std::vector<float> logitsOf(void *m) {
  if (api.run(m, 1, 6, ids, nullptr, nullptr) != 0) die("run failed:", api.error(m));
  const float *d = nullptr;
  int64_t shape[3];
  int rank = 0;
  if (api.output(m, 0, &d, shape, &rank) != 0) die("output failed:", api.error(m));
  return std::vector<float>(d, d + shape[0] * shape[1] * shape[2]);
}

/// Opens the model on `bytes` written to a memfd: the return code, and the handle on success.
int openOn(const std::string &bytes, void **m) {
  int fd = memfd_create("weights", MFD_CLOEXEC);
  if (fd < 0) die("memfd_create failed");
  if (!bytes.empty() && write(fd, bytes.data(), bytes.size()) != ssize_t(bytes.size()))
    die("memfd write failed");
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  int threads = 1;
  int rc = api.open(path.c_str(), &threads, m);
  close(fd); // a successful open keeps its own descriptor and mapping
  return rc;
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  api = rt_tiny::load("fuzz_weights_open");
  std::ifstream in(rt_tiny::dir() + "/rt_tiny.weights", std::ios::binary);
  original.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (original.size() < kReservedEnd) die("cannot read rt_tiny.weights");
  void *m = nullptr;
  if (openOn(original, &m) != 0) die("the original weights do not open:", api.error(nullptr));
  wantLogits = logitsOf(m);
  api.close(m);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  std::string bytes = original;
  uint16_t sizeSel = uint16_t(data[0] | data[1] << 8);
  if (sizeSel % 4 == 1) bytes.resize(sizeSel / 4 % (bytes.size() + 1)); // cut
  if (sizeSel % 4 == 2) bytes.resize(bytes.size() + 1 + sizeSel / 4 % 4096, char(sizeSel >> 8));
  for (size_t i = 2; i + 5 <= size;) {
    uint32_t offset;
    std::memcpy(&offset, data + i, 4);
    size_t len = data[i + 4];
    i += 5;
    for (size_t k = 0; k < len && i < size; ++k, ++i)
      if (!bytes.empty()) bytes[(offset + k) % bytes.size()] = char(data[i]);
  }
  // Accepted exactly when nothing outside the reserved words differs.
  bool same = bytes.size() == original.size();
  for (size_t k = 0; same && k < bytes.size(); ++k)
    same = bytes[k] == original[k] || (k >= kReservedBegin && k < kReservedEnd);

  void *m = nullptr;
  int rc = openOn(bytes, &m);
  if (!same) {
    if (rc == 0) die("a damaged weights file was accepted");
    if (rc != 3) die("a damaged weights file was not refused as ALBERT_BAD_WEIGHTS:",
                     api.error(nullptr));
    if (!std::strstr(api.error(nullptr), "/proc/self/fd/"))
      die("the refusal does not name the file:", api.error(nullptr));
    if (m) die("a refused open returned a handle");
    return 0;
  }
  if (rc != 0) die("the original weights were refused:", api.error(nullptr));
  if (logitsOf(m) != wantLogits) die("an accepted file gives other outputs");
  api.close(m);
  return 0;
}

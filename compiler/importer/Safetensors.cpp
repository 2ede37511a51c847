//===- Safetensors.cpp - reading model.safetensors ------------------------===//

#include "compiler/importer/Safetensors.h"
#include "compiler/importer/JsonCheck.h"
#include "compiler/importer/ReadFile.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace albertc;
using llvm::Expected;
using llvm::StringRef;

namespace {
llvm::Error fail(StringRef path, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + msg);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { // subnormal: renormalise
      int e = -1;
      do { ++e; man <<= 1; } while (!(man & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
} // namespace

int albertc::dtypeSize(StringRef dtype) {
  return llvm::StringSwitch<int>(dtype)
      .Cases("F64", "I64", "U64", 8)
      .Cases("F32", "I32", "U32", 4)
      .Cases("F16", "BF16", "I16", "U16", 2)
      .Cases("I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", 1)
      .Default(0);
}

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

Expected<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(StringRef path) {
  auto buf = readRegularFile(path);
  if (!buf) return fail(path, llvm::toString(buf.takeError()));
  return fromBuffer(std::move(*buf), path);
}

Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::fromBuffer(std::unique_ptr<llvm::MemoryBuffer> buffer, StringRef path) {
  auto file = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  file->path_ = path.str();
  const uint8_t *bytes = reinterpret_cast<const uint8_t *>(buffer->getBufferStart());
  uint64_t size = buffer->getBufferSize();
  if (size < 8) return fail(path, "truncated: " + llvm::Twine(size) + " bytes, no header");
  uint64_t headerLen = 0;
  for (int i = 7; i >= 0; --i) headerLen = headerLen << 8 | bytes[i];
  if (headerLen > size - 8)
    return fail(path, "header length " + llvm::Twine(headerLen) + " runs past the end of the " +
                          llvm::Twine(size) + "-byte file (truncated?)");
  if (headerLen > (uint64_t(100) << 20))
    return fail(path, "header length " + llvm::Twine(headerLen) + " is implausibly large");
  StringRef header(reinterpret_cast<const char *>(bytes + 8), headerLen);
  // Before the parser: it recurses without limit (a header of '[' overflows
  // the stack) and keeps the last of two tensors of the same name.
  std::string bad = checkJson(header, /*maxDepth=*/16);
  if (!bad.empty()) return fail(path, "header is not valid: " + bad);
  Expected<llvm::json::Value> json = llvm::json::parse(header);
  if (!json) return fail(path, "header is not valid JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *o = json->getAsObject();
  if (!o) return fail(path, "header must be a JSON object");
  file->data_ = bytes + 8 + headerLen;
  file->dataSize_ = size - 8 - headerLen;

  for (const auto &kv : *o) {
    std::string name = kv.first.str();
    if (name == "__metadata__") {
      // The format's metadata: an object of string values (as the reference
      // reader, safetensors, requires); albertc does not use it.
      const llvm::json::Object *meta = kv.second.getAsObject();
      if (!meta) return fail(path, "__metadata__ must be an object of strings");
      for (const auto &m : *meta)
        if (!m.second.getAsString())
          return fail(path, "__metadata__ '" + shownValue(m.first) + "' must be a string");
      continue;
    }
    const std::string shown = shownValue(name); // for messages
    const llvm::json::Object *t = kv.second.getAsObject();
    if (!t) return fail(path, "tensor '" + shown + "': entry must be an object");
    TensorInfo info;
    info.name = name;
    auto dtype = t->getString("dtype");
    if (!dtype) return fail(path, "tensor '" + shown + "': missing dtype");
    info.dtype = dtype->str();
    int esize = dtypeSize(info.dtype);
    if (!esize)
      return fail(path, "tensor '" + shown + "': unknown dtype '" + shownValue(info.dtype) + "'");
    const llvm::json::Array *shape = t->getArray("shape");
    if (!shape) return fail(path, "tensor '" + shown + "': missing shape");
    uint64_t numel = 1;
    for (const llvm::json::Value &d : *shape) {
      llvm::Optional<int64_t> v = jsonInteger(d);
      if (!v || *v < 0 || *v > (int64_t(1) << 40))
        return fail(path, "tensor '" + shown + "': shape entries must be non-negative integers");
      info.shape.push_back(*v);
      if (*v && numel > (uint64_t(1) << 50) / uint64_t(*v))
        return fail(path, "tensor '" + shown + "': shape is implausibly large");
      numel *= uint64_t(*v);
    }
    const llvm::json::Array *offs = t->getArray("data_offsets");
    if (!offs || offs->size() != 2)
      return fail(path, "tensor '" + shown + "': data_offsets must be [begin, end]");
    bool bLimit, eLimit;
    llvm::Optional<int64_t> b = jsonInteger((*offs)[0], &bLimit),
                            e = jsonInteger((*offs)[1], &eLimit);
    if (bLimit || eLimit)
      return fail(path, "tensor '" + shown + "': data_offsets are at or past the 64-bit "
                                             "integer limit");
    if (!b || !e || *b < 0 || *e < *b)
      return fail(path, "tensor '" + shown + "': data_offsets must be 0 <= begin <= end");
    info.begin = uint64_t(*b);
    info.end = uint64_t(*e);
    if (info.end > file->dataSize_)
      return fail(path, "tensor '" + shown + "': data_offsets [" + llvm::Twine(info.begin) +
                            ", " + llvm::Twine(info.end) + "] run past the " +
                            llvm::Twine(file->dataSize_) + " data bytes (truncated file?)");
    if (info.end - info.begin != numel * uint64_t(esize))
      return fail(path, "tensor '" + shown + "': " + llvm::Twine(info.end - info.begin) +
                            " bytes do not match shape and dtype " + info.dtype + " (" +
                            llvm::Twine(numel * esize) + " bytes)");
    file->index_[name] = file->tensors_.size();
    file->tensors_.push_back(std::move(info));
  }

  // Tensors must not share bytes. Against the furthest-reaching tensor so
  // far, not just the previous one: an empty tensor (or a short one) between
  // two overlapping ones must not hide the overlap.
  std::vector<const TensorInfo *> byStart;
  for (const TensorInfo &t : file->tensors_)
    if (t.begin != t.end) byStart.push_back(&t);
  std::sort(byStart.begin(), byStart.end(), [](const TensorInfo *a, const TensorInfo *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->name < b->name;
  });
  const TensorInfo *reach = nullptr;
  for (const TensorInfo *t : byStart) {
    if (reach && t->begin < reach->end)
      return fail(path, "tensors '" + shownValue(reach->name) + "' and '" + shownValue(t->name) +
                            "' overlap in the data section");
    if (!reach || t->end > reach->end) reach = t;
  }
  file->buffer_ = std::move(buffer);
  return std::move(file);
}

const TensorInfo *SafetensorsFile::find(StringRef name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Expected<int64_t> SafetensorsFile::readAsF32(const TensorInfo &t, float *out) const {
  const uint8_t *src = data_ + t.begin;
  int64_t n = t.numElements(), nonFinite = 0;
  if (t.dtype != "F32" && t.dtype != "F16" && t.dtype != "BF16")
    return fail(path_, "tensor '" + t.name + "' has dtype " + t.dtype +
                           "; weights must be F32, F16 or BF16");
  if (n == 0) return 0; // out may be null (an empty vector's data())
  if (t.dtype == "F32") {
    std::memcpy(out, src, size_t(n) * 4);
  } else if (t.dtype == "F16") {
    for (int64_t i = 0; i < n; ++i)
      out[i] = halfToFloat(uint16_t(src[2 * i] | src[2 * i + 1] << 8));
  } else if (t.dtype == "BF16") {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t bits = uint32_t(src[2 * i] | src[2 * i + 1] << 8) << 16;
      std::memcpy(&out[i], &bits, 4);
    }
  }
  for (int64_t i = 0; i < n; ++i) nonFinite += !std::isfinite(out[i]);
  return nonFinite;
}

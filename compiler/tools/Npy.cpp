//===- Npy.cpp - NumPy .npy files for `albertc run` -----------------------===//

#include "compiler/tools/Npy.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>
#include <regex>

using namespace albertc;

static llvm::Error fail(const std::string &path, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + msg);
}

llvm::Error albertc::readNpyInt(const std::string &path, std::vector<int64_t> &shape,
                                std::vector<int32_t> &data) {
  auto buf = llvm::MemoryBuffer::getFile(path, false, false);
  if (!buf) return fail(path, "cannot read: " + buf.getError().message());
  llvm::StringRef bytes = (*buf)->getBuffer();
  if (bytes.size() < 10 || !bytes.startswith("\x93NUMPY"))
    return fail(path, "not a .npy file");
  uint8_t major = uint8_t(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | uint8_t(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return fail(path, "truncated header");
    headerLen = uint32_t(uint8_t(bytes[8]) | uint8_t(bytes[9]) << 8 | uint8_t(bytes[10]) << 16 |
                         uint32_t(uint8_t(bytes[11])) << 24);
    offset = 12;
  } else {
    return fail(path, "unsupported .npy version " + std::to_string(major));
  }
  if (offset + headerLen > bytes.size()) return fail(path, "truncated header");
  std::string header = bytes.substr(offset, headerLen).str();
  std::smatch m;
  if (!std::regex_search(header, m, std::regex("'descr':\\s*'([^']*)'")))
    return fail(path, "header has no descr");
  std::string descr = m[1];
  int width;
  if (descr == "<i4" || descr == "|i4") width = 4;
  else if (descr == "<i8" || descr == "|i8") width = 8;
  else return fail(path, "dtype '" + descr + "' is not int32 or int64");
  if (std::regex_search(header, m, std::regex("'fortran_order':\\s*True")))
    return fail(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
  if (!std::regex_search(header, m, std::regex("'shape':\\s*\\(([^)]*)\\)")))
    return fail(path, "header has no shape");
  shape.clear();
  // "(2, 9)", "(5,)", "()": comma-separated non-negative integers.
  const std::string shapeText = m[1];
  llvm::SmallVector<llvm::StringRef, 4> dims;
  llvm::StringRef(shapeText).split(dims, ',');
  const uint64_t kMaxCount = uint64_t(1) << 34;
  uint64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    llvm::StringRef d = dims[i].trim();
    if (d.empty() && i + 1 == dims.size() && i > 0) break; // the trailing comma of "(5,)"
    if (d.empty() && dims.size() == 1) break;             // "()"
    if (d.empty() || d.find_first_not_of("0123456789") != llvm::StringRef::npos)
      return fail(path, "shape entry '" + d.str() + "' is not a non-negative integer");
    uint64_t v;
    if (d.size() > 12 || d.getAsInteger(10, v)) return fail(path, "shape is implausibly large");
    if (v != 0 && count > kMaxCount / v) return fail(path, "shape is implausibly large");
    count *= v;
    shape.push_back(int64_t(v));
  }
  const char *p = bytes.data() + offset + headerLen;
  size_t avail = bytes.size() - offset - headerLen;
  if (avail < count * width)
    return fail(path, "truncated: " + std::to_string(avail) + " data bytes for " +
                          std::to_string(count) + " values");
  data.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    int64_t v;
    if (width == 4) {
      int32_t x;
      std::memcpy(&x, p + 4 * i, 4);
      v = x;
    } else {
      std::memcpy(&v, p + 8 * i, 8);
    }
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
      return fail(path, "value " + std::to_string(v) + " at index " + std::to_string(i) +
                            " does not fit in int32");
    data[i] = int32_t(v);
  }
  return llvm::Error::success();
}

llvm::Error albertc::writeNpyF32(const std::string &path, const std::vector<int64_t> &shape,
                                 const float *data) {
  std::string dims;
  uint64_t count = 1;
  for (int64_t d : shape) {
    dims += std::to_string(d) + ", ";
    count *= uint64_t(d);
  }
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) return fail(path, "cannot write: " + ec.message());
  os << "\x93NUMPY" << char(1) << char(0) << char(header.size() & 0xff)
     << char((header.size() >> 8) & 0xff) << header;
  os.write(reinterpret_cast<const char *>(data), count * sizeof(float));
  os.close();
  if (os.has_error()) return fail(path, "write failed");
  return llvm::Error::success();
}

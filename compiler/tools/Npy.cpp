//===- Npy.cpp - NumPy .npy files for `albertc run` -----------------------===//

#include "compiler/tools/Npy.h"
#include "compiler/importer/JsonCheck.h"
#include "compiler/importer/ReadFile.h"
#include "compiler/importer/WriteFile.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace albertc;

static llvm::Error fail(const std::string &path, const std::string &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), path + ": " + msg);
}

namespace {
/// Text from the file as a message shows it: escaped (one line), cut at 40.
std::string shown(llvm::StringRef text) { return shownValue(text, 40); }

/// The header of a .npy file: a Python dict literal such as
/// {'descr': '<i4', 'fortran_order': False, 'shape': (2, 9), }
/// with exactly these three keys (either quote style), as numpy writes it.
/// A small recursive-descent parser: no regular expressions (libstdc++'s
/// recurse once per character and overflow the stack on long headers).
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
public:
  explicit HeaderParser(llvm::StringRef text) : s(text) {}

  /// Empty on success, else what is wrong.
  std::string parse(NpyHeader &h) {
    bool seenDescr = false, seenOrder = false, seenShape = false;
    skipSpace();
    if (!eat('{')) return "header is not a dict";
    while (true) {
      skipSpace();
      if (eat('}')) break;
      std::string key;
      if (!string(key)) return "header has a malformed key";
      skipSpace();
      if (!eat(':')) return "header: no ':' after '" + shown(key) + "'";
      skipSpace();
      if (key == "descr") {
        if (seenDescr) return "header repeats 'descr'";
        seenDescr = true;
        if (!string(h.descr)) return "header: 'descr' is not a string";
      } else if (key == "fortran_order") {
        if (seenOrder) return "header repeats 'fortran_order'";
        seenOrder = true;
        if (s.consume_front("True")) h.fortranOrder = true;
        else if (s.consume_front("False")) h.fortranOrder = false;
        else return "header: 'fortran_order' is not True or False";
      } else if (key == "shape") {
        if (seenShape) return "header repeats 'shape'";
        seenShape = true;
        std::string err = shape(h.shape);
        if (!err.empty()) return err;
      } else {
        return "header has an unexpected key '" + shown(key) + "'";
      }
      skipSpace();
      if (eat(',')) continue;
      if (eat('}')) break;
      return "header: expected ',' or '}' after '" + shown(key) + "'";
    }
    skipSpace();
    if (!s.empty()) return "header has bytes after its dict";
    if (!seenDescr) return "header has no descr";
    if (!seenOrder) return "header has no fortran_order";
    if (!seenShape) return "header has no shape";
    return "";
  }

private:
  llvm::StringRef s;

  void skipSpace() { s = s.ltrim(" \t\n\r"); }
  bool eat(char c) { return s.consume_front(llvm::StringRef(&c, 1)); }

  /// '...' or "..." without escapes.
  bool string(std::string &out) {
    if (s.empty() || (s[0] != '\'' && s[0] != '"')) return false;
    char q = s[0];
    size_t end = s.find(q, 1);
    if (end == llvm::StringRef::npos) return false;
    llvm::StringRef body = s.slice(1, end);
    if (body.contains('\\')) return false;
    out = body.str();
    s = s.drop_front(end + 1);
    return true;
  }

  /// "(2, 9)", "(5,)", "()": non-negative integers, at most 2^34 values.
  std::string shape(std::vector<int64_t> &dims) {
    if (!eat('(')) return "header: 'shape' is not a tuple";
    const uint64_t kMaxCount = uint64_t(1) << 34;
    uint64_t count = 1;
    dims.clear();
    while (true) {
      skipSpace();
      if (eat(')')) return "";
      size_t n = s.find_first_of(",)");
      if (n == llvm::StringRef::npos) return "header: 'shape' has no ')'";
      llvm::StringRef d = s.take_front(n).rtrim(" \t\n\r");
      if (d.empty() || d.find_first_not_of("0123456789") != llvm::StringRef::npos)
        return "shape entry '" + shown(d) + "' is not a non-negative integer";
      uint64_t v;
      if (d.size() > 12 || d.getAsInteger(10, v)) return "shape is implausibly large";
      s = s.drop_front(d.size());
      if (v != 0 && count > kMaxCount / v) return "shape is implausibly large";
      count *= v;
      dims.push_back(int64_t(v));
      skipSpace();
      if (eat(')')) return "";
      if (!eat(',')) return "header: 'shape' entries must be separated by ','";
    }
  }
};
} // namespace

llvm::Error albertc::readNpyInt(const std::string &path, std::vector<int64_t> &shape,
                                std::vector<int32_t> &data) {
  auto buf = readRegularFile(path);
  if (!buf) return fail(path, llvm::toString(buf.takeError()));
  return parseNpyInt((*buf)->getBuffer(), path, shape, data);
}

llvm::Error albertc::parseNpyInt(llvm::StringRef bytes, const std::string &path,
                                 std::vector<int64_t> &shape, std::vector<int32_t> &data) {
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
  // numpy's own reader refuses headers over 10000 bytes (np.load's
  // max_header_size); an integer array's is under 128.
  const size_t kMaxHeader = 10000;
  if (headerLen > kMaxHeader)
    return fail(path, "header is " + std::to_string(headerLen) + " bytes (at most " +
                          std::to_string(kMaxHeader) + ")");
  if (offset + headerLen > bytes.size()) return fail(path, "truncated header");
  NpyHeader h;
  std::string err = HeaderParser(bytes.substr(offset, headerLen)).parse(h);
  if (!err.empty()) return fail(path, err);
  int width;
  if (h.descr == "<i4" || h.descr == "|i4") width = 4;
  else if (h.descr == "<i8" || h.descr == "|i8") width = 8;
  else return fail(path, "dtype '" + shown(h.descr) + "' is not int32 or int64");
  if (h.fortranOrder)
    return fail(path, "Fortran-order arrays are not supported; save with np.ascontiguousarray");
  shape = h.shape;
  uint64_t count = 1;
  for (int64_t d : shape) count *= uint64_t(d);
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
  return checkWritten(os, path);
}

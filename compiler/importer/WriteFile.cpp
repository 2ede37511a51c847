//===- WriteFile.cpp - writing an output file, every byte checked ---------===//

#include "compiler/importer/WriteFile.h"

using namespace albertc;

static llvm::Error cannotWrite(const llvm::Twine &name, const std::string &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": cannot write: " + why);
}

llvm::Error albertc::checkWritten(llvm::raw_fd_ostream &os, const llvm::Twine &name) {
  os.flush();
  if (!os.has_error()) return llvm::Error::success();
  std::string why = os.error().message();
  os.clear_error();
  return cannotWrite(name, why);
}

llvm::Error albertc::writeFile(llvm::StringRef path, llvm::StringRef bytes) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) return cannotWrite(path, ec.message());
  os << bytes;
  os.close();
  return checkWritten(os, path);
}

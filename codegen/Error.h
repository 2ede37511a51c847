//===- Error.h - the codegen files' error helper -----------------*- C++ -*-===//
#ifndef ALBERTC_CODEGEN_ERROR_H
#define ALBERTC_CODEGEN_ERROR_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace albertc {
namespace codegen {

/// An error carrying `msg` alone: albertc prints it after "albertc: error: ".
inline llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_ERROR_H

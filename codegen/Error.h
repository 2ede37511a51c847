//===- Error.h - the codegen files' error helper -----------------*- C++ -*-===//
#ifndef ALBERTC_CODEGEN_ERROR_H
#define ALBERTC_CODEGEN_ERROR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace albertc {
namespace codegen {

/// An error carrying `msg` alone: albertc prints it after "albertc: error: ".
inline llvm::Error err(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// A Halide::Error's what() as a codegen error. Halide compiles on a stack
/// it maps itself and reports a failed mmap (a memory limit: ulimit -v) as
/// an internal error of the mprotect that follows; that one is said as out
/// of memory.
inline llvm::Error halideError(llvm::StringRef what) {
  if (what.contains("mprotect failed"))
    return err("codegen: out of memory: Halide could not map the stack it compiles on (a "
               "memory limit such as ulimit -v?)");
  return err("codegen: Halide: " + what);
}

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_ERROR_H

//===- GeneratedC.h - the C a library is built from --------------*- C++ -*-===//
//
// Two texts per library: <name>_model.c (the model's tables, forward() and
// the public <name>_* entry points, compiled and linked with the kernels and
// the runtime) and <name>.h, the header applications include.
//
//===----------------------------------------------------------------------===//
#ifndef ALBERTC_CODEGEN_GENERATEDC_H
#define ALBERTC_CODEGEN_GENERATEDC_H

#include "codegen/Plan.h"

#include <cstdint>
#include <string>

namespace albertc {
namespace codegen {

/// <name>_model.c. `fingerprint`, `checksum` and `fileSize` are the weights
/// file's (checked at open); `spieceSize` the SentencePiece model's bytes (0:
/// no tokenizer).
std::string modelSource(const Plan &plan, const LibraryOptions &opts, uint64_t fingerprint,
                        uint64_t checksum, uint64_t fileSize, uint64_t spieceSize);

/// <name>.h.
std::string publicHeader(const Plan &plan, const LibraryOptions &opts);

} // namespace codegen
} // namespace albertc

#endif // ALBERTC_CODEGEN_GENERATEDC_H

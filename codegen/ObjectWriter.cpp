//===- ObjectWriter.cpp - Halide pipelines -> object files -----------------===//

#include "codegen/ObjectWriter.h"

#include "codegen/Error.h"
#include "compiler/importer/WriteFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

namespace albertc {
namespace codegen {

namespace {
/// Halide 14 lowers every prefetch to llvm.prefetch with locality 0
/// (prefetchnta), which keeps the line out of L2 and loses it before use
/// when fetched a whole weight panel ahead (Matmul.cpp, prefetchNextPanel;
/// a standalone 32 x 2304 x 768 GEMM on 1 thread: 140 GFLOP/s without
/// prefetch, 68 with prefetchnta, 160 with prefetcht1). Rewrites the
/// locality to 2 (prefetcht1: into L2).
void retargetPrefetches(llvm::Module &m) {
  for (llvm::Function &f : m)
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb)
        if (auto *call = llvm::dyn_cast<llvm::IntrinsicInst>(&i))
          if (call->getIntrinsicID() == llvm::Intrinsic::prefetch)
            call->setArgOperand(2, llvm::ConstantInt::get(call->getArgOperand(2)->getType(), 2));
}

/// Gives every function and variable a kernel object defines hidden
/// visibility: only the generated <name>_* API (<name>_model.c) calls them,
/// so neither lib<name>.so (its version script exports <name>_*, which the
/// kernels' names match too) nor a shared library linked from lib<name>.a
/// exports them.
void hideDefinitions(llvm::Module &m) {
  for (llvm::GlobalValue &g : m.global_values())
    if (!g.isDeclaration() && !g.hasLocalLinkage())
      g.setVisibility(llvm::GlobalValue::HiddenVisibility);
}

/// The Halide buffer a load or store accesses, from the TBAA tag Halide
/// gives it (root "Halide buffer", then the buffer, then index ranges), or "".
llvm::StringRef tbaaBuffer(const llvm::Instruction &i) {
  const llvm::MDNode *tag = i.getMetadata(llvm::LLVMContext::MD_tbaa);
  if (!tag || tag->getNumOperands() < 1) return "";
  const auto *node = llvm::dyn_cast<llvm::MDNode>(tag->getOperand(0));
  while (node && node->getNumOperands() >= 2) {
    const auto *parent = llvm::dyn_cast<llvm::MDNode>(node->getOperand(1));
    if (!parent) return "";
    if (parent->getNumOperands() == 1) { // the root
      const auto *name = llvm::dyn_cast<llvm::MDString>(node->getOperand(0));
      return name ? name->getString() : "";
    }
    node = parent;
  }
  return "";
}

/// Makes the vector stores into `buffer` non-temporal (movntps: the lines go
/// to memory without a read for ownership and without displacing the caches;
/// LLVM splits or scalarizes those it cannot prove aligned) and ends each
/// function that has them with an sfence, so that they are visible before
/// the thread reports its task done.
unsigned streamOutputStores(llvm::Module &m, llvm::StringRef buffer) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::MDNode *one = llvm::MDNode::get(
      ctx, llvm::ConstantAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), 1)));
  unsigned marked = 0;
  for (llvm::Function &f : m) {
    bool any = false;
    for (llvm::BasicBlock &bb : f)
      for (llvm::Instruction &i : bb)
        if (auto *st = llvm::dyn_cast<llvm::StoreInst>(&i))
          if (st->getValueOperand()->getType()->isVectorTy() && tbaaBuffer(*st) == buffer) {
            st->setMetadata(llvm::LLVMContext::MD_nontemporal, one);
            any = true;
            ++marked;
          }
    if (!any) continue;
    for (llvm::BasicBlock &bb : f)
      if (auto *ret = llvm::dyn_cast<llvm::ReturnInst>(bb.getTerminator()))
        llvm::IRBuilder<>(ret).CreateIntrinsic(llvm::Intrinsic::x86_sse_sfence, {}, {});
  }
  return marked;
}

/// Writes `ir` as an object file with writeFile: the file streams of
/// Halide's compile_* functions end the process on a write error ("IO
/// failure on output stream", a full disk), leaving the staging folder.
llvm::Error writeObject(llvm::Module &ir, const std::string &path) {
  llvm::SmallString<0> bytes;
  llvm::raw_svector_ostream os(bytes);
  Halide::compile_llvm_module_to_object(ir, os);
  return writeFile(path, bytes);
}
} // namespace

llvm::Error compileObjects(Plan &plan, const LibraryOptions &opts, const std::string &dir,
                           std::vector<std::string> &objects) {
  Halide::Target kt = opts.target.with_feature(Halide::Target::NoRuntime);
  try {
    for (CompiledKernel &k : plan.kernels) {
      std::string path = dir + "/" + k.function + ".o";
      if (opts.progress) opts.progress("  kernel " + k.function + " (Halide -> " + k.function + ".o)");
      Halide::Module module = k.pipeline.compile_to_module(k.arguments, k.function, kt);
      llvm::LLVMContext context;
      std::unique_ptr<llvm::Module> ir = Halide::compile_module_to_llvm_module(module, context);
      retargetPrefetches(*ir);
      hideDefinitions(*ir);
      if (k.streamOutput && !streamOutputStores(*ir, k.pipeline.outputs()[0].name()))
        return err("codegen: " + k.function + ": found no stores to its output to stream");
      if (auto e = writeObject(*ir, path)) return e;
      objects.push_back(path);
    }
    std::string rt = dir + "/" + opts.name + "_halide_runtime.o";
    if (opts.progress) opts.progress("  Halide runtime (" + opts.name + "_halide_runtime.o)");
    // What Halide::compile_standalone_runtime writes, through writeObject.
    Halide::Module runtime(opts.name + "_halide_runtime",
                           opts.target.without_feature(Halide::Target::NoRuntime)
                               .without_feature(Halide::Target::JIT));
    llvm::LLVMContext context;
    if (auto e = writeObject(*Halide::compile_module_to_llvm_module(runtime, context), rt)) return e;
    objects.push_back(rt);
  } catch (const Halide::Error &e) {
    return halideError(e.what());
  }
  return llvm::Error::success();
}

} // namespace codegen
} // namespace albertc

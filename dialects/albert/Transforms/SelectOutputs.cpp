//===- SelectOutputs.cpp - albert-select-outputs --------------------------===//
//
// Keeps the outputs a task asks for, erases what only fed the others, and
// drops the albert.param declarations nothing reads any more.
//
//===----------------------------------------------------------------------===//

#include "dialects/albert/Transforms/PassDetail.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::albert;

namespace {
struct SelectOutputsPass : public SelectOutputsBase<SelectOutputsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (outputs.empty()) return;
    for (FuncOp func : module.getOps<FuncOp>())
      if (failed(selectIn(func))) return signalPassFailure();
    eraseUnreadParams(module);
  }

  LogicalResult selectIn(FuncOp func) {
    Attribute attr = func->getAttr(kOutputNamesAttr);
    if (!attr || func.isExternal()) return success();
    auto names = attr.dyn_cast<ArrayAttr>();
    if (!names || names.size() != func.getNumResults() ||
        !llvm::all_of(names, [](Attribute a) { return a.isa<StringAttr>(); }))
      return func.emitError() << kOutputNamesAttr << " must name each of the "
                              << func.getNumResults() << " results with a string";
    llvm::DenseSet<Attribute> seen;
    for (Attribute a : names)
      if (!seen.insert(a).second)
        return func.emitError() << kOutputNamesAttr << " names '"
                                << a.cast<StringAttr>().getValue() << "' twice";
    // The outputs are what the return returns: one block, ending in it.
    if (!llvm::hasSingleElement(func.getBody()))
      return func.emitError() << "a function with " << kOutputNamesAttr
                              << " must have one block";
    auto ret = dyn_cast<ReturnOp>(func.getBody().front().getTerminator());
    if (!ret) return func.emitError() << "a function with " << kOutputNamesAttr
                                      << " must end in a return";
    SmallVector<Value> kept;
    SmallVector<Attribute> keptNames;
    llvm::StringSet<> asked;
    for (const std::string &want : outputs)
      if (!asked.insert(want).second)
        return func.emitError() << "output '" << want << "' is asked for twice";
    for (const std::string &want : outputs) {
      auto it = llvm::find_if(names, [&](Attribute a) {
        return a.cast<StringAttr>().getValue() == want;
      });
      if (it == names.end()) {
        std::string have;
        for (Attribute a : names)
          have += (have.empty() ? "" : ", ") + a.cast<StringAttr>().getValue().str();
        return func.emitError() << "output '" << want << "' is not computed by this model"
                                << " (it has: " << have << ")";
      }
      kept.push_back(ret.getOperand(it - names.begin()));
      keptNames.push_back(*it);
    }
    OpBuilder b(ret);
    b.create<ReturnOp>(ret.getLoc(), kept);
    ret.erase();
    func.setType(FunctionType::get(func.getContext(), func.getType().getInputs(),
                                   ValueRange(kept).getTypes()));
    func->setAttr(kOutputNamesAttr, b.getArrayAttr(keptNames));

    // Erase what nothing uses now, last op first so producers follow users.
    SmallVector<Operation *> ops;
    for (Operation &op : func.getBody().front().without_terminator()) ops.push_back(&op);
    for (Operation *op : llvm::reverse(ops))
      if (isOpTriviallyDead(op)) op->erase();
    return success();
  }

  static void eraseUnreadParams(ModuleOp module) {
    llvm::DenseSet<Attribute> read;
    module.walk([&](ParamRefOp ref) { read.insert(ref.paramAttr().getAttr()); });
    for (ParamOp p : llvm::make_early_inc_range(module.getOps<ParamOp>()))
      if (!read.count(p.sym_nameAttr())) p.erase();
  }
};
} // namespace

std::unique_ptr<OperationPass<ModuleOp>> mlir::albert::createSelectOutputsPass() {
  return std::make_unique<SelectOutputsPass>();
}

//===- Passes.td - albert dialect passes -------------------*- tablegen -*-===//
//
// Each pass: flag albert-<verb>-<noun>, file <VerbNoun>.cpp, test
// tests/ir/passes/<verb>_<noun>.mlir.
//
//===----------------------------------------------------------------------===//

#ifndef ALBERT_PASSES_TD
#define ALBERT_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectOutputs : Pass<"albert-select-outputs", "ModuleOp"> {
  let summary = "keeps only the outputs a task needs and erases what computed the rest";
  let description = [{
    The importer returns every output the checkpoint's weights allow
    (last_hidden_state, pooler_output, and its heads' logits, sop_logits or
    start_logits / end_logits). This pass keeps
    the ones named in `outputs`, in that order, and erases the ops that only
    fed the others; `albert.output_names` is updated to match. It is an error
    to ask for an output the function does not return.

    Before (outputs=logits):
    ```mlir
    func @forward(...) -> (tensor<?x?x32xf32>, tensor<?x32xf32>, tensor<?x?x50xf32>)
        attributes {albert.output_names = ["last_hidden_state", "pooler_output", "logits"]} {
      ...
      %p = albert.pooler %h, %pw, %pb : ...
      %l = albert.mlm_head %h, ... : ...
      return %h, %p, %l : ...
    }
    ```
    After:
    ```mlir
    func @forward(...) -> tensor<?x?x50xf32>
        attributes {albert.output_names = ["logits"]} {
      ...
      %l = albert.mlm_head %h, ... : ...
      return %l : tensor<?x?x50xf32>
    }
    ```
  }];
  let constructor = "mlir::albert::createSelectOutputsPass()";
  let options = [
    ListOption<"outputs", "outputs", "std::string",
               "names of the outputs to keep, in order",
               "llvm::cl::ZeroOrMore, llvm::cl::MiscFlags::CommaSeparated">
  ];
}

def FoldSharedLayers : Pass<"albert-fold-shared-layers", "FuncOp"> {
  let summary = "folds repeated applications of shared layer weights into albert.repeat";
  let description = [{
    The importer emits one `albert.encoder_layer` per layer application
    (num_hidden_layers x inner_group_num of them). ALBERT shares weights
    across them: with G groups and I inner layers, layer i runs group
    int(i / (L / G)), whose I layers run in order. This pass finds, along the
    chain of layers, the longest runs of a repeating body (a sequence of
    weight sets applied again and again) and replaces each run by one
    `albert.repeat` whose body holds one copy of that sequence.

    Before (L = 3, G = 1, I = 1):
    ```mlir
    %1 = albert.encoder_layer %0, %mask, %w... : ...
    %2 = albert.encoder_layer %1, %mask, %w... : ...
    %3 = albert.encoder_layer %2, %mask, %w... : ...
    ```
    After:
    ```mlir
    %3 = albert.repeat 3 %0 : tensor<?x?x32xf32> {
    ^bb0(%h: tensor<?x?x32xf32>):
      %1 = albert.encoder_layer %h, %mask, %w... : ...
      albert.yield %1 : tensor<?x?x32xf32>
    }
    ```
    With G = 2, L = 4, I = 1 (weights A A B B) it makes two repeats of 2;
    with G = 1, I = 2 (A B A B ...) one repeat whose body is A then B.
  }];
  let constructor = "mlir::albert::createFoldSharedLayersPass()";
}

def FuseEmbeddingProjection : Pass<"albert-fuse-embedding-projection", "FuncOp"> {
  let summary = "fuses albert.embeddings with the E->H projection that follows";
  let description = [{
    Before:
    ```mlir
    %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64} : ...
    %h = albert.linear %e, %pw, %pb : ...
    ```
    After:
    ```mlir
    %h = albert.fused_embedding %ids, %tt, %word, %pos, %type, %g, %b, %pw, %pb
         {eps = 1.0e-12 : f64} : ...
    ```
    Only when the embedding output has no other user.
  }];
  let constructor = "mlir::albert::createFuseEmbeddingProjectionPass()";
}

def LowerToKernels : Pass<"albert-lower-to-kernels", "FuncOp"> {
  let summary = "turns each model-level op into an albert.kernel of kernel-level ops";
  let description = [{
    Each model-level op becomes one `albert.kernel` region, isolated from
    above, holding the kernel-level ops it is made of. An encoder layer
    becomes one matmul for q, k and v together (its weight is an
    albert.concat of the three, made outside the kernel and evaluated when
    the weights are packed), attention, a matmul, add_layer_norm, a matmul,
    an activation, a matmul and add_layer_norm: the fusion passes that
    follow merge these.

    Before:
    ```mlir
    %p = albert.pooler %h, %w, %b : ...
    ```
    After:
    ```mlir
    %p = albert.kernel "pooler" (%h, %w, %b) : (...) -> tensor<?x32xf32> {
    ^bb0(%x: tensor<?x?x32xf32>, %w0: tensor<32x32xf32>, %b0: tensor<32xf32>):
      %c = albert.gather_cls %x : ...
      %m = albert.matmul %c, %w0, %b0 {activation = "none"} : ...
      %t = albert.activation %m {kind = "tanh"} : tensor<?x32xf32>
      albert.yield %t : tensor<?x32xf32>
    }
    ```
  }];
  let constructor = "mlir::albert::createLowerToKernelsPass()";
}

def FuseBiasActivation : Pass<"albert-fuse-bias-activation", "FuncOp"> {
  let summary = "folds an albert.activation into the albert.matmul that feeds it";
  let description = [{
    Before:
    ```mlir
    %m = albert.matmul %x, %w, %b {activation = "none"} : ...
    %y = albert.activation %m {kind = "gelu_new"} : tensor<?x?x64xf32>
    ```
    After:
    ```mlir
    %y = albert.matmul %x, %w, %b {activation = "gelu_new"} : ...
    ```
    Only when the matmul has no other user and no activation yet.
  }];
  let constructor = "mlir::albert::createFuseBiasActivationPass()";
}

def FuseResidualLayerNorm : Pass<"albert-fuse-residual-layer-norm", "FuncOp"> {
  let summary = "folds add_layer_norm into the matmul that feeds it";
  let description = [{
    Before:
    ```mlir
    %m = albert.matmul %x, %w, %b {activation = "none"} : ...
    %y = albert.add_layer_norm %m, %h, %g, %beta {eps = 1.0e-12 : f64} : ...
    ```
    After:
    ```mlir
    %y = albert.matmul_add_layer_norm %x, %w, %b, %h, %g, %beta {eps = 1.0e-12 : f64} : ...
    ```
    Only when the matmul has no activation and no other user.
  }];
  let constructor = "mlir::albert::createFuseResidualLayerNormPass()";
}

#endif // ALBERT_PASSES_TD

// RUN: albert-opt --albert-select-outputs=outputs=logits %s | FileCheck %s --check-prefix=LOGITS
// RUN: albert-opt --albert-select-outputs=outputs=pooler_output,last_hidden_state %s | FileCheck %s --check-prefix=POOL

// KNOWN BUG: albert-select-outputs crashes (use after free) as soon as it
// erases an op: SelectOutputs.cpp erases `op` while iterating
// make_early_inc_range(llvm::reverse(body.without_terminator())), whose
// line once that loop is fixed.

// Tests that albert-select-outputs erases the ops that only fed the dropped
// outputs (and their param_refs), then the albert.params nothing reads any
// more, while a param still read by a kept op (@b, read by the pooler and the
// linear) stays.

// LOGITS-NOT:  albert.param @pw
// LOGITS:      albert.param @b :
// LOGITS-NOT:  albert.param @pw
// LOGITS:      albert.param @dw :
// LOGITS-NOT:  albert.param @unused
// LOGITS-LABEL: func @forward
// LOGITS-SAME:   -> tensor<?x?x10xf32>
// LOGITS-SAME:   attributes {albert.output_names = ["logits"]}
// LOGITS:        %[[X:.*]] = albert.linear
// LOGITS-NOT:    albert.param_ref @pw
// LOGITS-NOT:    albert.pooler
// LOGITS:        %[[L:.*]] = albert.mlm_head %[[X]],
// LOGITS-NEXT:   return %[[L]] : tensor<?x?x10xf32>

// POOL:         albert.param @w :
// POOL:         albert.param @b :
// POOL:         albert.param @pw :
// POOL-NOT:     albert.param @dw
// POOL-NOT:     albert.param @word
// POOL-LABEL:  func @forward
// POOL-SAME:     -> (tensor<?x8xf32>, tensor<?x?x8xf32>)
// POOL-SAME:     attributes {albert.output_names = ["pooler_output", "last_hidden_state"]}
// POOL:          %[[X:.*]] = albert.linear
// POOL:          %[[P:.*]] = albert.pooler %[[X]],
// POOL-NOT:      albert.param_ref @dw
// POOL-NOT:      albert.mlm_head
// POOL:          return %[[P]], %[[X]] : tensor<?x8xf32>, tensor<?x?x8xf32>

albert.param @w : tensor<8x8xf32> {source = "w", dtype = "F32"}
albert.param @b : tensor<8xf32> {source = "b", dtype = "F32"}
albert.param @pw : tensor<8x8xf32> {source = "pw", dtype = "F32"}
albert.param @dw : tensor<4x8xf32> {source = "dw", dtype = "F32"}
albert.param @db : tensor<4xf32> {source = "db", dtype = "F32"}
albert.param @g : tensor<4xf32> {source = "g", dtype = "F32"}
albert.param @beta : tensor<4xf32> {source = "beta", dtype = "F32"}
albert.param @word : tensor<10x4xf32> {source = "word", dtype = "F32"}
albert.param @bias : tensor<10xf32> {source = "bias", dtype = "F32"}
albert.param @unused : tensor<8xf32> {source = "unused", dtype = "F32"}
func @forward(%h: tensor<?x?x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x10xf32>)
    attributes {albert.output_names = ["last_hidden_state", "pooler_output", "logits"]} {
  %w = albert.param_ref @w : tensor<8x8xf32>
  %b = albert.param_ref @b : tensor<8xf32>
  %x = albert.linear %h, %w, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %pw = albert.param_ref @pw : tensor<8x8xf32>
  %p = albert.pooler %x, %pw, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %dw = albert.param_ref @dw : tensor<4x8xf32>
  %db = albert.param_ref @db : tensor<4xf32>
  %g = albert.param_ref @g : tensor<4xf32>
  %beta = albert.param_ref @beta : tensor<4xf32>
  %word = albert.param_ref @word : tensor<10x4xf32>
  %bias = albert.param_ref @bias : tensor<10xf32>
  %l = albert.mlm_head %x, %dw, %db, %g, %beta, %word, %bias {eps = 1.0e-12 : f64, activation = "gelu_new"}
      : (tensor<?x?x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>,
         tensor<10x4xf32>, tensor<10xf32>) -> tensor<?x?x10xf32>
  return %x, %p, %l : tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x10xf32>
}


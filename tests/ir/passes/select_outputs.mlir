// RUN: albert-opt --split-input-file --albert-select-outputs=outputs=logits,pooler_output,last_hidden_state %s | FileCheck %s --check-prefix=REORDER
// RUN: albert-opt --split-input-file --albert-select-outputs %s | FileCheck %s --check-prefix=ALL

// The cases where albert-select-outputs erases dead ops are in
// select_outputs_dead_code.mlir, marked XFAIL while the pass crashes there.

// Tests that albert-select-outputs returns the named outputs in the order
// asked, updating the function type and albert.output_names, and erases the
// albert.params nothing reads (@unused); without `outputs` it changes nothing.

// REORDER-NOT:  albert.param @unused
// REORDER-COUNT-9: albert.param @
// REORDER-NOT:  albert.param @unused
// REORDER-LABEL: func @forward
// REORDER-SAME:   -> (tensor<?x?x10xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>)
// REORDER-SAME:   attributes {albert.output_names = ["logits", "pooler_output", "last_hidden_state"]}
// REORDER:        %[[X:.*]] = albert.linear
// REORDER:        %[[P:.*]] = albert.pooler %[[X]],
// REORDER:        %[[L:.*]] = albert.mlm_head %[[X]],
// REORDER-NEXT:   return %[[L]], %[[P]], %[[X]] : tensor<?x?x10xf32>, tensor<?x8xf32>, tensor<?x?x8xf32>

// ALL-COUNT-10: albert.param @
// ALL-LABEL:   func @forward
// ALL-SAME:      -> (tensor<?x?x8xf32>, tensor<?x8xf32>, tensor<?x?x10xf32>)
// ALL-SAME:      attributes {albert.output_names = ["last_hidden_state", "pooler_output", "logits"]}
// ALL:           albert.pooler
// ALL:           albert.mlm_head
// ALL:           return %{{.*}}, %{{.*}}, %{{.*}} :

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

// -----

// Tests that albert-select-outputs leaves alone a function without
// albert.output_names, even when `outputs` names something it lacks.

// REORDER-LABEL: func @helper
// REORDER-SAME:    -> (tensor<?x8xf32>, tensor<?x8xf32>)
// REORDER:         return %{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?x8xf32>
func @helper(%a: tensor<?x8xf32>, %b: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  return %a, %b : tensor<?x8xf32>, tensor<?x8xf32>
}

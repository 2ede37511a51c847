// RUN: albert-opt --split-input-file --albert-fuse-residual-layer-norm %s | FileCheck %s

// Made-up sizes: H = 8, F = 16. !mm is the type of the F -> H albert.matmul
// and !ln of the albert.add_layer_norm over H.

// Tests that albert.add_layer_norm whose input is an albert.matmul without
// epilogue (and with no other user) becomes one albert.matmul_add_layer_norm
// taking the matmul's operands, then the residual, LayerNorm weight and bias,
// with the LayerNorm's eps.

!mm = type (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
!ln = type (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @fuses
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x?x16xf32>, %[[W:[^:]*]]: tensor<8x16xf32>, %[[B:[^:]*]]: tensor<8xf32>, %[[H:[^:]*]]: tensor<?x?x8xf32>, %[[G:[^:]*]]: tensor<8xf32>, %[[BETA:[^:]*]]: tensor<8xf32>)
// CHECK-NEXT:    %[[Y:.*]] = albert.matmul_add_layer_norm %[[X]], %[[W]], %[[B]], %[[H]], %[[G]], %[[BETA]] {eps = 2.500000e-01 : f64}
// CHECK-SAME:      -> tensor<?x?x8xf32>
// CHECK-NEXT:    return %[[Y]]
func @fuses(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>, %h: tensor<?x?x8xf32>,
            %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.add_layer_norm %m, %h, %g, %beta {eps = 0.25 : f64} : !ln
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that both residual LayerNorms of a lowered encoder layer body are
// fused, the second one taking the first fused op as its residual, while the
// ffn matmul (which has a gelu epilogue) stays a plain matmul.

!ln = type (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @in_kernel
// CHECK:         ^bb0(%[[X:[^:]*]]: tensor<?x?x8xf32>,
// CHECK-NEXT:      %[[A:.*]] = albert.matmul_add_layer_norm %[[X]], {{.*}}, %[[X]], {{.*}} : (tensor<?x?x8xf32>, tensor<8x8xf32>,
// CHECK-NEXT:      %[[F:.*]] = albert.matmul %[[A]], {{.*}} {activation = "gelu"}
// CHECK-NEXT:      %[[O:.*]] = albert.matmul_add_layer_norm %[[F]], {{.*}}, %[[A]], {{.*}} : (tensor<?x?x16xf32>, tensor<8x16xf32>,
// CHECK-NEXT:      albert.yield %[[O]]
// CHECK-NOT:     albert.add_layer_norm
func @in_kernel(%h: tensor<?x?x8xf32>, %wo: tensor<8x8xf32>, %b: tensor<8xf32>, %wf: tensor<16x8xf32>,
                %bf: tensor<16xf32>, %wfo: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %k = albert.kernel "encoder_tail" (%h, %wo, %b, %wf, %bf, %wfo)
      : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>, %wo0: tensor<8x8xf32>, %b0: tensor<8xf32>, %wf0: tensor<16x8xf32>, %bf0: tensor<16xf32>, %wfo0: tensor<8x16xf32>):
    %d = albert.matmul %x, %wo0, %b0 {activation = "none"} : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %a = albert.add_layer_norm %d, %x, %b0, %b0 {eps = 1.0e-12 : f64} : !ln
    %f = albert.matmul %a, %wf0, %bf0 {activation = "gelu"} : (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
    %fo = albert.matmul %f, %wfo0, %b0 {activation = "none"} : (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
    %o = albert.add_layer_norm %fo, %a, %b0, %b0 {eps = 1.0e-12 : f64} : !ln
    albert.yield %o : tensor<?x?x8xf32>
  }
  return %k : tensor<?x?x8xf32>
}

// -----

// Tests that nothing is fused when the matmul has an activation: the
// LayerNorm must see act(x W^T + b), which the fused op does not compute.

!mm = type (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
!ln = type (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @has_activation
// CHECK-NOT:     albert.matmul_add_layer_norm
// CHECK:         %[[M:.*]] = albert.matmul {{.*}} {activation = "relu"}
// CHECK-NEXT:    %[[Y:.*]] = albert.add_layer_norm %[[M]],
// CHECK-NEXT:    return %[[Y]]
func @has_activation(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>, %h: tensor<?x?x8xf32>,
                     %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %m = albert.matmul %x, %w, %b {activation = "relu"} : !mm
  %y = albert.add_layer_norm %m, %h, %g, %beta {eps = 1.0e-12 : f64} : !ln
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that nothing is fused when the matmul's result has another user.

!mm = type (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
!ln = type (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @second_user
// CHECK-NOT:     albert.matmul_add_layer_norm
// CHECK:         %[[M:.*]] = albert.matmul {{.*}} {activation = "none"}
// CHECK-NEXT:    %[[Y:.*]] = albert.add_layer_norm %[[M]],
// CHECK-NEXT:    return %[[Y]], %[[M]]
func @second_user(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>, %h: tensor<?x?x8xf32>,
                  %g: tensor<8xf32>, %beta: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.add_layer_norm %m, %h, %g, %beta {eps = 1.0e-12 : f64} : !ln
  return %y, %m : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Tests that nothing is fused when the matmul is both the input and the
// residual (two uses of one value).

!mm = type (tensor<?x?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
!ln = type (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @input_and_residual
// CHECK-NOT:     albert.matmul_add_layer_norm
// CHECK:         %[[M:.*]] = albert.matmul
// CHECK-NEXT:    albert.add_layer_norm %[[M]], %[[M]],
func @input_and_residual(%x: tensor<?x?x16xf32>, %w: tensor<8x16xf32>, %b: tensor<8xf32>,
                         %g: tensor<8xf32>, %beta: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.add_layer_norm %m, %m, %g, %beta {eps = 1.0e-12 : f64} : !ln
  return %y : tensor<?x?x8xf32>
}

// -----

// Tests that a matmul placed after its LayerNorm (possible in an unreachable
// block, where uses need not follow definitions) is fused like any other:
// the pass erases it, and must not then visit it.

// CHECK-LABEL: func @matmul_after_use
// CHECK:         ^bb1:
// CHECK-NEXT:    %[[Y:.*]] = albert.matmul_add_layer_norm
// CHECK-NOT:     albert.matmul %
// CHECK:         return %[[Y]]
func @matmul_after_use(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  return %x : tensor<?x8xf32>
^bb1:
  %y = albert.add_layer_norm %m, %x, %b, %b {eps = 1.0e-12 : f64}
      : (tensor<?x8xf32>, tensor<?x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  %m = albert.matmul %x, %w, %b {activation = "none"}
      : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

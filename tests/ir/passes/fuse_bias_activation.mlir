// RUN: albert-opt --split-input-file --albert-fuse-bias-activation %s | FileCheck %s

// Made-up sizes: H = 8, F = 16. !mm is the type of the H -> F albert.matmul.

// Tests that an albert.activation fed by an albert.matmul without epilogue
// (and with no other user) is folded into the matmul's activation.

!mm = type (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>

// CHECK-LABEL: func @fuses
// CHECK-SAME:    (%[[X:[^:]*]]: tensor<?x?x8xf32>, %[[W:[^:]*]]: tensor<16x8xf32>, %[[B:[^:]*]]: tensor<16xf32>)
// CHECK-NEXT:    %[[M:.*]] = albert.matmul %[[X]], %[[W]], %[[B]] {activation = "gelu_new"}
// CHECK-NEXT:    return %[[M]] : tensor<?x?x16xf32>
func @fuses(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.activation %m {kind = "gelu_new"} : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that the fusion happens inside an albert.kernel body, where the
// pipeline runs it (here a pooler: matmul, then tanh).

// CHECK-LABEL: func @in_kernel
// CHECK:         albert.kernel "pooler"
// CHECK:           %[[C:.*]] = albert.gather_cls
// CHECK-NEXT:      %[[M:.*]] = albert.matmul %[[C]], %{{.*}}, %{{.*}} {activation = "tanh"}
// CHECK-NEXT:      albert.yield %[[M]] : tensor<?x8xf32>
func @in_kernel(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %p = albert.kernel "pooler" (%h, %w, %b) : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32> {
  ^bb0(%x: tensor<?x?x8xf32>, %w0: tensor<8x8xf32>, %b0: tensor<8xf32>):
    %c = albert.gather_cls %x : (tensor<?x?x8xf32>) -> tensor<?x8xf32>
    %m = albert.matmul %c, %w0, %b0 {activation = "none"} : (tensor<?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
    %t = albert.activation %m {kind = "tanh"} : tensor<?x8xf32>
    albert.yield %t : tensor<?x8xf32>
  }
  return %p : tensor<?x8xf32>
}

// -----

// Tests that nothing is fused when the matmul already has an activation.

!mm = type (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>

// CHECK-LABEL: func @already_has_activation
// CHECK-NEXT:    %[[M:.*]] = albert.matmul {{.*}} {activation = "relu"}
// CHECK-NEXT:    %[[Y:.*]] = albert.activation %[[M]] {kind = "gelu"}
// CHECK-NEXT:    return %[[Y]]
func @already_has_activation(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %m = albert.matmul %x, %w, %b {activation = "relu"} : !mm
  %y = albert.activation %m {kind = "gelu"} : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// -----

// Tests that of two activations in a row only the first is folded: the
// second then sees a matmul that already has an epilogue.

!mm = type (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>

// CHECK-LABEL: func @two_activations
// CHECK-NEXT:    %[[M:.*]] = albert.matmul {{.*}} {activation = "gelu"}
// CHECK-NEXT:    %[[Y:.*]] = albert.activation %[[M]] {kind = "tanh"}
// CHECK-NEXT:    return %[[Y]]
func @two_activations(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>) -> tensor<?x?x16xf32> {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.activation %m {kind = "gelu"} : tensor<?x?x16xf32>
  %z = albert.activation %y {kind = "tanh"} : tensor<?x?x16xf32>
  return %z : tensor<?x?x16xf32>
}

// -----

// Tests that nothing is fused when the matmul's result has another user,
// which needs the value before the activation.

!mm = type (tensor<?x?x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>

// CHECK-LABEL: func @second_user
// CHECK-NEXT:    %[[M:.*]] = albert.matmul {{.*}} {activation = "none"}
// CHECK-NEXT:    %[[Y:.*]] = albert.activation %[[M]] {kind = "relu"}
// CHECK-NEXT:    return %[[Y]], %[[M]]
func @second_user(%x: tensor<?x?x8xf32>, %w: tensor<16x8xf32>, %b: tensor<16xf32>)
    -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>) {
  %m = albert.matmul %x, %w, %b {activation = "none"} : !mm
  %y = albert.activation %m {kind = "relu"} : tensor<?x?x16xf32>
  return %y, %m : tensor<?x?x16xf32>, tensor<?x?x16xf32>
}

// -----

// Tests that an activation not fed by a matmul is left alone.

// CHECK-LABEL: func @not_a_matmul
// CHECK-NEXT:    %[[Y:.*]] = albert.activation %{{.*}} {kind = "relu"}
// CHECK-NEXT:    return %[[Y]]
func @not_a_matmul(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %y = albert.activation %x {kind = "relu"} : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

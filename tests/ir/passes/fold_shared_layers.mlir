// RUN: albert-opt --split-input-file --albert-fold-shared-layers %s | FileCheck %s

// Layers are told apart by their weights. Made-up sizes: H = 8 with 2 heads,
// F = 16. Layer "A" uses %wa for its query, key, value and dense weights,
// "B" %wb and "C" %wc; everything else is shared. !layer is the type of one
// albert.encoder_layer.

// Tests that three applications of one layer (L = 3, G = 1, I = 1) become
// one albert.repeat 3 whose body is one copy of the layer, run on the block
// argument, using the weights and mask from above directly.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @l3_g1_i1
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK-NOT:     albert.encoder_layer
// CHECK:         %[[R:.*]] = albert.repeat 3 %[[H0]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[N:.*]] = albert.encoder_layer %[[H]], %[[MASK]], %[[WA]],
// CHECK-NEXT:      albert.yield %[[N]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]] : tensor<?x?x8xf32>
func @l3_g1_i1(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h3 = albert.encoder_layer %h2, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h3 : tensor<?x?x8xf32>
}

// -----

// Tests that weights A A B B (L = 4, G = 2, I = 1) become two repeats of 2,
// the second fed by the first; B's weight is read (param_ref) between the two
// runs, as the importer emits it, and the second repeat comes after it.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
albert.param @wa : tensor<8x8xf32> {source = "wa", dtype = "F32"}
albert.param @wb : tensor<8x8xf32> {source = "wb", dtype = "F32"}

// CHECK-LABEL: func @aabb
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>
// CHECK:         %[[WA:.*]] = albert.param_ref @wa
// CHECK:         %[[RA:.*]] = albert.repeat 2 %[[H0]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[HA:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[NA:.*]] = albert.encoder_layer %[[HA]], %{{[^,]*}}, %[[WA]],
// CHECK-NEXT:      albert.yield %[[NA]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[WB:.*]] = albert.param_ref @wb
// CHECK-NEXT:    %[[RB:.*]] = albert.repeat 2 %[[RA]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[HB:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[NB:.*]] = albert.encoder_layer %[[HB]], %{{[^,]*}}, %[[WB]],
// CHECK-NEXT:      albert.yield %[[NB]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[RB]] : tensor<?x?x8xf32>
func @aabb(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %b: tensor<8xf32>, %fw: tensor<16x8xf32>,
    %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %wa = albert.param_ref @wa : tensor<8x8xf32>
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %wb = albert.param_ref @wb : tensor<8x8xf32>
  %h3 = albert.encoder_layer %h2, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h4 = albert.encoder_layer %h3, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h4 : tensor<?x?x8xf32>
}

// -----

// Tests that weights A B A B (G = 1, I = 2) become one repeat 2 whose body
// runs A then B, B taking A's result.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @abab
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK-NOT:     albert.encoder_layer
// CHECK:         %[[R:.*]] = albert.repeat 2 %[[H0]] : tensor<?x?x8xf32> {
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[NA:.*]] = albert.encoder_layer %[[H]], %[[MASK]], %[[WA]],
// CHECK-NEXT:      %[[NB:.*]] = albert.encoder_layer %[[NA]], %[[MASK]], %[[WB]],
// CHECK-NEXT:      albert.yield %[[NB]] : tensor<?x?x8xf32>
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R]] : tensor<?x?x8xf32>
func @abab(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h3 = albert.encoder_layer %h2, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h4 = albert.encoder_layer %h3, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h4 : tensor<?x?x8xf32>
}

// -----

// Tests that layers that do not repeat (weights A B C) are left as they are.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @abc
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK-NOT:     albert.repeat
// CHECK:         %[[NA:.*]] = albert.encoder_layer %[[H0]], %[[MASK]], %[[WA]],
// CHECK-NEXT:    %[[NB:.*]] = albert.encoder_layer %[[NA]], %[[MASK]], %[[WB]],
// CHECK-NEXT:    %[[NC:.*]] = albert.encoder_layer %[[NB]], %[[MASK]], %[[WC]],
// CHECK-NEXT:    return %[[NC]]
func @abc(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h3 = albert.encoder_layer %h2, %mask, %wc, %b, %wc, %b, %wc, %b, %wc, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h3 : tensor<?x?x8xf32>
}

// -----

// Tests that an op the pass does not know (here an albert.linear) between
// layers breaks the chain: A A, linear, A A become two separate repeats of 2
// with the linear between them, never one repeat 4.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @unknown_in_middle
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK-NOT:     albert.repeat 4
// CHECK:         %[[R1:.*]] = albert.repeat 2 %[[H0]] :
// CHECK:         albert.yield
// CHECK:         %[[X:.*]] = albert.linear %[[R1]], %[[WB]],
// CHECK-NEXT:    %[[R2:.*]] = albert.repeat 2 %[[X]] :
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[N:.*]] = albert.encoder_layer %[[H]], %[[MASK]], %[[WA]],
// CHECK-NEXT:      albert.yield %[[N]]
// CHECK-NEXT:    }
// CHECK-NEXT:    return %[[R2]]
func @unknown_in_middle(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %x = albert.linear %h2, %wb, %b : (tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>
  %h3 = albert.encoder_layer %x, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h4 = albert.encoder_layer %h3, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h4 : tensor<?x?x8xf32>
}

// -----

// Tests that a layer whose result has another user (here it is also
// returned) ends its chain: of A A A only the last two are folded, and the
// first layer's result stays available.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @second_user
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK:         %[[N1:.*]] = albert.encoder_layer %[[H0]], %[[MASK]], %[[WA]],
// CHECK-NEXT:    %[[R:.*]] = albert.repeat 2 %[[N1]] :
// CHECK:         return %[[N1]], %[[R]]
func @second_user(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>) {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h3 = albert.encoder_layer %h2, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h1, %h3 : tensor<?x?x8xf32>, tensor<?x?x8xf32>
}

// -----

// Tests that layers with the same weights but different attributes (here
// the activation) are different layers and are not folded.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @different_attributes
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK-NOT:     albert.repeat
// CHECK:         albert.encoder_layer %[[H0]], {{.*}}activation = "gelu_new"
// CHECK-NEXT:    albert.encoder_layer {{.*}}activation = "relu"
func @different_attributes(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "relu"} : !layer
  return %h2 : tensor<?x?x8xf32>
}

// -----

// Tests that the chain is covered greedily from the front by the repeat that
// covers the most layers: A B A B A becomes a repeat 2 of (A B) followed by
// the single A, left as it is.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @ababa
// CHECK-SAME:    (%[[H0:[^:]*]]: tensor<?x?x8xf32>, %[[MASK:[^:]*]]: tensor<?x?xi32>, %[[WA:[^:]*]]: tensor<8x8xf32>, %[[WB:[^:]*]]: tensor<8x8xf32>, %[[WC:[^:]*]]: tensor<8x8xf32>
// CHECK:         %[[R:.*]] = albert.repeat 2 %[[H0]] :
// CHECK-NEXT:    ^bb0(%[[H:.*]]: tensor<?x?x8xf32>):
// CHECK-NEXT:      %[[NA:.*]] = albert.encoder_layer %[[H]], %[[MASK]], %[[WA]],
// CHECK-NEXT:      %[[NB:.*]] = albert.encoder_layer %[[NA]], %[[MASK]], %[[WB]],
// CHECK-NEXT:      albert.yield %[[NB]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[N:.*]] = albert.encoder_layer %[[R]], %[[MASK]], %[[WA]],
// CHECK-NEXT:    return %[[N]]
func @ababa(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %wb: tensor<8x8xf32>, %wc: tensor<8x8xf32>,
    %b: tensor<8xf32>, %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  %h1 = albert.encoder_layer %h0, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h2 = albert.encoder_layer %h1, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h3 = albert.encoder_layer %h2, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h4 = albert.encoder_layer %h3, %mask, %wb, %b, %wb, %b, %wb, %b, %wb, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  %h5 = albert.encoder_layer %h4, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h5 : tensor<?x?x8xf32>
}

// -----

// Tests that a layer feeding itself (a use cycle, which the verifier allows
// in an unreachable block) ends its chain instead of extending it forever.

!layer = type (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<16x8xf32>, tensor<16xf32>, tensor<8x16xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @self_cycle
// CHECK:         ^bb1:
// CHECK-NEXT:    %[[L:.*]] = albert.encoder_layer %[[L]],
// CHECK-NOT:     albert.repeat
func @self_cycle(%h0: tensor<?x?x8xf32>, %mask: tensor<?x?xi32>, %wa: tensor<8x8xf32>, %b: tensor<8xf32>,
    %fw: tensor<16x8xf32>, %fb: tensor<16xf32>, %fow: tensor<8x16xf32>) -> tensor<?x?x8xf32> {
  return %h0 : tensor<?x?x8xf32>
^bb1:
  %h1 = albert.encoder_layer %h1, %mask, %wa, %b, %wa, %b, %wa, %b, %wa, %b, %b, %b, %fw, %fb, %fow, %b, %b, %b
      {num_heads = 2 : i64, eps = 1.0e-12 : f64, activation = "gelu_new"} : !layer
  return %h0 : tensor<?x?x8xf32>
}

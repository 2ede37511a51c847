// RUN: albert-opt --split-input-file --albert-fuse-embedding-projection %s | FileCheck %s

// Made-up sizes: vocab 10, positions 6, E = 4, H = 8. !emb and !proj are the
// types of albert.embeddings and of the E -> H albert.linear.

// Tests that albert.embeddings whose only user is the albert.linear
// projection becomes one albert.fused_embedding taking the embeddings'
// operands, then the projection's weight and bias, with the embeddings' eps.

!emb = type (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
!proj = type (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @fuses
// CHECK-SAME:    (%[[IDS:[^:]*]]: tensor<?x?xi32>, %[[TT:[^:]*]]: tensor<?x?xi32>, %[[WORD:[^:]*]]: tensor<10x4xf32>, %[[POS:[^:]*]]: tensor<6x4xf32>, %[[TYPE:[^:]*]]: tensor<2x4xf32>, %[[G:[^:]*]]: tensor<4xf32>, %[[B:[^:]*]]: tensor<4xf32>, %[[PW:[^:]*]]: tensor<8x4xf32>, %[[PB:[^:]*]]: tensor<8xf32>)
// CHECK-NOT:     albert.embeddings
// CHECK:         %[[H:.*]] = albert.fused_embedding %[[IDS]], %[[TT]], %[[WORD]], %[[POS]], %[[TYPE]], %[[G]], %[[B]], %[[PW]], %[[PB]] {eps = 1.000000e-05 : f64}
// CHECK-SAME:      -> tensor<?x?x8xf32>
// CHECK-NOT:     albert.linear
// CHECK:         return %[[H]]
func @fuses(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
            %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %pw: tensor<8x4xf32>,
            %pb: tensor<8xf32>) -> tensor<?x?x8xf32> {
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-5 : f64} : !emb
  %h = albert.linear %e, %pw, %pb : !proj
  return %h : tensor<?x?x8xf32>
}

// -----

// Tests that nothing is fused when the embeddings have a second user: the
// [B, S, E] embedding is needed anyway.

!emb = type (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
!proj = type (tensor<?x?x4xf32>, tensor<8x4xf32>, tensor<8xf32>) -> tensor<?x?x8xf32>

// CHECK-LABEL: func @second_user
// CHECK-NOT:     albert.fused_embedding
// CHECK:         %[[E:.*]] = albert.embeddings
// CHECK-NEXT:    %[[H:.*]] = albert.linear %[[E]],
// CHECK-NEXT:    return %[[H]], %[[E]]
func @second_user(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
                  %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %pw: tensor<8x4xf32>,
                  %pb: tensor<8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x4xf32>) {
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64} : !emb
  %h = albert.linear %e, %pw, %pb : !proj
  return %h, %e : tensor<?x?x8xf32>, tensor<?x?x4xf32>
}

// -----

// Tests that nothing is fused when the embeddings' only user is not an
// albert.linear.

!emb = type (tensor<?x?xi32>, tensor<?x?xi32>, tensor<10x4xf32>, tensor<6x4xf32>, tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>

// CHECK-LABEL: func @not_a_linear
// CHECK-NOT:     albert.fused_embedding
// CHECK:         %[[E:.*]] = albert.embeddings
// CHECK-NEXT:    albert.layer_norm %[[E]],
func @not_a_linear(%ids: tensor<?x?xi32>, %tt: tensor<?x?xi32>, %word: tensor<10x4xf32>, %pos: tensor<6x4xf32>,
                   %type: tensor<2x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<?x?x4xf32> {
  %e = albert.embeddings %ids, %tt, %word, %pos, %type, %g, %b {eps = 1.0e-12 : f64} : !emb
  %n = albert.layer_norm %e, %g, %b {eps = 1.0e-12 : f64}
      : (tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  return %n : tensor<?x?x4xf32>
}

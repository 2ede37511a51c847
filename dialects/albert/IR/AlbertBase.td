//===- AlbertBase.td - the albert dialect ------------------*- tablegen -*-===//
//
// The `albert` dialect describes an ALBERT model at two levels:
//   * model level: what the importer emits, one op per HuggingFace module
//     (albert.embeddings, albert.encoder_layer, albert.pooler, ...);
//   * kernel level: what codegen turns into Halide pipelines
//     (albert.kernel regions holding albert.matmul, albert.attention, ...).
// Weights never appear as dense constants: albert.param declares a weight by
// symbol (safetensors name, shape, stored dtype) and albert.param_ref reads it.
//
//===----------------------------------------------------------------------===//

#ifndef ALBERT_BASE_TD
#define ALBERT_BASE_TD

include "mlir/IR/OpBase.td"

def Albert_Dialect : Dialect {
  let name = "albert";
  let summary = "ALBERT transformer models, from HuggingFace modules down to fused kernels";
  let description = [{
    A module produced by the importer holds one `albert.param` per weight and
    one `builtin.func @forward` taking `input_ids`, `attention_mask` and
    `token_type_ids` (tensor<?x?xi32>, [batch, seq]; for multiple choice
    tensor<?x?x?xi32>, [batch, choices, seq], flattened by
    `albert.flatten_choices`) and returning the task's outputs, named by the
    `albert.output_names` attribute of the function. Module attributes:
    `albert.task`, `albert.config`, `albert.weights_file` and, for a
    classifier, `albert.labels`.
    Activations are tensor<?x?xCxf32> ([batch, seq, channels]) or
    tensor<?xCxf32> ([batch, channels]); batch and seq stay dynamic all the way
    to the generated library.
  }];
  let cppNamespace = "::mlir::albert";
}

class Albert_Op<string mnemonic, list<Trait> traits = []>
    : Op<Albert_Dialect, mnemonic, traits>;

// Weights have static shapes; activations are ranked with dynamic batch/seq.
def Albert_Weight : StaticShapeTensorOf<[F32]>;
def Albert_Activation : RankedTensorOf<[F32]>;
def Albert_IdTensor : RankedTensorOf<[I32]>;

#endif // ALBERT_BASE_TD

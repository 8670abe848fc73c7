using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>One tensor of an mmproj file: the engine's parameter name and llama.cpp's <c>clip</c> name.</summary>
/// <param name="KeepF32">Biases, norms and the embeddings that are added rather than multiplied stay F32, as llama.cpp's converter keeps them.</param>
internal sealed record ClipTensor(string Engine, string Clip, bool KeepF32);

/// <summary>
/// The tensors of a LLaVA vision tower and projector under llama.cpp's mtmd names (tools/mtmd/clip-impl.h:
/// <c>v.patch_embd.weight</c>, <c>v.class_embd</c>, <c>v.position_embd.weight</c>, <c>v.pre_ln.*</c>,
/// <c>v.blk.N.{attn_q,attn_k,attn_v,attn_out,ln1,ln2,ffn_up,ffn_down}.*</c>, <c>mm.0.*</c>, <c>mm.2.*</c>).
/// Only the first <paramref name="layers"/> encoder layers are listed: LLaVA never runs the rest.
/// <c>post_layernorm</c> is left out on purpose: llama.cpp applies <c>v.post_ln</c> to the selected
/// hidden state whenever the file has it, and LLaVA does not.
/// </summary>
internal static class ClipTensorNames
{
    private const string Tower = "vision_tower.vision_model.";

    private static readonly (string Engine, string Clip)[] Attention = [("q_proj", "attn_q"), ("k_proj", "attn_k"), ("v_proj", "attn_v"), ("out_proj", "attn_out")];
    private static readonly (string Engine, string Clip)[] Norms = [("layer_norm1", "ln1"), ("layer_norm2", "ln2")];

    public static IEnumerable<ClipTensor> For(VisionConfig vision, int layers, bool projectorBias)
    {
        var embeddings = Tower + "embeddings.";
        yield return new(embeddings + "patch_embedding.weight", "v.patch_embd.weight", KeepF32: false);
        if (vision.HasClassToken)
        {
            yield return new(embeddings + "class_embedding", "v.class_embd", KeepF32: true);
            yield return new(Tower + "pre_layrnorm.weight", "v.pre_ln.weight", KeepF32: true);
            yield return new(Tower + "pre_layrnorm.bias", "v.pre_ln.bias", KeepF32: true);
        }
        else
        {
            yield return new(embeddings + "patch_embedding.bias", "v.patch_embd.bias", KeepF32: true);
        }
        yield return new(embeddings + "position_embedding.weight", "v.position_embd.weight", KeepF32: true);
        for (var l = 0; l < layers; l++)
        {
            foreach (var tensor in Layer(vision, l))
            {
                yield return tensor;
            }
        }
        yield return new("multi_modal_projector.linear_1.weight", "mm.0.weight", KeepF32: false);
        yield return new("multi_modal_projector.linear_2.weight", "mm.2.weight", KeepF32: false);
        if (projectorBias)
        {
            yield return new("multi_modal_projector.linear_1.bias", "mm.0.bias", KeepF32: true);
            yield return new("multi_modal_projector.linear_2.bias", "mm.2.bias", KeepF32: true);
        }
    }

    private static IEnumerable<ClipTensor> Layer(VisionConfig vision, int l)
    {
        var engine = $"{Tower}encoder.layers.{l}.";
        var clip = $"v.blk.{l}.";
        foreach (var (proj, name) in Attention)
        {
            yield return new($"{engine}self_attn.{proj}.weight", $"{clip}{name}.weight", KeepF32: false);
            yield return new($"{engine}self_attn.{proj}.bias", $"{clip}{name}.bias", KeepF32: true);
        }
        foreach (var (norm, name) in Norms)
        {
            yield return new($"{engine}{norm}.weight", $"{clip}{name}.weight", KeepF32: true);
            yield return new($"{engine}{norm}.bias", $"{clip}{name}.bias", KeepF32: true);
        }
        // llama.cpp repairs files from an old converter that swapped the two FFN matrices: it swaps
        // them back whenever ffn_down's input width equals the hidden size. A layer pruned to exactly
        // the hidden size would be "repaired" into the wrong order, so it is written pre-swapped.
        var swapped = vision.IntermediateSizes[l] == vision.HiddenSize;
        var (up, down) = swapped ? ("ffn_down", "ffn_up") : ("ffn_up", "ffn_down");
        yield return new($"{engine}mlp.fc1.weight", $"{clip}{up}.weight", KeepF32: false);
        yield return new($"{engine}mlp.fc1.bias", $"{clip}{up}.bias", KeepF32: true);
        yield return new($"{engine}mlp.fc2.weight", $"{clip}{down}.weight", KeepF32: false);
        yield return new($"{engine}mlp.fc2.bias", $"{clip}{down}.bias", KeepF32: true);
    }
}

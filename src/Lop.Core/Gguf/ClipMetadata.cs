using Lop.Core.Images;
using Lop.Core.Models;

namespace Lop.Core.Gguf;

/// <summary>
/// The <c>clip.*</c> keys llama.cpp's mtmd reads from an mmproj file (tools/mtmd/clip.cpp,
/// <c>clip_model_loader::load_hparams</c>), for a LLaVA tower with the two-layer MLP projector.
/// </summary>
internal static class ClipMetadata
{
    public static GgufMetadata For(MultimodalConfig multimodal, int textHidden, ImagePreprocessor preprocessor, int layers, GgmlType weightType, string name)
    {
        var vision = multimodal.Vision;
        var (mean, std) = Normalisation(preprocessor);
        var metadata = new GgufMetadata
        {
            ["general.architecture"] = GgufValue.String("clip"),
            ["general.name"] = GgufValue.String(name),
            ["general.file_type"] = GgufValue.UInt32(weightType == GgmlType.F16 ? 1u : 0u),
            ["clip.has_vision_encoder"] = GgufValue.Bool(true),
            ["clip.projector_type"] = GgufValue.String("mlp"),
            ["clip.vision.image_size"] = GgufValue.UInt32((uint)vision.ImageSize),
            ["clip.vision.patch_size"] = GgufValue.UInt32((uint)vision.PatchSize),
            ["clip.vision.embedding_length"] = GgufValue.UInt32((uint)vision.HiddenSize),
            // One number for all layers; llama.cpp only logs it and takes each layer's width from its
            // tensors, so a variant with per-layer widths records the widest.
            ["clip.vision.feed_forward_length"] = GgufValue.UInt32((uint)vision.IntermediateSizes.Take(layers).Max()),
            ["clip.vision.projection_dim"] = GgufValue.UInt32((uint)textHidden),
            ["clip.vision.block_count"] = GgufValue.UInt32((uint)layers),
            ["clip.vision.attention.head_count"] = GgufValue.UInt32((uint)vision.NumHeads),
            ["clip.vision.attention.layer_norm_epsilon"] = GgufValue.Float32((float)vision.LayerNormEps),
            ["clip.vision.image_mean"] = GgufValue.Float32s(mean),
            ["clip.vision.image_std"] = GgufValue.Float32s(std),
            // Without this key llama.cpp runs block_count - 1 layers (llava-1.5's fixed "-2"); with
            // it, it runs up to the listed hidden state (0 = embeddings) and takes that one.
            ["clip.vision.feature_layer"] = GgufValue.Int32s([layers]),
        };
        // clip.cpp: neither flag is quick_gelu (CLIP), use_gelu is ggml's tanh GELU, use_silu is SiLU.
        switch (vision.HiddenAct)
        {
            case "gelu" or "gelu_pytorch_tanh" or "gelu_new":
                metadata["clip.use_gelu"] = GgufValue.Bool(true);
                break;
            case "silu":
                metadata["clip.use_silu"] = GgufValue.Bool(true);
                break;
        }
        return metadata;
    }

    /// <summary>
    /// mtmd scales bytes by 1/255 and then applies mean and std; any other rescale factor, or no
    /// normalisation at all, is folded into an equivalent mean and std.
    /// </summary>
    private static (float[] Mean, float[] Std) Normalisation(ImagePreprocessor preprocessor)
    {
        var scale = preprocessor.DoRescale ? preprocessor.RescaleFactor : 1.0;
        var mean = new float[3];
        var std = new float[3];
        for (var c = 0; c < 3; c++)
        {
            var m = preprocessor.DoNormalize ? preprocessor.Mean[c] : 0.0;
            var s = preprocessor.DoNormalize ? preprocessor.Std[c] : 1.0;
            mean[c] = (float)(m / (255 * scale));
            std[c] = (float)(s / (255 * scale));
        }
        return (mean, std);
    }
}

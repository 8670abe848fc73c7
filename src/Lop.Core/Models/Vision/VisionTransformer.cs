using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models.Vision;

/// <summary>
/// CLIP / SigLIP vision model (the <c>vision_tower.vision_model</c> of a LLaVA checkpoint). It runs only
/// the layers whose output LLaVA uses (<see cref="MultimodalConfig.LayersUsed"/>; by default all but
/// the last) and returns that hidden state, as transformers' hidden_states[vision_feature_layer].
/// post_layernorm is loaded and saved with the tower but, as in LLaVA, not applied.
/// </summary>
internal sealed class VisionTransformer : nn.Module<Tensor, Tensor>
{
    private readonly int _layersUsed;
    private readonly VisionEmbeddings embeddings;
    private readonly LayerNorm? pre_layrnorm;
    private readonly VisionEncoder encoder;
    private readonly LayerNorm post_layernorm;

    public VisionTransformer(string name, MultimodalConfig config) : base(name)
    {
        var vision = config.Vision;
        _layersUsed = config.LayersUsed;
        embeddings = new VisionEmbeddings("embeddings", vision);
        pre_layrnorm = vision.HasClassToken ? nn.LayerNorm(vision.HiddenSize, vision.LayerNormEps) : null;
        encoder = new VisionEncoder("encoder", vision);
        post_layernorm = nn.LayerNorm(vision.HiddenSize, vision.LayerNormEps);
        RegisterComponents();
    }

    public IReadOnlyList<VisionEncoderLayer> Layers => encoder.Layers;

    /// <summary>Hidden state [batch, positions, hidden] after <see cref="MultimodalConfig.LayersUsed"/> layers.</summary>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var hidden = embeddings.forward(pixels);
        if (pre_layrnorm is not null)
        {
            hidden = pre_layrnorm.forward(hidden);
        }
        for (var l = 0; l < _layersUsed; l++)
        {
            hidden = encoder.Layers[l].forward(hidden);
        }
        return hidden.MoveToOuterDisposeScope();
    }

    private sealed class VisionEncoder : nn.Module
    {
        private readonly VisionEncoderLayer[] _layerList;
        private readonly ModuleList<VisionEncoderLayer> layers;

        public VisionEncoder(string name, VisionConfig config) : base(name)
        {
            _layerList = Enumerable.Range(0, config.NumLayers)
                .Select(i => new VisionEncoderLayer(i.ToString(System.Globalization.CultureInfo.InvariantCulture), config, i))
                .ToArray();
            layers = new ModuleList<VisionEncoderLayer>(_layerList);
            RegisterComponents();
        }

        public IReadOnlyList<VisionEncoderLayer> Layers => _layerList;
    }
}

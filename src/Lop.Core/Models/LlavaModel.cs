using Lop.Core.Errors;
using Lop.Core.Models.Vision;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// LlavaForConditionalGeneration: the vision tower's selected hidden state, projected, replaces the
/// embeddings at the image-token positions; the decoder does the rest. Modules are named as in
/// transformers before 4.52 (<see cref="CheckpointLayout"/> maps newer names).
/// </summary>
internal sealed class LlavaModel : nn.Module<Tensor, Tensor>, IVisionLanguageModel
{
    private readonly MultimodalConfig _multimodal;
    private readonly VisionTower vision_tower;
    private readonly MultimodalProjector multi_modal_projector;
    private readonly CausalLm language_model;

    public LlavaModel(ModelConfig config) : base("LlavaModel")
    {
        _multimodal = config.Multimodal ?? throw new ArgumentException("a LLaVA model needs a multimodal config", nameof(config));
        Config = config;
        vision_tower = new VisionTower("vision_tower", _multimodal);
        multi_modal_projector = new MultimodalProjector("multi_modal_projector", _multimodal, config.HiddenSize);
        language_model = new CausalLm(config, vision_tower.Layers.Select(l => l.Mlp).ToArray());
        RegisterComponents();
    }

    public ModelConfig Config { get; }

    public CausalLm LanguageModel => language_model;

    /// <summary>The decoder's view, which also owns the vision FFNs' observer.</summary>
    public PrefixView Prefix => language_model.Prefix;

    /// <summary>The vision tower's encoder layers (all of them, used or not).</summary>
    public IReadOnlyList<VisionEncoderLayer> VisionLayers => vision_tower.Layers;

    /// <summary>Projected image features [batch, image tokens, text hidden] for pixels [batch, 3, H, W].</summary>
    public Tensor ImageFeatures(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        var selected = vision_tower.forward(pixels);
        if (_multimodal.ImageTokens < selected.shape[1])
        {
            selected = selected.narrow(1, 1, selected.shape[1] - 1); // "default": drop the class token
        }
        return multi_modal_projector.forward(selected).MoveToOuterDisposeScope();
    }

    public Tensor Logits(SequenceBatch batch, Tensor? positions = null) => forward(batch.Tokens, batch.Images, positions);

    /// <summary>Logits for token ids [batch, seq], with each row's image-token positions taking its image's features.</summary>
    /// <param name="positions">when given, logits at these sequence positions only (<see cref="IPrunableModel.Logits"/>)</param>
    public Tensor forward(Tensor tokenIds, Tensor? pixels, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        var embeddings = language_model.EmbedTokens(tokenIds);
        if (pixels is not null)
        {
            var features = ImageFeatures(pixels).to(embeddings.dtype);
            var isImage = tokenIds.Matches(_multimodal.ImageTokenIndex);
            var found = isImage.sum(dim: 1);
            if (!found.Matches(features.shape[1]).all().item<bool>())
            {
                throw new LopException(ErrorCodes.CalibrationLineInvalid,
                    $"a sequence has {found.min().item<long>()}..{found.max().item<long>()} image tokens (id {_multimodal.ImageTokenIndex}) but its image gives {features.shape[1]} features; "
                    + "each image+text sequence needs exactly one image's worth of image tokens.");
            }
            embeddings = embeddings.masked_scatter(isImage.unsqueeze(-1).expand_as(embeddings), features.reshape(-1));
        }
        return language_model.ForwardEmbeddings(embeddings, null, positions).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor tokenIds) => forward(tokenIds, null);

    void IPrunableModel.SetTraining(bool on) => train(on);

    /// <summary>The <c>vision_tower</c> wrapper module around <c>vision_model</c>, as in transformers.</summary>
    private sealed class VisionTower : nn.Module<Tensor, Tensor>
    {
        private readonly VisionTransformer vision_model;

        public VisionTower(string name, MultimodalConfig config) : base(name)
        {
            vision_model = new VisionTransformer("vision_model", config);
            RegisterComponents();
        }

        public IReadOnlyList<VisionEncoderLayer> Layers => vision_model.Layers;

        public override Tensor forward(Tensor pixels) => vision_model.forward(pixels);
    }
}

using Lop.Core.Errors;
using Lop.Core.Models.QwenVision;
using TorchSharp;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// Qwen2VLForConditionalGeneration / Qwen2_5_VLForConditionalGeneration on still images: the vision
/// tower's merged features replace the embeddings at the image tokens, and the decoder rotates by
/// M-RoPE positions (<see cref="QwenRopeIndex"/>). Without images the positions are equal on all three
/// axes, so the decoder's plain RoPE is used. The tower's MLPs join the decoder's <see cref="Prefix"/>,
/// which owns their order, narrowing and observer as it does the decoder FFNs'. Engine names: <c>visual.*</c> and <c>language_model.*</c> (<see cref="CheckpointLayout"/>
/// maps both namings of the checkpoint).
/// </summary>
internal sealed class QwenVlModel : nn.Module, IVisionLanguageModel
{
    private readonly QwenVisionConfig _vision;
    private readonly QwenVisionTower visual;
    private readonly CausalLm language_model;

    public QwenVlModel(ModelConfig config) : base("QwenVlModel")
    {
        _vision = config.QwenVision ?? throw new ArgumentException("a Qwen2-VL model needs a vision config", nameof(config));
        Config = config;
        visual = new QwenVisionTower("visual", _vision);
        language_model = new CausalLm(config, visual.Blocks.Select(b => b.Mlp).ToArray());
        RegisterComponents();
    }

    public ModelConfig Config { get; }

    public CausalLm LanguageModel => language_model;

    public PrefixView Prefix => language_model.Prefix;

    public Tensor Logits(SequenceBatch batch, Tensor? positions = null) => forward(batch.Tokens, batch.Images, positions);

    void IPrunableModel.SetTraining(bool on) => train(on);

    /// <summary>
    /// Moves the tower to float32 when the model was loaded in float16, leaving the decoder as it is: the
    /// tower's MLP activations exceed float16's 65,504 on real checkpoints (transformers runs it in bf16 or
    /// float32 for the same reason) and an infinity there poisons every image token. bf16 and float32 towers stay.
    /// </summary>
    internal QwenVlModel KeepTowerOutOfFloat16()
    {
        if (visual.parameters().First().dtype == ScalarType.Float16)
        {
            visual.to(ScalarType.Float32);
        }
        return this;
    }

    /// <summary>Merged image features [batch x tokens per image, text hidden] for normalised stills [batch, 3, H, W] of one size.</summary>
    public Tensor ImageFeatures(Tensor pixels) => ImageFeatures(pixels, out _);

    /// <summary>Merged image features [batch x tokens per image, text hidden] for normalised stills [batch, 3, H, W].</summary>
    public Tensor ImageFeatures(Tensor pixels, out (int T, int H, int W)[] grids)
    {
        using var scope = NewDisposeScope();
        var (patches, imageGrids) = PixelPatches.FromStills(pixels, _vision);
        grids = imageGrids;
        return visual.forward(patches, imageGrids).MoveToOuterDisposeScope();
    }

    /// <summary>Logits for token ids [batch, seq], each row's image tokens taking its image's features.</summary>
    /// <param name="positions">when given, logits at these sequence positions only (<see cref="IPrunableModel.Logits"/>)</param>
    public Tensor forward(Tensor tokenIds, Tensor? pixels, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        var embeddings = language_model.EmbedTokens(tokenIds);
        if (pixels is null)
        {
            return language_model.ForwardEmbeddings(embeddings, null, positions).MoveToOuterDisposeScope();
        }
        var features = ImageFeatures(pixels, out var grids).to(embeddings.dtype);
        var perImage = features.shape[0] / tokenIds.shape[0];
        var isImage = tokenIds.Matches(_vision.ImageTokenId);
        var found = isImage.sum(dim: 1);
        if (!found.Matches(perImage).all().item<bool>())
        {
            throw new LopException(ErrorCodes.CalibrationLineInvalid,
                $"a sequence has {found.min().item<long>()}..{found.max().item<long>()} image tokens (id {_vision.ImageTokenId}) but its image gives {perImage} features "
                + $"({grids[0].H / _vision.MergeSize}x{grids[0].W / _vision.MergeSize} merged patches); each image+text sequence needs exactly one image's worth of image tokens.");
        }
        embeddings = embeddings.masked_scatter(isImage.unsqueeze(-1).expand_as(embeddings), features.reshape(-1));
        var rotary = MultimodalRotary.Tables(Positions(tokenIds, grids), Config.HeadDim, Config.RopeTheta, _vision.MropeSection, embeddings.dtype);
        return language_model.ForwardEmbeddings(embeddings, rotary, positions).MoveToOuterDisposeScope();
    }

    /// <summary>M-RoPE positions [3, batch, seq], one image per row.</summary>
    private Tensor Positions(Tensor tokenIds, (int T, int H, int W)[] grids)
    {
        var (batch, length) = (tokenIds.shape[0], tokenIds.shape[1]);
        var tokens = tokenIds.cpu().contiguous().data<long>().ToArray();
        var flat = new long[3 * batch * length];
        for (var b = 0; b < batch; b++)
        {
            var row = QwenRopeIndex.Positions(tokens.AsSpan((int)(b * length), (int)length), [grids[b]], _vision.ImageTokenId, _vision.MergeSize);
            for (var axis = 0; axis < 3; axis++)
            {
                for (var i = 0; i < length; i++)
                {
                    flat[(axis * batch + b) * length + i] = row[axis, i];
                }
            }
        }
        return tensor(flat, [3, batch, length], device: tokenIds.device);
    }
}

using Lop.Core.Models.Vision;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Models;

/// <summary>
/// The decoder of LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM. Submodules are named as in
/// the checkpoint (model.embed_tokens, model.layers.N..., model.norm, lm_head) so that
/// named_parameters() are exactly the Hugging Face tensor names. FFN widths are per layer, so pruned
/// variants load into the same class.
/// </summary>
internal sealed class CausalLm : nn.Module<Tensor, Tensor>, IPrunableModel
{
    private readonly DecoderStack model;
    private readonly Linear? lm_head;

    public CausalLm(ModelConfig config) : this(config, null)
    {
    }

    /// <param name="visionFfns">the FFNs of the vision tower this decoder serves (LLaVA, Qwen2-VL), so one view owns every FFN's state</param>
    internal CausalLm(ModelConfig config, IReadOnlyList<IVisionFfn>? visionFfns) : base("CausalLm")
    {
        Config = config;
        model = new DecoderStack("model", config);
        lm_head = config.TieWordEmbeddings ? null : nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
        Prefix = new PrefixView(model.Layers.Select(l => l.Mlp).ToArray(), visionFfns);
    }

    public ModelConfig Config { get; }

    public IReadOnlyList<DecoderLayer> Layers => model.Layers;

    public PrefixView Prefix { get; }

    /// <summary>The input embedding table [vocab, hidden] (multimodal models overwrite image positions of its output).</summary>
    public Tensor EmbedTokens(Tensor tokenIds) => model.Embed(tokenIds);

    public Tensor Logits(SequenceBatch batch, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(model.Embed(batch.Tokens), null, positions).MoveToOuterDisposeScope();
    }

    void IPrunableModel.SetTraining(bool on) => train(on);

    /// <summary>Logits [batch, seq, vocab] for token ids [batch, seq].</summary>
    public override Tensor forward(Tensor tokenIds)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(model.Embed(tokenIds)).MoveToOuterDisposeScope();
    }

    /// <summary>Logits for input embeddings [batch, seq, hidden] (text embeddings with image features placed in).</summary>
    public Tensor ForwardEmbeddings(Tensor embeddings) => ForwardEmbeddings(embeddings, null);

    /// <param name="embeddings">[batch, seq, hidden]</param>
    /// <param name="rotary">cos and sin tables broadcasting to [batch, heads, seq, headDim] (Qwen2-VL's M-RoPE); null for the config's RoPE</param>
    /// <param name="positions">when given, the output layer runs at these sequence positions only (int64 [P])</param>
    public Tensor ForwardEmbeddings(Tensor embeddings, (Tensor Cos, Tensor Sin)? rotary, Tensor? positions = null)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(embeddings, rotary);
        if (positions is not null)
        {
            hidden = hidden.index_select(1, positions);
        }
        var logits = lm_head is null
            ? nn.functional.linear(hidden, model.EmbeddingWeight)
            : lm_head.forward(hidden);
        return logits.MoveToOuterDisposeScope();
    }

    private sealed class DecoderStack : nn.Module<Tensor, Tensor>
    {
        private readonly ModelConfig _config;
        private readonly DecoderLayer[] _layerList;
        private readonly Embedding embed_tokens;
        private readonly ModuleList<DecoderLayer> layers;
        private readonly RmsNorm norm;

        public DecoderStack(string name, ModelConfig config) : base(name)
        {
            _config = config;
            embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
            _layerList = Enumerable.Range(0, config.NumLayers)
                .Select(i => new DecoderLayer(i.ToString(System.Globalization.CultureInfo.InvariantCulture), i, config))
                .ToArray();
            layers = new ModuleList<DecoderLayer>(_layerList);
            norm = new RmsNorm("norm", config.HiddenSize, config.RmsNormEps);
            RegisterComponents();
        }

        public IReadOnlyList<DecoderLayer> Layers => _layerList;

        public Tensor EmbeddingWeight => embed_tokens.weight!;

        public Tensor Embed(Tensor tokenIds) => embed_tokens.forward(tokenIds);

        public override Tensor forward(Tensor embeddings) => Forward(embeddings, null);

        public Tensor Forward(Tensor embeddings, (Tensor Cos, Tensor Sin)? rotary)
        {
            using var scope = NewDisposeScope();
            var hidden = embeddings;
            var (cos, sin) = rotary ?? RotaryEmbedding.Tables(embeddings.shape[1], _config.HeadDim, _config.RopeTheta, _config.RopeScaling, hidden.dtype, hidden.device);
            foreach (var layer in layers)
            {
                hidden = layer.forward(hidden, cos, sin);
            }
            return norm.forward(hidden).MoveToOuterDisposeScope();
        }
    }
}

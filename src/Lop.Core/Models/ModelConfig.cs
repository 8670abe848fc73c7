namespace Lop.Core.Models;
// TEMPORARY stand-in until the formats work lands.
public sealed record ModelConfig
{
    public string Architecture { get; init; } = "LlamaForCausalLM";
    public int HiddenSize { get; init; }
    public int[] IntermediateSizes { get; init; } = [];
    public int NumLayers { get; init; }
    public int NumHeads { get; init; }
    public int NumKvHeads { get; init; }
    public int HeadDim { get; init; }
    public int VocabSize { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000;
    public bool TieWordEmbeddings { get; init; }
    public bool AttentionBias { get; init; }
}

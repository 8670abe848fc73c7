using Lop.Core.Models;
using Lop.Core.Search;

namespace Lop.Benchmarks;

/// <summary>
/// Forward FLOPs of a search from the work it counted (<see cref="SearchCost"/>): per decoder token and layer the
/// attention projections and the causal attention itself, the FFN at the configuration's kept width, and the output
/// layer at the scored positions only. Multiply-adds count 2; norms, RoPE, softmax and a vision tower are left out.
/// </summary>
internal static class SearchFlops
{
    /// <param name="sequenceLength">tokens per reward sequence (attention over its causal half on average)</param>
    public static double Estimate(ModelConfig config, SearchCost cost, int sequenceLength) =>
        Decoder(config, cost.DecoderTokens, cost.KeptNeuronTokens, sequenceLength) + Head(config, cost.ScoredTokens);

    public static double Decoder(ModelConfig config, double decoderTokens, double keptNeuronTokens, int sequenceLength)
    {
        double h = config.HiddenSize, q = config.NumHeads * config.HeadDim, kv = config.NumKvHeads * config.HeadDim;
        var projections = 2 * h * (q + 2 * kv) + 2 * q * h;
        var attention = 2 * 2 * ((sequenceLength - 1) / 2.0) * q;
        return decoderTokens * config.NumLayers * (projections + attention) + keptNeuronTokens * 6 * h;
    }

    public static double Head(ModelConfig config, double scoredTokens) => scoredTokens * 2.0 * config.HiddenSize * config.VocabSize;
}

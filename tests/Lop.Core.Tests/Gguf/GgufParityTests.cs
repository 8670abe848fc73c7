using Lop.Core.Calibration;
using Lop.Core.Evaluation;
using Lop.Core.Formats;
using Lop.Core.Gguf;
using Lop.Core.Jobs;
using Lop.Core.Models;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// The exported GGUF scored by llama.cpp (through LLamaSharp) against the engine, on the same token
/// ids: llama.cpp shares no code with the engine, so agreement checks the export itself.
/// </summary>
public sealed class GgufParityTests
{
    private static CalibrationSequence[] Sequences(int vocab, int count = 6, int length = 24)
    {
        var random = new Random(5);
        return Enumerable.Range(0, count).Select(_ => new CalibrationSequence(Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray())).ToArray();
    }

    private static (double Engine, double LlamaCpp) MeanNll(ModelConfig config, string type, Action<string>? reshape = null)
    {
        using var folder = new TempFolder();
        var model = TinyModels.Random(config);
        var modelFolder = TestCheckpoints.Save(model, folder.Sub("model"));
        reshape?.Invoke(modelFolder);
        var sequences = Sequences(config.VocabSize);
        var engine = LogLikelihood.Evaluate(model, sequences, batchSize: 8).MeanNll;
        var output = folder.Sub("model.gguf");
        using (var checkpoint = HfCheckpoint.Open(modelFolder))
        {
            GgufExporter.Export(checkpoint, output, GgufExportType.Parse(type), SilentProgress.Instance);
        }
        using var scorer = LlamaCppScorer.Open(output, sequences.Max(s => s.Length));
        return (engine, scorer.Score(sequences).MeanNll);
    }

    [Theory]
    [InlineData("f32", 1e-4)]
    [InlineData("f16", 1e-3)]
    public void A_non_uniform_qwen2_variant_scores_the_same_under_llama_cpp_as_in_the_engine(string type, double tolerance)
    {
        var config = TinyModels.Config(layers: 3, hidden: 64, heads: 8, kvHeads: 2, vocab: 256, attentionBias: true, widths: [96, 32, 64]);
        var (engine, llamaCpp) = MeanNll(config, type);
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, tolerance);
    }

    [Fact]
    public void A_uniform_llama_with_tied_embeddings_scores_the_same_under_llama_cpp_as_in_the_engine()
    {
        var config = TinyModels.Config(layers: 2, hidden: 64, heads: 4, kvHeads: 4, vocab: 256, tied: true);
        var (engine, llamaCpp) = MeanNll(config, "f32");
        Assert.InRange(Math.Abs(llamaCpp - engine) / engine, 0, 1e-4);
    }
}

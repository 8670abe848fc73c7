using Lop.Core.Calibration;
using Lop.Core.Formats;
using Lop.Core.Importance;
using Lop.Core.Models;
using Lop.Core.Progress;
using Lop.Core.Pruning;
using Lop.Core.Evaluation;
using Lop.Core.Loading;

namespace Lop.Core.Tests.Pruning;

public class PrefixEvaluatorTests
{
    [Theory]
    [InlineData(ImportanceMethod.Activation)]
    [InlineData(ImportanceMethod.Flap)]
    public void A_prefix_view_scores_exactly_what_the_written_variant_scores(ImportanceMethod method)
    {
        using var temp = new TempFolder();
        var config = TinyModels.Config(layers: 3);
        var model = TinyModels.Random(config);
        var source = TestCheckpoints.Save(model, temp.Sub("model"));
        var scores = TestCheckpoints.Importance(model, config.VocabSize);
        var plan = PruningPlan.Create(scores, [0.5, 0.25, 0.75], method);
        using (var checkpoint = HfCheckpoint.Open(source))
        {
            TestVariants.Write(checkpoint, plan, source, temp.Sub("variant"), sourceFingerprint: "x");
        }
        using var written = HfCheckpoint.Open(temp.Sub("variant"));
        var tokens = TinyModels.Tokens(4, 12, config.VocabSize, seed: 8);
        var sequences = CalibrationSequence.FromTokens(Enumerable.Range(0, 4).Select(i => tokens[i].data<long>().Select(v => (int)v).ToArray()));

        var evaluator = new PrefixEvaluator(model, scores);
        evaluator.UseMethod(method == ImportanceMethod.Flap ? ImportanceMethod.Activation : ImportanceMethod.Magnitude);
        evaluator.UseMethod(method);
        var prefix = evaluator.Evaluate(plan.KeptCounts, sequences, batchSize: 2);
        var variant = LogLikelihood.Evaluate(CheckpointLoader.Load(written), sequences, batchSize: 2);

        Assert.Equal(variant.Perplexity, prefix.Perplexity, 4);
        Assert.Null(model.Prefix.Narrowed);
    }
}

using System.Text.Json;
using Lop.Core.Calibration;
using Lop.Core.Errors;
using Lop.Core.Evaluation;
using Lop.Core.Models;
using Lop.Core.Search;
using static TorchSharp.torch;

namespace Lop.Core.Tests.Search;

/// <summary>Staged fidelity, a strided cheap stage and early stopping: each changes what it should and nothing else.</summary>
public class CheaperSimulationTests
{
    private const double Budget = 0.5;

    [Fact]
    public void Staged_fidelity_scores_fewer_candidates_on_every_sequence_and_every_record_is_a_full_fidelity_reward()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        var settings = new SearchSettings { Simulations = 30, Staged = new StagedFidelity(Sequences: 2, PromoteTop: 2) };

        var result = MctsSearch.Run(model, sequences, Budget, settings);

        Assert.True(result.Cost.FullEvaluations < result.Cost.CheapEvaluations,
            $"{result.Cost.FullEvaluations} full evaluations of {result.Cost.CheapEvaluations} candidates");
        Assert.True(result.Cost.FullEvaluations >= 2, "the root and at least one child are promoted");
        Assert.Equal(result.Records.Count, result.Cost.FullEvaluations);
        Assert.Equal(result.Records.Count, result.Evaluations);
        Assert.Equal(0, result.Records[0].Simulation);
        Assert.Equal(result.Records.Max(r => r.Reward), result.Best.Reward);
        // Every record, the best included, is the NLL over all 8 sequences, not the cheap one over 2.
        foreach (var record in result.Records)
        {
            double all, cheap;
            using (model.Prefix.Narrow(record.Kept))
            {
                all = HandNll.Mean(t => model.forward(t), sequences.Select(s => s.Tokens));
                cheap = HandNll.Mean(t => model.forward(t), sequences.Take(2).Select(s => s.Tokens));
            }
            Assert.Equal(all, -record.Reward, 1e-4);
            Assert.True(Math.Abs(cheap + record.Reward) > 1e-4, $"the record {-record.Reward} is the cheap NLL {cheap}");
        }
        // Decoder work: 8 sequences per full evaluation, 2 per cheap one, 15 inputs each.
        Assert.Equal(15L * (8 * result.Cost.FullEvaluations + 2 * result.Cost.CheapEvaluations), result.Cost.DecoderTokens);
    }

    [Fact]
    public void Staged_fidelity_with_as_many_cheap_sequences_as_reward_sequences_is_the_plain_search()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        var plain = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 10 });

        var staged = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 10, Staged = new StagedFidelity(sequences.Length) });

        Assert.Equal(Describe(plain), Describe(staged));
        Assert.Equal(0, staged.Cost.CheapEvaluations);
    }

    [Fact]
    public void A_token_stride_takes_the_loss_at_every_nth_target_only_as_computed_by_hand_from_the_full_logits()
    {
        var (model, sequences) = MctsSearchTests.Setup();

        var strided = LogLikelihood.Evaluate(model, sequences, batchSize: 3, tokenStride: 4);

        // 16 tokens give targets 0..14 (target i predicts token i + 1); stride 4 keeps targets 3, 7 and 11.
        Assert.Equal([3, 7, 11], ScoredTargets.Indices(15, 4));
        double total = 0;
        using (inference_mode())
        {
            foreach (var sequence in sequences)
            {
                using var scope = NewDisposeScope();
                var ids = tensor(sequence.Tokens.Select(t => (long)t).ToArray(), [1, sequence.Length]);
                var logProbabilities = model.forward(ids)[0].to_type(ScalarType.Float64).log_softmax(-1);
                foreach (var target in new[] { 3, 7, 11 })
                {
                    total -= logProbabilities[target, sequence.Tokens[target + 1]].item<double>();
                }
            }
        }
        Assert.Equal(3L * sequences.Length, strided.PredictedTokens);
        Assert.Equal(total / (3 * sequences.Length), strided.MeanNll, 5);
        Assert.NotEqual(LogLikelihood.Evaluate(model, sequences, batchSize: 3).MeanNll, strided.MeanNll, 5);
    }

    [Fact]
    public void Logits_at_chosen_positions_are_the_full_logits_at_those_positions()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var batch = SequenceBatch.Create(sequences, 0, 4);
        var positions = tensor(new long[] { 1, 5, 12 });

        var selected = model.Logits(batch, positions);

        Assert.Equal([4L, 3L, model.Config.VocabSize], selected.shape);
        Assert.True(selected.allclose(model.Logits(batch).index_select(1, positions), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_strided_loss_counts_only_the_selected_targets_inside_the_loss_mask()
    {
        // Tokens 0..8 give targets 0..7; stride 2 selects targets 1, 3, 5, 7, i.e. tokens 2, 4, 6, 8. The mask keeps tokens 5..8.
        var masked = new CalibrationSequence([1, 2, 3, 4, 5, 6, 7, 8, 9]) { LossMask = [false, false, false, false, false, true, true, true, true] };

        Assert.Equal(2, ScoredTargets.Count(masked, 2));
        Assert.Equal(4, ScoredTargets.Count(new CalibrationSequence([1, 2, 3, 4, 5, 6, 7, 8, 9]), 2));
        Assert.Equal(masked.TargetCount, ScoredTargets.Count(masked, 1));
    }

    [Fact]
    public void A_token_stride_thins_the_cheap_stage_only_and_every_record_is_the_loss_on_every_target()
    {
        var (model, sequences) = MctsSearchTests.Setup();

        var result = MctsSearch.Run(model, sequences, Budget,
            new SearchSettings { Simulations = 6, Staged = new StagedFidelity(Sequences: 2, PromoteTop: 2), TokenStride = 4 });

        // Cheap: 2 sequences, 3 of 15 targets each; full: 8 sequences, every one of 15 targets. The decoder runs on every token of both.
        Assert.Equal(3L * 2 * result.Cost.CheapEvaluations + 15L * 8 * result.Cost.FullEvaluations, result.Cost.ScoredTokens);
        Assert.Equal(15L * 2 * result.Cost.CheapEvaluations + 15L * 8 * result.Cost.FullEvaluations, result.Cost.DecoderTokens);
        Assert.All(result.Records, record =>
        {
            using var narrowed = model.Prefix.Narrow(record.Kept);
            Assert.Equal(LogLikelihood.Evaluate(model, sequences, 8).MeanNll, -record.Reward, 9);
        });
    }

    [Fact]
    public void Patience_stops_the_search_after_exactly_that_many_simulations_that_find_nothing_better()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        // Perturbations far below one neuron round back to the root: no simulation can improve on it.
        var settings = new SearchSettings { Simulations = 50, InitialDelta = 1e-4, MinDelta = 1e-4, Patience = 7 };

        var result = MctsSearch.Run(model, sequences, Budget, settings);

        Assert.Equal(7, result.Cost.Simulations);
        Assert.Single(result.Records);
    }

    [Fact]
    public void Patience_stops_that_many_simulations_after_the_last_improvement_and_keeps_everything_evaluated_until_then()
    {
        var (model, sequences) = MctsSearchTests.Setup();
        var full = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 60 });

        var stopped = MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 60, Patience = 4 });

        Assert.True(stopped.Cost.Simulations < 60, "the search ran every simulation; the test needs one that stops");
        Assert.Equal(stopped.Best.Simulation + 4, stopped.Cost.Simulations);
        // The same walk as the full search up to where it stopped: the same records, the same best so far.
        Assert.Equal(Describe(full).Take(stopped.Records.Count), Describe(stopped));
        Assert.Equal(full.Records.Count(r => r.Simulation <= stopped.Cost.Simulations), stopped.Records.Count);
        Assert.All(full.Records.Where(r => r.Simulation > stopped.Best.Simulation && r.Simulation <= stopped.Cost.Simulations),
            r => Assert.True(r.Reward <= stopped.Best.Reward));
    }

    [Fact]
    public void Defaults_are_off_and_leave_the_settings_json_of_cache_keys_unchanged()
    {
        var defaults = new SearchSettings();

        Assert.Null(defaults.Staged);
        Assert.Null(defaults.TokenStride);
        Assert.Equal(0, defaults.Patience);
        var json = JsonSerializer.Serialize(defaults);
        Assert.DoesNotContain("Staged", json);
        Assert.DoesNotContain("TokenStride", json);
        Assert.DoesNotContain("Patience", json);
        // The command line's "off" values (staged 0, stride 1, patience 0) are the defaults themselves.
        Assert.Equal(defaults, defaults.WithCheaperSimulations(0, 5, 1, 0));
        Assert.Equal(new SearchSettings { Staged = new StagedFidelity(4, 3), TokenStride = 2, Patience = 9 }, defaults.WithCheaperSimulations(4, 3, 2, 9));
        Assert.Contains("\"Staged\":{\"Sequences\":4,\"PromoteTop\":8,\"Score\":\"dense-kl\",\"TreeValue\":\"full-where-promoted\"}", JsonSerializer.Serialize(defaults with { Staged = new StagedFidelity(4) }));
    }

    [Fact]
    public void Settings_with_every_cheaper_simulation_option_read_back_from_a_dataset_file_as_they_were_written()
    {
        var settings = new SearchSettings { Staged = new StagedFidelity(4, 3), TokenStride = 2, Patience = 9 };
        var camelCase = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

        Assert.Equal(settings, JsonSerializer.Deserialize<SearchSettings>(JsonSerializer.Serialize(settings, camelCase), camelCase));
        Assert.Equal(new SearchSettings(), JsonSerializer.Deserialize<SearchSettings>(JsonSerializer.Serialize(new SearchSettings(), camelCase), camelCase));
    }

    [Fact]
    public void Invalid_cheaper_simulation_settings_are_refused_with_what_to_change()
    {
        Assert.Contains("staged sequences is 0", Refused(new SearchSettings { Staged = new StagedFidelity(0) }));
        Assert.Contains("promote top is 0", Refused(new SearchSettings { Staged = new StagedFidelity(2, 0) }));
        Assert.Contains("token stride is 0", Refused(new SearchSettings { TokenStride = 0, Staged = new StagedFidelity(2) }));
        Assert.Contains("it thins the cheap stage only and staged sequences is 0", Refused(new SearchSettings { TokenStride = 4 }));
        Assert.Contains("patience is -1", Refused(new SearchSettings { Patience = -1 }));

        var (model, sequences) = MctsSearchTests.Setup();
        var error = Assert.Throws<LopException>(() => MctsSearch.Run(model, sequences, Budget, new SearchSettings { Simulations = 2, Staged = new StagedFidelity(2), TokenStride = 16 }));
        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
        Assert.Contains("a token stride of 16 scores no target of the 2 cheap-stage sequences", error.Message);
    }

    private static string Refused(SearchSettings settings)
    {
        var error = Assert.Throws<LopException>(settings.Validate);
        Assert.Equal(ErrorCodes.InvalidArgument, error.Code);
        return error.Message;
    }

    private static string[] Describe(SearchResult result) =>
        result.Records.Select(r => $"{r.Simulation}:{string.Join(',', r.Kept)}:{r.Reward:R}").ToArray();
}

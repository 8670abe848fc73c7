using Lop.Core.Models;
using Lop.Core.Targets;

namespace Lop.Core.Tests.Targets;

public sealed class TargetSolverTests
{
    // The tiny LLaMA: hidden 32, 3 x 48 FFN neurons, 4 heads, 2 KV heads of 8, vocab 61, untied.
    private static readonly ModelSizing Sizing = ModelSizing.From(TinyModels.Config(), bytesPerParameter: 4);

    private static long Count(ModelConfig config) => config.RequiredTensors().Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

    [Theory]
    [InlineData(false, false, null)]
    [InlineData(true, false, null)]
    [InlineData(false, true, null)]
    [InlineData(false, false, new[] { 7, 48, 20 })]
    public void Sizing_agrees_with_the_checkpoint_tensors(bool tied, bool bias, int[]? widths)
    {
        var dense = TinyModels.Config(tied: tied, attentionBias: bias);
        var sizing = ModelSizing.From(dense);
        Assert.Equal(Count(dense), sizing.Parameters(sizing.TotalNeurons));
        Assert.Equal(96, sizing.ParametersPerNeuron);
        Assert.Equal(144, sizing.TotalNeurons);
        Assert.Equal(15, sizing.MinimumKeptNeurons);
        Assert.Equal(4, sizing.BytesPerParameter);
        Assert.Equal(2 * 3 * 2 * 8 * 4, sizing.KvBytesPerToken);
        if (widths is not null)
        {
            Assert.Equal(Count(dense with { IntermediateSizes = widths }), sizing.Parameters(widths.Sum()));
        }
    }

    [Fact]
    public void The_tiny_model_has_the_documented_shape()
    {
        Assert.Equal(13_344, Sizing.FixedParameters);
        Assert.Equal(2, ModelSizing.From(TinyModels.Config() with { TorchDType = "bfloat16" }).BytesPerParameter);
        Assert.Equal(5 + 5 + 1, ModelSizing.From(TinyModels.Config(widths: [48, 48, 7])).MinimumKeptNeurons);
    }

    [Theory]
    [InlineData(0.5, 72)]
    [InlineData(0.0, 144)]
    [InlineData(0.25, 108)]
    [InlineData(1.0 / 288, 144)] // half a neuron rounds away from pruning it
    [InlineData(0.8958, 15)]
    public void A_ratio_rounds_to_whole_neurons(double ratio, int kept)
    {
        var solved = TargetSolver.Solve(new RatioConstraint(ratio), Sizing);
        Assert.True(solved.Feasible);
        Assert.Equal(kept, solved.KeptNeurons);
        Assert.Equal(1.0 - kept / 144.0, solved.Budget, 12);
    }

    [Theory]
    [InlineData(20_000L)]
    [InlineData(20_064L)]
    [InlineData(14_784L)]
    [InlineData(27_167L)]
    public void Max_params_keeps_the_most_neurons_that_fit(long limit)
    {
        var solved = TargetSolver.Solve(new MaxParamsConstraint(limit), Sizing);
        Assert.True(solved.Feasible);
        Assert.True(solved.Parameters <= limit);
        Assert.True(Sizing.Parameters(solved.KeptNeurons + 1) > limit);
        Assert.Equal(Sizing.Parameters(solved.KeptNeurons), solved.Parameters);
        Assert.Contains("one more neuron would exceed it", solved.Explanation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(80_000L)]
    [InlineData(100_000L)]
    [InlineData(59_136L)]
    public void Max_weight_bytes_keeps_the_most_neurons_that_fit(long limit)
    {
        var solved = TargetSolver.Solve(new MaxWeightBytesConstraint(limit), Sizing);
        Assert.True(solved.WeightBytes <= limit);
        Assert.True(Sizing.WeightBytes(solved.KeptNeurons + 1) > limit);
        Assert.Equal(solved.Parameters * 4, solved.WeightBytes);
    }

    [Fact]
    public void Max_memory_counts_the_kv_cache_of_the_context_and_batch()
    {
        var constraint = new MaxMemoryConstraint(100_000, ContextLength: 16, Batch: 2);
        var solved = TargetSolver.Solve(constraint, Sizing);
        Assert.True(solved.MemoryBytes <= 100_000);
        Assert.Equal(solved.WeightBytes + 16 * 2 * 96 * 4, solved.MemoryBytes);
        Assert.True(Sizing.MemoryBytes(solved.KeptNeurons + 1, 16, 2) > 100_000);
        Assert.True(solved.KeptNeurons < TargetSolver.Solve(new MaxWeightBytesConstraint(100_000), Sizing).KeptNeurons);
    }

    [Fact]
    public void A_device_sizes_in_its_own_dtype()
    {
        var solved = TargetSolver.Solve(new DeviceConstraint("pixel-8", 40_000, "f16", 8, 1), Sizing);
        var f16 = Sizing with { BytesPerParameter = 2 };
        Assert.Equal(solved.Parameters * 2, solved.WeightBytes);
        Assert.True(solved.MemoryBytes <= 40_000);
        Assert.True(f16.MemoryBytes(solved.KeptNeurons + 1, 8, 1) > 40_000);
        Assert.Contains("on pixel-8 (f16)", solved.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_constraint_looser_than_the_dense_model_prunes_nothing()
    {
        var solved = TargetSolver.Solve(new DeviceConstraint("h100-80gb", 72L << 30, "bf16"), Sizing);
        Assert.Equal((0.0, 144), (solved.Budget, solved.KeptNeurons));
        Assert.Contains("the dense model already fits", solved.Explanation, StringComparison.Ordinal);
        Assert.Equal(0.0, TargetSolver.Solve(new MaxParamsConstraint(27_168), Sizing).Budget);
    }

    [Theory]
    [InlineData(14_783L)]
    [InlineData(10_000L)]
    [InlineData(1L)]
    public void Below_the_floor_is_infeasible_and_reports_the_floor(long limit)
    {
        var solved = TargetSolver.Solve(new MaxParamsConstraint(limit), Sizing);
        Assert.False(solved.Feasible);
        Assert.Equal(15, solved.KeptNeurons);
        Assert.Equal(14_784, solved.Parameters);
        Assert.Contains("the smallest achievable is 14,784 parameters", solved.Explanation, StringComparison.Ordinal);
        Assert.False(TargetSolver.Solve(new RatioConstraint(0.9), Sizing).Feasible);
    }
}

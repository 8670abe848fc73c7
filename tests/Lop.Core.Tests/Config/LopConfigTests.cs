using Lop.Core.Config;
using Lop.Core.Predictor;
using Lop.Core.Settings;
using Lop.Core.Targets;
using Lop.Runtime.Devices;
using Lop.Core.Calibration;

namespace Lop.Core.Tests.Config;

public sealed class LopConfigTests : IDisposable
{
    private const string Smallest = """
        model: sample/model
        calibration: sample/calibration.txt
        targets:
          - name: half
            ratio: 0.5
        """;

    private readonly ConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_smallest_file_parses_with_the_repo_defaults()
    {
        var config = _folder.Load(Smallest);

        Assert.Equal(_folder.Yaml, config.YamlPath);
        Assert.Equal(_folder.Path, config.Folder);
        Assert.Equal(Path.Combine(_folder.Path, "sample", "model"), config.ModelFolder);
        Assert.Equal(Path.Combine(_folder.Path, "sample", "calibration.txt"), config.Calibration.Path);
        Assert.Equal(128, config.Calibration.SequenceLength);
        Assert.Equal(0.25, config.Calibration.HeldOutFraction);
        Assert.Null(config.Calibration.MaxSequences);
        Assert.Equal("f32", config.DType);
        Assert.Equal([0.2, 0.4, 0.6, 0.8], config.Training.Budgets);
        Assert.Equal(new Lop.Core.Search.SearchSettings(), config.Training.Search);
        Assert.Equal(new PredictorSettings(), config.Training.Predictor);
        Assert.Equal(32, config.Training.TopConfigurations);
        Assert.Equal(32, config.Training.RewardSequences);
        Assert.Equal(Path.Combine(_folder.Path, "lop-variants"), config.OutputFolder);
        Assert.Null(config.CacheFolder);
        Assert.Equal(new TargetSpec("half", new RatioConstraint(0.5), 4, 5), Assert.Single(config.Targets));
        Assert.Equal(72, config.Solve(config.Targets[0]).KeptNeurons);
    }

    [Fact]
    public void Every_option_is_read()
    {
        var config = _folder.Load("""
            model: sample/model
            calibration:
              path: sample/calibration.txt
              sequenceLength: 64
              heldOut: 0.1
              seed: 7
              maxSequences: 100
            dtype: bf16
            search:
              budgets: [0.3, 0.5]
              simulations: 10
              seedsPerBudget: 3
              rewardSequences: 4
              seed: 99
              maxPruneRatio: 0.8
            predictor:
              architecture: bilstm
              epochs: 5
              top: 8
            output:
              path: out/variants
            cache: .cache
            targets:
              - name: phone
                maxWeightBytes: 100KB
              - name: small
                maxParams: 20K
              - name: server
                maxMemory: 0.1MiB
                contextLength: 16
                batch: 2
              - name: edge-box
                device: Jetson-Orin-Nano-8gb
              - name: tiny-box
                device: pixel-8
                maxMemory: 80000
                contextLength: 8
            """);

        Assert.Equal(new Lop.Core.Calibration.CalibrationOptions(Path.Combine(_folder.Path, "sample", "calibration.txt"), 64, 0.1, 7, 100), config.Calibration);
        Assert.Equal("bf16", config.DType);
        Assert.Equal([0.3, 0.5], config.Training.Budgets);
        Assert.Equal(10, config.Training.Search.Simulations);
        Assert.Equal(3, config.Training.Search.SeedsPerBudget);
        Assert.Equal(99, config.Training.Search.Seed);
        Assert.Equal(99, config.Training.Predictor.Seed);
        Assert.Equal(0.8, config.Training.Search.UpperBound);
        Assert.Equal(4, config.Training.RewardSequences);
        Assert.Equal(PredictorArchitecture.BiLstm, config.Training.Predictor.Architecture);
        Assert.Equal(5, config.Training.Predictor.Epochs);
        Assert.Equal(8, config.Training.TopConfigurations);
        Assert.Equal(Path.Combine(_folder.Path, "out", "variants"), config.OutputFolder);
        Assert.Equal(Path.Combine(_folder.Path, ".cache"), config.CacheFolder);
        Assert.Equal<TargetConstraint>(
            [
                new MaxWeightBytesConstraint(100_000),
                new MaxParamsConstraint(20_000),
                new MaxMemoryConstraint(104_857, 16, 2),
                new DeviceConstraint("jetson-orin-nano-8gb", 6L << 30, "f16"),
                new DeviceConstraint("pixel-8", 80_000, "f16", 8, 1),
            ],
            config.Targets.Select(t => t.Constraint).ToArray());
        Assert.Equal(["phone", "small", "server", "edge-box", "tiny-box"], config.Targets.Select(t => t.Name));
        Assert.Equal((32, 5), (config.Targets[3].Line, config.Targets[3].Column));
    }

    [Fact]
    public void The_init_template_parses_and_states_the_defaults()
    {
        var config = _folder.Load(LopConfigTemplate.Text);
        var smallest = _folder.Load(Smallest);

        Assert.Equal(smallest.Calibration, config.Calibration);
        Assert.Equal(smallest.Training.Budgets, config.Training.Budgets);
        Assert.Equal(smallest.Training with { Budgets = [] }, config.Training with { Budgets = [] });
        Assert.Equal(smallest.OutputFolder, config.OutputFolder);
        Assert.Equal(smallest.DType, config.DType);
        Assert.Null(config.CacheFolder);
        Assert.All(DeviceCatalog.Names, name => Assert.Contains(name, LopConfigTemplate.Text, StringComparison.Ordinal));
    }

    [Fact]
    public void The_init_template_reads_back_as_the_settings_records_defaults()
    {
        var config = _folder.Load(LopConfigTemplate.Text);

        Assert.Equal(new CalibrationOptions(Path.Combine(_folder.Path, "sample", "calibration.txt")), config.Calibration);
        Assert.Equal(ComputeSettings.DefaultDType, config.DType);
        Assert.Equal(PredictorTraining.DefaultBudgets, config.Training.Budgets);
        Assert.Equal(PredictorTraining.Default with { Budgets = [] }, config.Training with { Budgets = [] });
        Assert.Equal(Path.Combine(_folder.Path, LopConfig.DefaultOutputFolder), config.OutputFolder);
        Assert.Equal([LopConfig.SafetensorsFormat], config.Formats);
        Assert.Equal(TargetSpec.DefaultQuantization, config.Targets[0].Quantization);
    }

    [Fact]
    public void The_cheaper_simulation_keys_set_staged_fidelity_the_token_stride_and_patience()
    {
        var config = _folder.Load(Smallest + """

            search:
              stagedSequences: 4
              promoteTop: 3
              tokenStride: 2
              patience: 40
            """);

        Assert.Equal(new Lop.Core.Search.SearchSettings { Staged = new Lop.Core.Search.StagedFidelity(4, 3), TokenStride = 2, Patience = 40 }, config.Training.Search);
        Assert.Contains("search.tokenStride is '0'", _folder.Error(Smallest + "\nsearch:\n  tokenStride: 0\n"));
        var alone = _folder.Error(Smallest + "\nsearch:\n  tokenStride: 4\n");
        Assert.Contains("search.tokenStride is 4, but the stride thins the cheap stage of staged fidelity only", alone);
        Assert.Contains("lop.yaml", alone);
    }

    [Fact]
    public void A_seed_sets_the_search_and_the_predictor_seed()
    {
        var seeded = PredictorTraining.Default.WithSeed(99);

        Assert.Equal((99L, 99L), (seeded.Search.Seed, seeded.Predictor.Seed));
        Assert.Equal(PredictorTraining.Default with { Search = seeded.Search, Predictor = seeded.Predictor }, seeded);
        Assert.Equal(new Lop.Core.Search.SearchSettings(), seeded.Search with { Seed = new Lop.Core.Search.SearchSettings().Seed });
    }

    [Fact]
    public void A_yaml_syntax_error_points_at_the_parser_position()
    {
        var error = _folder.Error("model: sample/model\ncalibration: [sample/calibration.txt\ntargets: []\n");
        Assert.StartsWith($"{_folder.Yaml}(3,", error);
        Assert.Contains(": error LOP1001: YAML syntax", error);
    }

    [Fact]
    public void A_duplicate_key_is_a_syntax_error()
    {
        var error = _folder.Error(Smallest + "\nmodel: sample/model\n");
        Assert.StartsWith($"{_folder.Yaml}(6,1): error LOP1001:", error);
    }

    [Fact]
    public void An_unknown_key_suggests_the_nearest_one()
    {
        var error = _folder.Error("""
            model: sample/model
            calibration: sample/calibration.txt
            targets:
              - name: small
                maxParam: 20K
            """);
        Assert.StartsWith($"{_folder.Yaml}(5,5): error LOP1002: unknown key 'maxParam' in target 'small'; did you mean 'maxParams'?", error);
    }

    [Fact]
    public void An_unknown_key_far_from_all_lists_them()
    {
        var error = _folder.Error(Smallest + "\nfrobnicate: 1\n");
        Assert.Equal($"{_folder.Yaml}(6,1): error LOP1002: unknown key 'frobnicate' in lop.yaml; the keys are model, calibration, dtype, search, predictor, output, formats, cache, targets.", error);
    }

    [Theory]
    [InlineData("search:\n  simulations: many", 7, 16, "search.simulations is 'many'; expected an integer, at least 0.")]
    [InlineData("search:\n  seedsPerBudget: 0", 7, 19, "search.seedsPerBudget is '0'; expected an integer, at least 1.")]
    [InlineData("search:\n  budgets: [0.2, 1.5]", 7, 18, "a budget is '1.5'; expected a fraction at least 0 and below 1.")]
    [InlineData("search:\n  maxPruneRatio: 1", 7, 18, "search.maxPruneRatio is '1'; expected a fraction above 0 and below 1, e.g. 0.9.")]
    [InlineData("dtype: f64", 6, 8, "dtype is 'f64'; expected f32, bf16, f16 or checkpoint; did you mean 'f32'?")]
    [InlineData("predictor:\n  architecture: lstm", 7, 17, "predictor.architecture is 'lstm'; expected transformer, encoder, mlp or bilstm")]
    [InlineData("predictor: 3", 6, 12, "predictor is '3'; expected a mapping with keys architecture, epochs, top.")]
    public void A_wrong_value_says_what_is_expected(string extra, int line, int column, string message)
    {
        var error = _folder.Error(Smallest + "\n" + extra + "\n");
        Assert.StartsWith($"{_folder.Yaml}({line},{column}): error LOP1003: {message}", error);
    }

    [Theory]
    [InlineData("maxWeightBytes: 1.5 GX", "target 'x'.maxWeightBytes is '1.5 GX'; expected a positive size such as 1.5GB")]
    [InlineData("maxParams: 2.5Q", "target 'x'.maxParams is '2.5Q'; expected a positive count such as 2.5M")]
    [InlineData("ratio: 1", "target 'x'.ratio is '1'; expected a fraction of FFN neurons to remove, at least 0 and below 1")]
    [InlineData("maxMemory: 0", "target 'x'.maxMemory is '0'; expected a positive size")]
    public void A_wrong_constraint_value_points_at_the_value(string constraint, string message)
    {
        var error = _folder.Error($"""
            model: sample/model
            calibration: sample/calibration.txt
            targets:
              - name: x
                {constraint}
            """);
        var column = 5 + constraint.IndexOf(' ', StringComparison.Ordinal) + 1;
        Assert.StartsWith($"{_folder.Yaml}(5,{column}): error LOP1003: {message}", error);
    }

    [Fact]
    public void Context_length_without_a_memory_constraint_is_an_error()
    {
        var error = _folder.Error(Smallest + "\n    contextLength: 4096\n");
        Assert.StartsWith($"{_folder.Yaml}(6,5): error LOP1003: target 'half': contextLength only applies to maxMemory and device targets", error);
    }

    [Fact]
    public void A_missing_required_key_points_at_the_enclosing_mapping()
    {
        Assert.Equal(
            [
                $"{_folder.Yaml}(1,1): error LOP1004: lop.yaml lacks the required key 'calibration' (the calibration text file).",
                $"{_folder.Yaml}(3,5): error LOP1004: targets[0] lacks the required key 'name' (a unique name for the variant).",
            ],
            _folder.Errors("""
                model: sample/model
                targets:
                  - ratio: 0.5
                  - name: ok
                    ratio: 0.1
                """));
        Assert.Equal(
            $"{_folder.Yaml}(3,3): error LOP1004: calibration lacks the required key 'path' (the calibration text file).",
            _folder.Error("""
                model: sample/model
                calibration:
                  sequenceLength: 64
                targets:
                  - name: half
                    ratio: 0.5
                """));
    }

    [Fact]
    public void An_empty_file_lacks_everything()
    {
        Assert.Equal(
            ["model", "calibration", "targets"],
            _folder.Errors("# nothing yet\n").Select(e =>
            {
                Assert.StartsWith($"{_folder.Yaml}(1,1): error LOP1004: lop.yaml lacks the required key", e);
                return e.Split('\'')[1];
            }));
    }

    [Fact]
    public void Missing_files_are_reported_at_their_paths()
    {
        Directory.CreateDirectory(Path.Combine(_folder.Path, "empty"));
        Assert.Equal(
            [
                $"{_folder.Yaml}(1,8): error LOP1005: model folder {Path.Combine(_folder.Path, "nowhere")} does not exist",
                $"{_folder.Yaml}(3,9): error LOP1005: calibration file {Path.Combine(_folder.Path, "data.txt")} does not exist",
            ],
            _folder.Errors("""
                model: nowhere
                calibration:
                  path: data.txt
                targets:
                  - name: half
                    ratio: 0.5
                """).Select(e => e[..e.IndexOf(';', StringComparison.Ordinal)]));
        Assert.StartsWith($"{_folder.Yaml}(1,8): error LOP1005: model folder {Path.Combine(_folder.Path, "empty")} has no config.json",
            _folder.Error(Smallest.Replace("sample/model", "empty", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_duplicate_target_name_points_at_the_second()
    {
        var error = _folder.Error(Smallest + "\n  - name: half\n    ratio: 0.2\n");
        Assert.Equal($"{_folder.Yaml}(6,11): error LOP1006: target name 'half' is used twice; every target needs a unique name.", error);
    }

    [Fact]
    public void An_infeasible_target_gives_the_smallest_achievable_value()
    {
        var error = _folder.Error("""
            model: sample/model
            calibration: sample/calibration.txt
            targets:
              - name: tiny
                maxParams: 10K
            """);
        // Floor: ceil(0.1 x 48) = 5 neurons in each of 3 layers; 13,344 + 15 x 96 = 14,784 parameters.
        Assert.StartsWith($"{_folder.Yaml}(5,16): error LOP1007: target 'tiny' cannot be met: even with every FFN layer at its floor (15 of 144 neurons kept)", error);
        Assert.Contains("the smallest achievable is 14,784 parameters", error);
    }

    [Fact]
    public void The_floor_follows_max_prune_ratio()
    {
        var yaml = "model: sample/model\ncalibration: sample/calibration.txt\nsearch:\n  maxPruneRatio: 0.5\ntargets:\n  - name: r\n    ratio: 0.6\n";
        Assert.StartsWith($"{_folder.Yaml}(7,12): error LOP1007: target 'r' cannot be met: a ratio of 0.6 keeps 58 of 144 FFN neurons, but every layer keeps at least its floor (72 in all): the largest achievable ratio is 0.5;", _folder.Error(yaml));
    }

    [Fact]
    public void An_unknown_device_lists_the_catalog_and_suggests()
    {
        var error = _folder.Error(Smallest.Replace("ratio: 0.5", "device: jetson-orin-nano", StringComparison.Ordinal));
        Assert.StartsWith($"{_folder.Yaml}(5,13): error LOP1008: unknown device 'jetson-orin-nano'; did you mean 'jetson-orin-nano-8gb'? Built-in devices: ", error);
        Assert.All(DeviceCatalog.Names, name => Assert.Contains(name, error, StringComparison.Ordinal));
    }

    [Fact]
    public void A_target_needs_exactly_one_constraint()
    {
        Assert.Equal(
            [
                $"{_folder.Yaml}(4,5): error LOP1009: target 'none' has no constraint; give exactly one of ratio, maxParams, maxWeightBytes, maxMemory, device.",
                $"{_folder.Yaml}(7,5): error LOP1009: target 'two' has 2 constraints (ratio, maxParams); give exactly one (a second target can carry the other).",
            ],
            _folder.Errors("""
                model: sample/model
                calibration: sample/calibration.txt
                targets:
                  - name: none
                  - name: two
                    ratio: 0.5
                    maxParams: 20K
                  - name: box
                    device: pixel-8
                    maxMemory: 1GB
                """));
    }

    [Fact]
    public void All_errors_of_a_file_come_together_in_line_order()
    {
        var errors = _folder.Errors("""
            model: sample/model
            calibration: sample/calibration.txt
            dtype: f8
            search:
              simulation: 3
            targets:
              - name: a
                ratio: 2
              - name: a
                ratio: 0.1
            """);
        Assert.Equal(["LOP1003", "LOP1002", "LOP1003", "LOP1006"], errors.Select(e => e.Split("error ")[1][..7]));
        Assert.Equal([3, 5, 8, 9], errors.Select(e => int.Parse(e[(_folder.Yaml.Length + 1)..].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_held_out_fraction_of_zero_is_an_error()
    {
        var error = _folder.Error("model: sample/model\ncalibration:\n  path: sample/calibration.txt\n  heldOut: 0\n" + Smallest[Smallest.IndexOf("targets", StringComparison.Ordinal)..]);
        Assert.StartsWith($"{_folder.Yaml}(4,12): error LOP1003: calibration.heldOut is '0'; expected a fraction above 0 and below 1, e.g. 0.25", error);
    }

    [Fact]
    public void Max_sequences_below_one_search_and_one_held_out_is_an_error()
    {
        var error = _folder.Error("model: sample/model\ncalibration:\n  path: sample/calibration.txt\n  maxSequences: 1\n" + Smallest[Smallest.IndexOf("targets", StringComparison.Ordinal)..]);
        Assert.Equal($"{_folder.Yaml}(4,17): error LOP1003: calibration.maxSequences is 1; expected at least 2: one sequence for the search and one held out.", error);
    }

    [Fact]
    public void A_budget_above_the_default_max_prune_ratio_points_at_the_budget()
    {
        var error = _folder.Error(Smallest + "\nsearch:\n  budgets: [0.5, 0.95]\n");
        Assert.StartsWith($"{_folder.Yaml}(7,18): error LOP1003: a budget of 0.95 is above the maximum prune ratio 0.9 (search.maxPruneRatio, the default)", error);
    }

    [Fact]
    public void A_budget_above_max_prune_ratio_points_at_the_budget()
    {
        var error = _folder.Error(Smallest + "\nsearch:\n  maxPruneRatio: 0.6\n  budgets:\n    - 0.4\n    - 0.7\n");
        Assert.StartsWith($"{_folder.Yaml}(10,7): error LOP1003: a budget of 0.7 is above search.maxPruneRatio 0.6: no layer may lose more", error);
    }
}

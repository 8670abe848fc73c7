using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using Lop.Core.Packaging;
using Lop.Core.Tests;

namespace Lop.Cli.Tests;

/// <summary>
/// dotnet lop datasets pack / import, and variants --artifact-package: a dataset searched once on a tiny model
/// travels as a NuGet package into an empty cache, where predict and variants use it without searching.
/// </summary>
public sealed class DatasetPackageTests : IDisposable
{
    private const string SearchedLine = "search 0.3: best perplexity";

    private readonly TempFolder _temp = new();
    private readonly string _model;
    private readonly string _calibration;

    public DatasetPackageTests()
    {
        _model = TestCheckpoints.Save(TinyModels.Random(TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256)), _temp.Sub("tiny-llama"));
        _calibration = _temp.Sub("calibration.txt");
        File.WriteAllText(_calibration, string.Concat(Enumerable.Range(0, 80).Select(i => $"Line {i}: the quick brown fox jumps over the lazy dog. ")));
    }

    public void Dispose() => _temp.Dispose();

    /// <summary>The options of a search (and of the pack that finds its dataset), with the lop.yaml below meaning the same.</summary>
    private string[] Options(string model, string cache) =>
        ["--model", model, "--calibration", _calibration, "--sequence-length", "32", "--cache", cache, "--simulations", "8", "--reward-sequences", "4", "--budgets", "0.3", "--epochs", "10", "--top", "4"];

    private string Yaml(string model, string cache, int simulations = 8)
    {
        var path = _temp.Sub($"lop-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"""
            model: {model}
            calibration:
              path: {_calibration}
              sequenceLength: 32
            search:
              budgets: [0.3]
              simulations: {simulations}
              rewardSequences: 4
            predictor:
              epochs: 10
              top: 4
            cache: {cache}
            output:
              path: {_temp.Sub("variants-" + Guid.NewGuid().ToString("N"))}
            targets:
              - name: third
                ratio: 0.3
            """);
        return path;
    }

    private static CliResult Ok(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.ExitCode == 0, $"lop {string.Join(' ', args)} failed:\n{result.StdErr}");
        return result;
    }

    /// <summary>Searches budget 0.3 into <c>cache</c> and packs it (with its importance scores) into <c>feed</c>.</summary>
    private JsonElement SearchAndPack(string model, string cache, params string[] extra)
    {
        Ok(["search", .. Options(model, cache)]);
        var pack = Ok(["datasets", "pack", .. Options(model, cache), "--out", _temp.Sub("feed"), "--json", .. extra]);
        return JsonDocument.Parse(pack.StdOut).RootElement;
    }

    private static string EntryFolder(string cache, string kind) => Directory.GetDirectories(Path.Combine(cache, kind)).Single();

    [Fact]
    public void Pack_writes_the_cached_dataset_as_a_nupkg_named_after_the_model_at_the_datasets_version_with_a_digest_over_its_files()
    {
        var cache = _temp.Sub("cache");
        var report = SearchAndPack(_model, cache, "--include", "importance");

        var package = report.GetProperty("package").GetString()!;
        Assert.Equal(Path.Combine(_temp.Sub("feed"), "tiny-llama.Lop.Datasets.1.0.0.nupkg"), package);
        var dataset = EntryFolder(cache, "dataset");
        var importance = EntryFolder(cache, "importance");
        var datasetKey = Path.GetFileName(dataset);
        var importanceKey = Path.GetFileName(importance);
        using var zip = ZipFile.OpenRead(package);
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains($"lop/dataset/{datasetKey}/dataset.json", names);
        Assert.Contains($"lop/dataset/{datasetKey}/entry.json", names);
        Assert.Contains($"lop/importance/{importanceKey}/scores.safetensors", names);
        Assert.Contains($"lop/importance/{importanceKey}/entry.json", names);
        Assert.Contains("lop/package.json", names);
        Assert.Contains("build/tiny-llama.Lop.Datasets.props", names);
        Assert.Contains("[Content_Types].xml", names);
        Assert.Contains("_rels/.rels", names);
        Assert.DoesNotContain(names, n => n.StartsWith("lop/predictor/", StringComparison.Ordinal));

        using (var nuspecStream = zip.GetEntry("tiny-llama.Lop.Datasets.nuspec")!.Open())
        {
            var metadata = XDocument.Load(nuspecStream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
            Assert.Equal("tiny-llama.Lop.Datasets", Field("id"));
            Assert.Equal("1.0.0", Field("version"));
            Assert.Equal("true", Field("developmentDependency"));
        }
        // Packed byte for byte from the cache.
        foreach (var (folder, kind, key) in new[] { (dataset, "dataset", datasetKey), (importance, "importance", importanceKey) })
        {
            foreach (var file in Directory.GetFiles(folder))
            {
                using var entry = new MemoryStream();
                zip.GetEntry($"lop/{kind}/{key}/{Path.GetFileName(file)}")!.Open().CopyTo(entry);
                Assert.Equal(File.ReadAllBytes(file), entry.ToArray());
            }
        }
        // The digest is recomputed from the files, and the props hand the lop/ folder to Lop.Build.
        var extracted = _temp.Sub("extracted");
        zip.ExtractToDirectory(extracted);
        var manifest = JsonSerializer.Deserialize<DatasetPackageManifest>(File.ReadAllText(Path.Combine(extracted, "lop", "package.json")), DatasetPackageManifest.Json)!;
        Assert.Equal(report.GetProperty("digest").GetString(), manifest.Digest);
        Assert.Equal(PackageDigest.Compute(Path.Combine(extracted, "lop"), manifest), manifest.Digest);
        Assert.Equal(datasetKey, manifest.Dataset.Key);
        Assert.Equal([0.3], manifest.Budgets);
        Assert.Equal(["dataset", "importance"], manifest.Entries.Select(e => e.Kind));
        var props = File.ReadAllText(Path.Combine(extracted, "build", "tiny-llama.Lop.Datasets.props"));
        Assert.Contains("<LopArtifactPackage Include=", props);
        Assert.Contains("PackageVersion=\"1.0.0\"", props);
    }

    [Fact]
    public void A_second_budget_searched_into_the_dataset_packs_as_its_next_minor_version()
    {
        var cache = _temp.Sub("cache");
        SearchAndPack(_model, cache);
        var options = Options(_model, cache);
        options[Array.IndexOf(options, "--budgets") + 1] = "0.3,0.5";
        Ok(["search", .. options]);

        var second = JsonDocument.Parse(Ok(["datasets", "pack", .. options, "--out", _temp.Sub("feed"), "--id", "Team.Tiny.Lop.Datasets", "--json"]).StdOut).RootElement;

        Assert.Equal("1.1.0", second.GetProperty("version").GetString());
        Assert.True(File.Exists(Path.Combine(_temp.Sub("feed"), "Team.Tiny.Lop.Datasets.1.1.0.nupkg")));
        Assert.Equal([0.3, 0.5], second.GetProperty("budgets").EnumerateArray().Select(b => b.GetDouble()));
    }

    [Fact]
    public void Pack_without_a_cached_dataset_fails_with_LOP5201_naming_the_search_command_and_writes_nothing()
    {
        var result = CliRunner.Run(["datasets", "pack", .. Options(_model, _temp.Sub("cache")), "--out", _temp.Sub("feed")]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error LOP5201", result.StdErr);
        Assert.Contains("dotnet lop search", result.StdErr);
        Assert.False(Directory.Exists(_temp.Sub("feed")) && Directory.EnumerateFileSystemEntries(_temp.Sub("feed")).Any());
    }

    [Fact]
    public void Import_into_an_empty_cache_gives_an_identical_entry_and_predict_then_trains_without_searching()
    {
        var source = _temp.Sub("cache");
        var package = SearchAndPack(_model, source).GetProperty("package").GetString()!;
        var target = _temp.Sub("fresh-cache");

        Ok("datasets", "import", package, "--cache", target);
        var predict = Ok(["predict", "--budget", "0.3", .. Options(_model, target)]);

        var packed = EntryFolder(source, "dataset");
        var imported = EntryFolder(target, "dataset");
        Assert.Equal(Path.GetFileName(packed), Path.GetFileName(imported));
        Assert.Equal(Directory.GetFiles(packed).Select(Path.GetFileName).Order(), Directory.GetFiles(imported).Select(Path.GetFileName).Order());
        Assert.All(Directory.GetFiles(packed), f => Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(imported, Path.GetFileName(f)))));
        Assert.Contains($"search: dataset {Path.GetFileName(imported)[..12]} v1.0.0 already holds budgets 0.3", predict.StdErr);
        Assert.DoesNotContain(SearchedLine, predict.StdErr);
    }

    [Fact]
    public void With_include_predictor_the_package_carries_the_trained_predictor_and_predict_in_a_fresh_cache_neither_searches_nor_trains()
    {
        var source = _temp.Sub("cache");
        Ok(["search", .. Options(_model, source)]);
        Ok(["train", .. Options(_model, source)]);
        var report = JsonDocument.Parse(Ok(["datasets", "pack", .. Options(_model, source), "--out", _temp.Sub("feed"), "--include", "importance,predictor", "--json"]).StdOut).RootElement;
        var target = _temp.Sub("fresh-cache");

        Ok("datasets", "import", report.GetProperty("package").GetString()!, "--cache", target);
        var predict = Ok(["predict", "--budget", "0.4", .. Options(_model, target)]);

        Assert.Equal(["dataset", "importance", "predictor"], report.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("kind").GetString()));
        var packed = EntryFolder(source, "predictor");
        Assert.All(Directory.GetFiles(packed), f => Assert.Equal(File.ReadAllBytes(f), File.ReadAllBytes(Path.Combine(EntryFolder(target, "predictor"), Path.GetFileName(f)))));
        Assert.DoesNotContain(SearchedLine, predict.StdErr);
        Assert.DoesNotContain("train transformer", predict.StdErr);
    }

    [Fact]
    public void Variants_with_a_matching_restored_package_import_it_and_say_no_search_is_needed()
    {
        var package = SearchAndPack(_model, _temp.Sub("cache")).GetProperty("package").GetString()!;
        var restored = _temp.Sub("packages/tiny-llama.lop.datasets/1.0.0");
        ZipFile.ExtractToDirectory(package, restored);
        var fresh = _temp.Sub("fresh-cache");

        var run = Ok("variants", "--config", Yaml(_model, fresh), "--artifact-package", Path.Combine(restored, "lop"), "--json");

        var key = Path.GetFileName(EntryFolder(_temp.Sub("cache"), "dataset"));
        Assert.Contains($"dataset {key[..12]} v1.0.0 imported from package tiny-llama.Lop.Datasets 1.0.0; no search needed", run.StdErr);
        Assert.Contains($"search: dataset {key[..12]} v1.0.0 already holds budgets 0.3", run.StdErr);
        Assert.DoesNotContain(SearchedLine, run.StdErr);
        Assert.DoesNotContain("warning LOP52", run.StdErr);
        var variant = JsonDocument.Parse(run.StdOut).RootElement.GetProperty("variants").EnumerateArray().Single();
        Assert.True(File.Exists(variant.GetProperty("manifest").GetString()));
    }

    [Fact]
    public void Variants_refuse_a_package_of_another_model_with_LOP5207_and_search_instead()
    {
        var other = TestCheckpoints.Save(TinyModels.Random(TinyModels.Config(layers: 4, hidden: 32, intermediate: 48, vocab: 256), seed: 99), _temp.Sub("other-model"));
        var package = SearchAndPack(other, _temp.Sub("cache")).GetProperty("package").GetString()!;
        var fresh = _temp.Sub("fresh-cache");

        var run = Ok("variants", "--config", Yaml(_model, fresh), "--artifact-package", package, "--json");

        Assert.Contains("warning LOP5207: dataset package other-model.Lop.Datasets 1.0.0", run.StdErr);
        Assert.Contains("searched on another model", run.StdErr);
        Assert.Contains(SearchedLine, run.StdErr);
        Assert.NotEqual(Path.GetFileName(EntryFolder(_temp.Sub("cache"), "dataset")), Path.GetFileName(EntryFolder(fresh, "dataset")));
    }

    [Fact]
    public void Variants_refuse_a_package_searched_with_other_settings_with_LOP5209_naming_the_setting()
    {
        var package = SearchAndPack(_model, _temp.Sub("cache")).GetProperty("package").GetString()!;

        var run = Ok("variants", "--config", Yaml(_model, _temp.Sub("fresh-cache"), simulations: 10), "--artifact-package", package);

        Assert.Contains("warning LOP5209", run.StdErr);
        Assert.Contains("search.simulations 8 vs 10", run.StdErr);
        Assert.Contains(SearchedLine, run.StdErr);
    }

    [Fact]
    public void A_package_whose_dataset_was_edited_is_refused_with_LOP5206_and_nothing_is_imported()
    {
        var package = SearchAndPack(_model, _temp.Sub("cache")).GetProperty("package").GetString()!;
        var key = Path.GetFileName(EntryFolder(_temp.Sub("cache"), "dataset"));
        using (var zip = ZipFile.Open(package, ZipArchiveMode.Update))
        {
            // A plausible forgery: the same JSON with one record's perplexity lowered.
            var entry = zip.GetEntry($"lop/dataset/{key}/dataset.json")!;
            string text;
            using (var reader = new StreamReader(entry.Open()))
            {
                text = reader.ReadToEnd();
            }
            var at = text.IndexOf("\"perplexity\":", StringComparison.Ordinal) + "\"perplexity\":".Length;
            var edited = text[..at] + "1.5" + text[text.IndexOfAny([',', '}'], at)..];
            Assert.NotEqual(text, edited);
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry($"lop/dataset/{key}/dataset.json").Open());
            writer.Write(edited);
        }
        var fresh = _temp.Sub("fresh-cache");

        var import = CliRunner.Run("datasets", "import", package, "--cache", fresh);
        var variants = Ok("variants", "--config", Yaml(_model, _temp.Sub("build-cache")), "--artifact-package", package);

        Assert.Equal(1, import.ExitCode);
        Assert.Contains("error LOP5206", import.StdErr);
        Assert.False(Directory.Exists(Path.Combine(fresh, "dataset")) && Directory.EnumerateFileSystemEntries(Path.Combine(fresh, "dataset")).Any());
        Assert.Contains("warning LOP5206", variants.StdErr);
        Assert.Contains(SearchedLine, variants.StdErr);
    }

    [Theory]
    [InlineData("{\"_name_or_path\": \"Qwen/Qwen2.5-0.5B\"}", "any-folder", "Qwen.Qwen2.5-0.5B.Lop.Datasets")]
    [InlineData("{\"_name_or_path\": \"/home/me/models/local\"}", "my model v2", "my.model.v2.Lop.Datasets")]
    [InlineData("{}", "TinyLlama_1.1B", "TinyLlama_1.1B.Lop.Datasets")]
    public void The_default_package_id_is_the_models_hub_name_or_folder_name_with_what_NuGet_ids_refuse_as_dots(string config, string folder, string id)
    {
        var model = Directory.CreateDirectory(_temp.Sub(folder)).FullName;
        File.WriteAllText(Path.Combine(model, "config.json"), config);

        Assert.Equal(id, DatasetPackageId.For(model));
        Assert.True(DatasetPackageId.IsValid(id));
    }
}

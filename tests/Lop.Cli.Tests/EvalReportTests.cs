using System.Buffers.Binary;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Lop.Cli.Reports;
using Lop.Core.Errors;
using Lop.Core.Jobs;
using Lop.Core.Tests;
using StbImageSharp;

namespace Lop.Cli.Tests;

/// <summary><c>eval --report</c>: files, charts and page from a hand-made report (no model needed).</summary>
public sealed class EvalReportTests : IDisposable
{
    private static readonly string[] Methods = ["uniform", "owl", "mcts", "lop", "lop-mlp"];
    private static readonly double[] Budgets = [0.2, 0.4, 0.6];
    private const int Layers = 4;

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_text_only_report_writes_the_json_the_charts_for_every_budget_and_the_page_but_no_gap_chart()
    {
        var folder = _temp.Sub("report");

        var written = EvalReportWriter.Write(Report(multimodal: false), folder);

        string[] expected =
        [
            "eval.json", "index.html", "perplexity.png", "perplexity.svg",
            "widths-0.20.png", "widths-0.20.svg", "widths-0.40.png", "widths-0.40.svg", "widths-0.60.png", "widths-0.60.svg",
        ];
        Assert.Equal(expected, Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(expected, written.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_multimodal_report_adds_the_gap_chart()
    {
        var folder = _temp.Sub("report");

        EvalReportWriter.Write(Report(multimodal: true), folder);

        Assert.True(File.Exists(Path.Combine(folder, "gap.svg")));
        Assert.True(File.Exists(Path.Combine(folder, "gap.png")));
        Assert.Equal(Methods.Length, SeriesPointCounts(File.ReadAllText(Path.Combine(folder, "gap.svg")), Budgets.Length));
    }

    [Fact]
    public void Eval_json_is_what_eval_json_prints()
    {
        var folder = _temp.Sub("report");
        var report = Report(multimodal: true);

        EvalReportWriter.Write(report, folder);

        var text = File.ReadAllText(Path.Combine(folder, "eval.json"));
        Assert.Equal(JsonOutput.Serialize(EvalJson.Rows(report)), text);
        using var json = JsonDocument.Parse(text);
        Assert.Equal(report.Rows.Count, json.RootElement.GetArrayLength());
        Assert.Equal(report.Rows[0].Gap, json.RootElement[0].GetProperty("gap").GetDouble());
    }

    [Fact]
    public void The_perplexity_svg_is_xml_with_one_line_per_method_and_one_point_per_budget()
    {
        var folder = _temp.Sub("report");

        EvalReportWriter.Write(Report(multimodal: false), folder);

        var svg = File.ReadAllText(Path.Combine(folder, "perplexity.svg"));
        var document = XDocument.Parse(svg);
        Assert.Equal("svg", document.Root!.Name.LocalName);
        Assert.Equal(Methods.Length, SeriesPointCounts(svg, Budgets.Length));
        var texts = document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        Assert.All(Methods, m => Assert.Contains(m, texts));
    }

    [Fact]
    public void A_widths_chart_draws_lop_against_uniform_and_mcts_with_one_point_per_layer()
    {
        var folder = _temp.Sub("report");

        EvalReportWriter.Write(Report(multimodal: false), folder);

        var svg = File.ReadAllText(Path.Combine(folder, "widths-0.40.svg"));
        var texts = XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value).ToList();
        Assert.Contains("lop", texts);
        Assert.Contains("lop-mlp", texts);
        Assert.Contains("uniform", texts);
        Assert.Contains("mcts", texts);
        Assert.DoesNotContain("owl", texts);
        Assert.Equal(4, SeriesPointCounts(svg, Layers));
    }

    [Fact]
    public void Png_charts_are_pngs_of_the_chart_size_with_the_lines_drawn()
    {
        var folder = _temp.Sub("report");

        var written = EvalReportWriter.Write(Report(multimodal: true), folder);

        foreach (var name in written.Where(n => n.EndsWith(".png", StringComparison.Ordinal)))
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, name));
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A], bytes[..8]);
            Assert.Equal(ChartFiles.Width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
            Assert.Equal(ChartFiles.Height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
            // Not a blank canvas: the default palette's series colours and anti-aliased text give many colours.
            var image = ImageResult.FromMemory(bytes, ColorComponents.RedGreenBlue);
            var colours = Enumerable.Range(0, image.Width * image.Height)
                .Select(i => (image.Data[i * 3] << 16) | (image.Data[(i * 3) + 1] << 8) | image.Data[(i * 3) + 2]).ToHashSet();
            Assert.True(colours.Count > 50, $"{name}: only {colours.Count} colours");
        }
    }

    [Fact]
    public void The_page_is_self_contained_with_every_chart_inline_and_every_row_in_the_table()
    {
        var folder = _temp.Sub("report");
        var report = Report(multimodal: true);

        var written = EvalReportWriter.Write(report, folder);

        var html = File.ReadAllText(Path.Combine(folder, "index.html"));
        Assert.Equal(written.Count(n => n.EndsWith(".svg", StringComparison.Ordinal)), Regex.Matches(html, "<svg[ >]").Count);
        Assert.Equal(report.Rows.Count, Regex.Matches(html, "<tr><td>").Count);
        Assert.Contains("<td>0.40*</td><td>lop-mlp</td>", html);
        Assert.Contains("<th>gap</th>", html);
        // Opens from disk with no network and no sibling file: nothing is fetched.
        Assert.DoesNotMatch("(src|href)=", html);
        Assert.DoesNotContain("<?xml", html);
        // Ids are page-wide: each chart's clip paths keep their own names.
        var ids = Regex.Matches(html, "\\bid=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(Regex.Matches(html, "url\\(#([^)]+)\\)").Select(m => m.Groups[1].Value), id => Assert.Contains(id, ids));
    }

    [Fact]
    public void An_unwritable_folder_is_a_coded_error_and_leaves_nothing_behind()
    {
        var blocker = _temp.Sub("a-file");
        File.WriteAllText(blocker, "not a folder");

        var error = Assert.Throws<LopException>(() => EvalReportWriter.Write(Report(multimodal: false), Path.Combine(blocker, "report")));

        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.Equal([blocker], Directory.GetFileSystemEntries(_temp.Path));
        Assert.Equal("not a folder", File.ReadAllText(blocker));
    }

    [Fact]
    public void A_report_that_fails_before_its_files_are_in_place_leaves_the_folder_as_it_was()
    {
        var folder = _temp.Sub("report");
        Directory.CreateDirectory(Path.Combine(folder, "index.html"));
        File.WriteAllText(Path.Combine(folder, "eval.json"), "old");

        var error = Assert.Throws<LopException>(() => EvalReportWriter.Write(Report(multimodal: false), folder));

        Assert.Equal(ErrorCodes.OutputNotWritable, error.Code);
        Assert.Equal(["eval.json", "index.html"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("old", File.ReadAllText(Path.Combine(folder, "eval.json")));
    }

    [Fact]
    public void Eval_help_documents_the_report_option()
    {
        var result = CliRunner.Run("eval", "--help");

        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.Contains("--report <DIR>", result.StdOut);
    }

    /// <summary>Polylines with exactly <paramref name="points"/> points and the series' stroke width: one per drawn series.</summary>
    private static int SeriesPointCounts(string svg, int points) =>
        XDocument.Parse(svg).Descendants().Count(e => e.Name.LocalName == "polyline"
            && ((string?)e.Attribute("style") ?? "").Contains("stroke-width:2", StringComparison.Ordinal)
            && ((string)e.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == points);

    /// <summary>Five methods at three budgets on a four-layer model; LOP keeps more in the middle layers.</summary>
    private static EvalReport Report(bool multimodal)
    {
        var rows = new List<EvalRow>();
        foreach (var budget in Budgets)
        {
            for (var m = 0; m < Methods.Length; m++)
            {
                var kept = Enumerable.Range(0, Layers).Select(l => (int)Math.Round(64 * (1 - budget) * (Methods[m].StartsWith("lop", StringComparison.Ordinal) ? (l is 1 or 2 ? 1.2 : 0.8) : 1))).ToArray();
                rows.Add(new EvalRow(budget, Methods[m], 20 * (1 + (budget * budget * (5 - m))), 0.01 * (m + 1), budget == 0.4, kept.Select(k => 1 - (k / 64.0)).ToArray(), kept)
                {
                    Gap = multimodal ? 0.25 + budget - (0.1 * m) : null,
                    ImageAccuracy = multimodal ? 0.9 - budget : null,
                });
            }
        }
        return new EvalReport(18.5, [0.4], rows) { DenseGap = multimodal ? 1.2 : null, DenseImageAccuracy = multimodal ? 0.95 : null };
    }
}

using System.Globalization;
using Lop.Core.Errors;
using Lop.Core.Jobs;
using OxyPlot;

namespace Lop.Cli.Reports;

/// <summary>
/// <c>eval --report DIR</c>: eval.json, the charts as SVG and PNG, and index.html that shows them with the table.
/// Everything is written into a temporary folder inside DIR first and only then renamed into place, so a
/// report that fails halfway leaves DIR as it was: no half-written file, and no DIR at all if it was new.
/// </summary>
internal static class EvalReportWriter
{
    /// <summary>Writes the report and returns the names of the files written, in the order the page shows them.</summary>
    public static IReadOnlyList<string> Write(EvalReport report, string folder)
    {
        var destination = Path.GetFullPath(folder);
        var created = !Directory.Exists(destination);
        var temporary = Path.Combine(destination, $".lop-report-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temporary);
            var names = Render(report, temporary);
            // Checked before the first rename, so the renames that follow do not stop halfway on a folder in the way.
            if (names.FirstOrDefault(n => Directory.Exists(Path.Combine(destination, n))) is { } blocked)
            {
                throw new IOException($"{Path.Combine(destination, blocked)} is a folder");
            }
            foreach (var name in names)
            {
                File.Move(Path.Combine(temporary, name), Path.Combine(destination, name), overwrite: true);
            }
            Directory.Delete(temporary);
            return names;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Clean(created ? destination : temporary);
            throw new LopException(ErrorCodes.OutputNotWritable, $"cannot write the eval report to {destination}: {e.Message}", destination, inner: e);
        }
    }

    private static List<string> Render(EvalReport report, string folder)
    {
        var names = new List<string>();
        var charts = new List<(string Title, string Svg)>();
        void Chart(string name, PlotModel model)
        {
            var svg = ChartFiles.Svg(model);
            File.WriteAllText(Path.Combine(folder, name + ".svg"), svg);
            File.WriteAllBytes(Path.Combine(folder, name + ".png"), ChartFiles.Png(model));
            names.Add(name + ".svg");
            names.Add(name + ".png");
            charts.Add((model.Title, svg));
        }

        File.WriteAllText(Path.Combine(folder, "eval.json"), JsonOutput.Serialize(EvalJson.Rows(report)));
        names.Add("eval.json");
        Chart("perplexity", EvalCharts.Perplexity(report));
        if (report.Rows.Any(r => r.Gap is not null))
        {
            Chart("gap", EvalCharts.Gap(report));
        }
        foreach (var budget in report.Rows.Select(r => r.Budget).Distinct().Order())
        {
            if (EvalCharts.WidthRows(report, budget).Count > 0)
            {
                Chart("widths-" + budget.ToString("0.00", CultureInfo.InvariantCulture), EvalCharts.Widths(report, budget));
            }
        }
        File.WriteAllText(Path.Combine(folder, "index.html"), EvalHtml.Page(report, charts));
        names.Add("index.html");
        return names;
    }

    /// <summary>Best effort: the error being reported matters more than a leftover temporary folder.</summary>
    private static void Clean(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

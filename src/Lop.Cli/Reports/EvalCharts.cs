using System.Globalization;
using Lop.Core.Jobs;
using OxyPlot;
using OxyPlot.Annotations;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace Lop.Cli.Reports;

/// <summary>The eval report's charts, built from whatever methods and budgets the report has.</summary>
internal static class EvalCharts
{
    // Font sizes are the glyph atlas's baked ones (GlyphAtlas), so PNG text is drawn at its own size.
    private const double TextSize = 12;
    private const double TitleSize = 16;
    private const string Font = "DejaVu Sans, Verdana, sans-serif";

    /// <summary>Held-out perplexity against budget, one line per method, the dense model as a dashed line.</summary>
    public static PlotModel Perplexity(EvalReport report)
    {
        var values = report.Rows.Select(r => r.Perplexity).Append(report.DensePerplexity).Where(double.IsFinite).ToList();
        // Perplexity climbs steeply with the budget; a log axis only when the lines would otherwise be squashed.
        var logarithmic = values.Count > 0 && values.Min() > 0 && values.Max() / values.Min() > 10;
        var model = NewModel("Held-out perplexity by budget", "budget (share of FFN neurons removed)", "perplexity", logarithmic);
        AddMethodLines(model, report, r => r.Perplexity);
        AddReference(model, report.DensePerplexity, $"dense {report.DensePerplexity:0.###}");
        return model;
    }

    /// <summary>Multimodal reports only: wrong-image minus true-image perplexity (larger = the model still uses the image).</summary>
    public static PlotModel Gap(EvalReport report)
    {
        var model = NewModel("Multimodal gap by budget (wrong image - true image)", "budget (share of FFN neurons removed)", "perplexity gap", logarithmic: false);
        AddMethodLines(model, report, r => r.Gap);
        if (report.DenseGap is { } dense)
        {
            AddReference(model, dense, $"dense {dense:0.###}");
        }
        return model;
    }

    /// <summary>Kept FFN neurons per layer at one budget: LOP's predictors against uniform (and the best search).</summary>
    public static PlotModel Widths(EvalReport report, double budget)
    {
        var title = $"Kept FFN neurons per layer at budget {budget.ToString("0.##", CultureInfo.InvariantCulture)}";
        var model = NewModel(title, "layer", "kept neurons", logarithmic: false);
        foreach (var row in WidthRows(report, budget))
        {
            var series = NewLine(row.Method);
            series.Points.AddRange(row.Kept.Select((kept, layer) => new DataPoint(layer, kept)));
            model.Series.Add(series);
        }
        return model;
    }

    /// <summary>The rows a widths chart draws: methods named lop*, and uniform and mcts as what LOP is measured against.</summary>
    public static IReadOnlyList<EvalRow> WidthRows(EvalReport report, double budget) =>
        report.Rows.Where(r => r.Budget == budget && r.Kept.Length > 0
            && (r.Method.StartsWith("lop", StringComparison.Ordinal) || r.Method is "uniform" or "mcts")).ToList();

    /// <summary>Methods in the order the report first lists them.</summary>
    public static IReadOnlyList<string> Methods(EvalReport report) => report.Rows.Select(r => r.Method).Distinct().ToList();

    private static void AddMethodLines(PlotModel model, EvalReport report, Func<EvalRow, double?> value)
    {
        foreach (var method in Methods(report))
        {
            var points = report.Rows.Where(r => r.Method == method && value(r) is { } v && double.IsFinite(v))
                .OrderBy(r => r.Budget).Select(r => new DataPoint(r.Budget, value(r)!.Value)).ToList();
            if (points.Count == 0)
            {
                continue;
            }
            var series = NewLine(method);
            series.Points.AddRange(points);
            model.Series.Add(series);
        }
    }

    private static LineSeries NewLine(string method) => new()
    {
        Title = method,
        StrokeThickness = 2,
        MarkerType = MarkerType.Circle,
        MarkerSize = 3,
    };

    private static void AddReference(PlotModel model, double y, string label)
    {
        if (!double.IsFinite(y))
        {
            return;
        }
        model.Annotations.Add(new LineAnnotation
        {
            Type = LineAnnotationType.Horizontal,
            Y = y,
            Color = OxyColors.Gray,
            LineStyle = LineStyle.Dash,
            StrokeThickness = 1.5,
            Text = label,
            FontSize = TextSize,
            TextColor = OxyColors.DimGray,
        });
    }

    private static PlotModel NewModel(string title, string xTitle, string yTitle, bool logarithmic)
    {
        var model = new PlotModel
        {
            Title = title,
            TitleFontSize = TitleSize,
            TitleFontWeight = FontWeights.Normal,
            DefaultFont = Font,
            DefaultFontSize = TextSize,
            Background = OxyColors.White,
            PlotAreaBorderColor = OxyColors.Gray,
        };
        model.Legends.Add(new Legend
        {
            LegendPosition = LegendPosition.RightTop,
            LegendPlacement = LegendPlacement.Outside,
            LegendFontSize = TextSize,
        });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xTitle, FontSize = TextSize, MajorGridlineStyle = LineStyle.Solid, MajorGridlineColor = OxyColor.FromRgb(230, 230, 230) });
        Axis y = logarithmic ? new LogarithmicAxis() : new LinearAxis();
        y.Position = AxisPosition.Left;
        y.Title = yTitle;
        y.FontSize = TextSize;
        y.MajorGridlineStyle = LineStyle.Solid;
        y.MajorGridlineColor = OxyColor.FromRgb(230, 230, 230);
        model.Axes.Add(y);
        return model;
    }
}

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

    // Tableau's ten: distinguishable at a glance, where OxyPlot's default palette has two close reds.
    private static readonly OxyColor[] Palette =
    [
        OxyColor.Parse("#1f77b4"), OxyColor.Parse("#ff7f0e"), OxyColor.Parse("#2ca02c"), OxyColor.Parse("#d62728"), OxyColor.Parse("#9467bd"),
        OxyColor.Parse("#8c564b"), OxyColor.Parse("#e377c2"), OxyColor.Parse("#7f7f7f"), OxyColor.Parse("#bcbd22"), OxyColor.Parse("#17becf"),
    ];

    /// <summary>Held-out perplexity against budget, one line per method, the dense model as a dotted line.</summary>
    public static PlotModel Perplexity(EvalReport report)
    {
        var values = report.Rows.Select(r => r.Perplexity).Append(report.DensePerplexity).Where(double.IsFinite).ToList();
        // Perplexity climbs steeply with the budget; a log axis only when the lines would otherwise be squashed.
        var logarithmic = values.Count > 0 && values.Min() > 0 && values.Max() / values.Min() > 10;
        var model = NewModel("Held-out perplexity by budget", "budget (share of FFN neurons removed)", "perplexity", logarithmic);
        Span(model, values, logarithmic);
        AddMethodLines(model, report, r => r.Perplexity);
        AddReference(model, report.DensePerplexity, $"dense {report.DensePerplexity:0.###}");
        return model;
    }

    /// <summary>Multimodal reports only: wrong-image minus true-image perplexity (larger = the model still uses the image).</summary>
    public static PlotModel Gap(EvalReport report)
    {
        var model = NewModel("Multimodal gap by budget (wrong image - true image)", "budget (share of FFN neurons removed)", "perplexity gap", logarithmic: false);
        AddMethodLines(model, report, r => r.Gap);
        Span(model, report.Rows.Select(r => r.Gap ?? double.NaN).Append(report.DenseGap ?? double.NaN).Where(double.IsFinite).ToList(), logarithmic: false);
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
            var series = NewLine(report, row.Method);
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
            var series = NewLine(report, method);
            series.Points.AddRange(points);
            model.Series.Add(series);
        }
    }

    /// <summary>The value axis over every value and the dense reference too: an annotation alone does not widen the axis.</summary>
    private static void Span(PlotModel model, IReadOnlyList<double> values, bool logarithmic)
    {
        if (values.Count == 0)
        {
            return;
        }
        var (low, high) = (values.Min(), values.Max());
        var axis = model.Axes.Single(a => a.Position == AxisPosition.Left);
        if (logarithmic)
        {
            (axis.Minimum, axis.Maximum) = (low / 1.1, high * 1.1);
            return;
        }
        var pad = high > low ? (high - low) * 0.05 : Math.Max(Math.Abs(high) * 0.05, 0.01);
        (axis.Minimum, axis.Maximum) = (low - pad, high + pad);
    }

    /// <summary>A method keeps its colour in every chart: the colour of its place in the report.</summary>
    private static LineSeries NewLine(EvalReport report, string method) => new()
    {
        Title = method,
        Color = Palette[Methods(report).ToList().IndexOf(method) % Palette.Length],
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
            // OxyPlot's dash arrays are in pixels here; (1, 1) is the one that reads as a reference line at this width.
            LineStyle = LineStyle.Dot,
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

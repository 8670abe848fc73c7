using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Lop.Core.Jobs;

namespace Lop.Cli.Reports;

/// <summary>
/// index.html: the charts inline (SVG text, so the page opens from disk with no network and no sibling
/// files) and every row of the report as a table.
/// </summary>
internal static partial class EvalHtml
{
    public static string Page(EvalReport report, IReadOnlyList<(string Title, string Svg)> charts)
    {
        var multimodal = report.Rows.Any(r => r.Gap is not null);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lop eval report</title>");
        html.AppendLine("<style>body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em;color:#222}"
            + "table{border-collapse:collapse}th,td{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}"
            + "th:nth-child(2),td:nth-child(2){text-align:left}figure{margin:1.5em 0}</style>");
        html.AppendLine("</head><body>");
        html.AppendLine("<h1>lop eval report</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Dense model: held-out perplexity {report.DensePerplexity:0.####}");
        if (report.DenseGap is { } denseGap)
        {
            html.Append(CultureInfo.InvariantCulture, $", multimodal gap {denseGap:0.####}, image accuracy {report.DenseImageAccuracy:P1}");
        }
        html.AppendLine(". A budget is the share of FFN neurons removed; * marks a budget the predictors were trained on.</p>");
        for (var i = 0; i < charts.Count; i++)
        {
            var (title, svg) = charts[i];
            html.AppendLine(CultureInfo.InvariantCulture, $"<figure><figcaption>{Encode(title)}</figcaption>");
            html.AppendLine(Inline(svg, $"chart{i + 1}-"));
            html.AppendLine("</figure>");
        }
        html.AppendLine("<table>");
        html.Append("<thead><tr><th>budget</th><th>method</th><th>perplexity</th>");
        html.Append(multimodal ? "<th>gap</th><th>image accuracy</th>" : "");
        html.AppendLine("<th>seconds</th></tr></thead><tbody>");
        foreach (var row in report.Rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{row.Budget:0.00}{(row.TrainedOn ? "*" : "")}</td><td>{Encode(row.Method)}</td><td>{row.Perplexity:0.####}</td>");
            if (multimodal)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td>{row.Gap:0.####}</td><td>{row.ImageAccuracy:P1}</td>");
            }
            html.AppendLine(CultureInfo.InvariantCulture, $"<td>{row.Seconds:G4}</td></tr>");
        }
        html.AppendLine("</tbody></table>");
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    /// <summary>
    /// An SVG file's text made fit for the page: no XML declaration, and its ids (OxyPlot numbers its clip paths
    /// clipPath1, clipPath2, ... in every chart) prefixed, because ids are page-wide and a chart would otherwise
    /// be clipped by another chart's rectangles.
    /// </summary>
    public static string Inline(string svg, string prefix) =>
        IdReferences().Replace(XmlDeclaration().Replace(svg, ""), m => m.Groups[1].Value + prefix);

    [GeneratedRegex(@"^\s*<\?xml[^>]*\?>\s*")]
    private static partial Regex XmlDeclaration();

    [GeneratedRegex(@"(\bid=""|url\(#)")]
    private static partial Regex IdReferences();

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

using Lop.Core.Errors;
using Lop.Samples;

namespace Lop.Core.Tests.Calibration;

public class SdkDocCorpusTests
{
    private static string DocXml(string assembly, params string[] members) =>
        $"""<?xml version="1.0" encoding="utf-8"?><doc><assembly><name>{assembly}</name></assembly><members>{string.Concat(members)}</members></doc>""";

    [Fact]
    public void Finds_megabytes_of_english_text_in_the_installed_sdk()
    {
        var corpus = SdkDocCorpus.Load();

        Assert.True(corpus.TotalBytes > 3_000_000, $"only {corpus.TotalBytes} bytes from {corpus.DocsFolder}");
        Assert.NotEmpty(corpus.TrainingFiles);
        Assert.NotEmpty(corpus.HeldOutFiles);
        Assert.Empty(corpus.TrainingFiles.Intersect(corpus.HeldOutFiles));
        Assert.True(corpus.TrainingDocuments.Count(d => d.Contains(" the ")) > 1000);
        Assert.True(corpus.HeldOutDocuments.Count(d => d.Contains(" the ")) > 100);
        Assert.Empty(corpus.TrainingDocuments.Intersect(corpus.HeldOutDocuments));
        Assert.DoesNotContain(corpus.TrainingDocuments.Take(2000), d => d.Contains('<') && d.Contains("cref"));
    }

    [Fact]
    public void Extracts_summary_and_remarks_as_plain_text_from_a_fake_sdk()
    {
        using var root = new TempDir();
        var folder = "packs/Microsoft.NETCore.App.Ref/10.0.2/ref/net10.0/";
        root.Write(folder + "B.Second.xml", DocXml("B",
            """<member name="T:B"><summary>Converts   a <see cref="T:System.String" /> using <paramref name="format" />"""
            + "\n   "
            + """and <see langword="null" />.</summary><remarks><para>Calls <see cref="M:System.Text.StringBuilder.Append(System.Char)" />.</para><code>var x = 1;</code></remarks></member>""",
            """<member name="T:B2"><summary>Same text.</summary></member>"""));
        root.Write(folder + "A.First.xml", DocXml("A",
            """<member name="T:A"><summary>Same text.</summary></member>""",
            """<member name="M:A.#ctor"><summary>Creates a <see cref="T:System.Collections.Generic.List`1" /> of <typeparamref name="T" />.</summary><param name="x">ignored</param></member>"""));
        // An older pack with other text must be ignored in favour of 10.0.2.
        root.Write("packs/Microsoft.NETCore.App.Ref/9.0.8/ref/net9.0/Old.xml", DocXml("Old", """<member name="T:O"><summary>Old.</summary></member>"""));

        var corpus = SdkDocCorpus.Load(root.Path, heldOutFraction: 0.5);

        Assert.EndsWith(Path.Combine("10.0.2", "ref", "net10.0"), corpus.DocsFolder);
        Assert.Equal(["A.First.xml", "B.Second.xml"], corpus.TrainingFiles.Concat(corpus.HeldOutFiles).Order(StringComparer.Ordinal));
        var all = corpus.TrainingDocuments.Concat(corpus.HeldOutDocuments).ToList();
        Assert.Contains("Converts a String using format and null. Calls StringBuilder.Append.", all);
        Assert.Contains("Creates a List of T.", all);
        Assert.Single(all, "Same text.");
        Assert.Equal(all.Sum(d => System.Text.Encoding.UTF8.GetByteCount(d)), corpus.TotalBytes);
    }

    [Fact]
    public void Split_and_order_are_deterministic()
    {
        using var root = new TempDir();
        var folder = "packs/Microsoft.NETCore.App.Ref/10.0.0/ref/net10.0/";
        for (var i = 0; i < 12; i++)
        {
            root.Write(folder + $"F{i:D2}.xml", DocXml($"F{i}", $"""<member name="T:X{i}"><summary>Text {i} one.</summary></member><member name="T:Y{i}"><summary>Text {i} two.</summary></member>"""));
        }

        var a = SdkDocCorpus.Load(root.Path);
        var b = SdkDocCorpus.Load(root.Path);

        Assert.Equal(a.TrainingFiles, b.TrainingFiles);
        Assert.Equal(a.HeldOutFiles, b.HeldOutFiles);
        Assert.Equal(a.TrainingDocuments, b.TrainingDocuments);
        Assert.Equal(a.TrainingFiles.Order(StringComparer.Ordinal), a.TrainingFiles);
        Assert.Equal($"Text {a.TrainingFiles[0][1..3].TrimStart('0').PadLeft(1, '0')} one.", a.TrainingDocuments[0]);
    }

    [Fact]
    public void No_sdk_docs_is_LOP3006_saying_where_it_looked()
    {
        using var root = new TempDir();

        var ex = Assert.Throws<LopException>(() => SdkDocCorpus.Load(root.Path));

        Assert.Equal(ErrorCodes.SampleDocsMissing, ex.Code);
        Assert.Contains(Path.Combine(root.Path, "packs", "Microsoft.NETCore.App.Ref"), ex.Message);
    }

    [Theory]
    [InlineData("T:System.String", "String")]
    [InlineData("T:System.Collections.Generic.Dictionary`2", "Dictionary")]
    [InlineData("M:System.Text.StringBuilder.Append(System.Char)", "StringBuilder.Append")]
    [InlineData("M:System.Collections.BitArray.#ctor(System.Int32)", "BitArray")]
    [InlineData("F:System.Int32.MaxValue", "Int32.MaxValue")]
    [InlineData("M:System.Linq.Enumerable.Select``2(System.Func{``0,``1})", "Enumerable.Select")]
    public void Cref_renders_as_the_short_name(string cref, string expected)
    {
        Assert.Equal(expected, SdkDocText.ShortName(cref));
    }
}

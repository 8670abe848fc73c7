namespace Lop.Cli.Tests;

public sealed class ConsoleProgressTests
{
    [Fact]
    public void A_warning_is_a_canonical_msbuild_line_even_when_quiet()
    {
        var original = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            new ConsoleProgress { Quiet = true }.Warn("LOP4005", "OWL allocates uniformly");
        }
        finally
        {
            Console.SetError(original);
        }
        Assert.Equal("lop: warning LOP4005: OWL allocates uniformly", captured.ToString().TrimEnd());
        Assert.True(Lop.Contract.EngineDiagnostic.TryParse(captured.ToString().TrimEnd(), out var severity, out var code));
        Assert.Equal(("warning", "LOP4005"), (severity, code));
    }
}

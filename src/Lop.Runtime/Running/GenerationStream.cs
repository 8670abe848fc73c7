namespace Lop.Runtime.Running;

/// <summary>
/// The text of one generation, streamed piece by piece as tokens are decoded (a piece may hold several tokens
/// when one character spans several byte tokens). <see cref="Stats"/> is set once the stream has been read to the end.
/// Each enumeration runs the generation again, from a fresh context.
/// </summary>
public sealed class GenerationStream : IAsyncEnumerable<string>
{
    private readonly Func<Action<GenerationStats>, CancellationToken, IAsyncEnumerable<string>> _run;

    internal GenerationStream(Func<Action<GenerationStats>, CancellationToken, IAsyncEnumerable<string>> run) => _run = run;

    /// <summary>Token counts and speeds of the last complete enumeration; null before one finished.</summary>
    public GenerationStats? Stats { get; private set; }

    public IAsyncEnumerator<string> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _run(stats => Stats = stats, cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Reads the whole stream into one string.</summary>
    public async Task<string> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        var text = new System.Text.StringBuilder();
        await foreach (var piece in this.WithCancellation(cancellationToken))
        {
            text.Append(piece);
        }
        return text.ToString();
    }
}

namespace Lop.Core.Calibration;

/// <summary>
/// The one thing calibration needs from a tokenizer: text to ids and back. Kept this small so the
/// built-in byte tokenizer and Microsoft.ML.Tokenizers-backed ones are interchangeable.
/// </summary>
public interface ITokenizer
{
    /// <summary>
    /// Identifies the tokenizer, including a fingerprint of its files where it has any, because
    /// calibration caches are keyed on it: the same text under another tokenizer gives other ids.
    /// </summary>
    string Name { get; }

    /// <summary>One more than the highest id the tokenizer can emit.</summary>
    int VocabSize { get; }

    /// <summary>Ids for <paramref name="text"/> without BOS/EOS: calibration windows cut across documents anyway.</summary>
    int[] Encode(string text);

    string Decode(IReadOnlyList<int> ids);
}

using System.Text;
using Microsoft.ML.Tokenizers;

namespace Lop.Core.Calibration;

/// <summary>
/// Wraps a Microsoft.ML.Tokenizers tokenizer behind <see cref="ITokenizer"/>, applying Unicode NFC first
/// when the tokenizer.json asks for it (the library has no NFC normalizer of its own).
/// </summary>
internal sealed class MlTokenizerAdapter : ITokenizer
{
    private readonly Tokenizer _inner;
    private readonly bool _nfc;

    public MlTokenizerAdapter(Tokenizer inner, string name, int vocabSize, bool nfc)
    {
        _inner = inner;
        _nfc = nfc;
        Name = name;
        VocabSize = vocabSize;
    }

    public string Name { get; }

    public int VocabSize { get; }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (_nfc)
        {
            text = text.Normalize(NormalizationForm.FormC);
        }
        return [.. _inner.EncodeToIds(text)];
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _inner.Decode(ids);
    }
}

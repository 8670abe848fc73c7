using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// A SentencePiece BPE tokenizer.model written field by field: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, the 256 byte pieces
/// &lt;0x00&gt;..&lt;0xFF&gt; (ids 3..258), then "▁", "h", "e", "▁he" (ids 259..262) scored -1..-4.
/// </summary>
internal static class SentencePieceFile
{
    public const int PieceCount = 263;

    public static byte[] Build(bool addDummyPrefix = true, int modelType = 2, bool withBytePieces = true, bool removeExtraWhitespaces = false)
    {
        var pieces = new List<(string Piece, float Score, int Type)> { ("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3) };
        if (withBytePieces)
        {
            for (var b = 0; b < 256; b++)
            {
                pieces.Add(($"<0x{b:X2}>", 0, 6));
            }
        }
        pieces.AddRange([("▁", -1, 1), ("h", -2, 1), ("e", -3, 1), ("▁he", -4, 1)]);

        var model = new TinyTokenizerFiles.ProtoWriter();
        foreach (var (piece, score, type) in pieces)
        {
            var p = new TinyTokenizerFiles.ProtoWriter();
            p.String(1, piece);
            p.Float(2, score);
            p.Varint(3, (ulong)type);
            model.Message(1, p);
        }
        var trainer = new TinyTokenizerFiles.ProtoWriter();
        trainer.Varint(3, (ulong)modelType);
        trainer.Varint(4, (ulong)pieces.Count);
        trainer.Varint(35, 1); // byte_fallback
        trainer.Varint(40, 0); // unk_id
        trainer.Varint(41, 1); // bos_id
        trainer.Varint(42, 2); // eos_id
        trainer.Varint(43, unchecked((ulong)-1L)); // pad_id = -1, as protobuf writes a negative int32
        model.Message(2, trainer);
        var normalizer = new TinyTokenizerFiles.ProtoWriter();
        normalizer.String(1, "identity");
        normalizer.Varint(3, addDummyPrefix ? 1UL : 0UL);
        normalizer.Varint(4, removeExtraWhitespaces ? 1UL : 0UL);
        normalizer.Varint(5, 1); // escape_whitespaces
        model.Message(3, normalizer);
        return model.ToArray();
    }
}

using System.Text;
using System.Text.Json;

namespace Lop.Core.Tests.Calibration;

/// <summary>Hand-made tokenizer files small enough to reason about in a test.</summary>
internal static class TinyTokenizerFiles
{
    public const int EndOfText = 263;

    /// <summary>
    /// A byte-level BPE tokenizer.json: the 256 GPT-2 byte characters as ids 0..255 (id = byte value),
    /// merges building "hello" and "Ġwor", and one added special token.
    /// </summary>
    public static string BpeJson(bool modernLayout)
    {
        var byteChars = Gpt2ByteChars();
        var vocab = new Dictionary<string, int>();
        for (var b = 0; b < 256; b++)
        {
            vocab[byteChars[b].ToString()] = b;
        }
        string[][] merges = [["h", "e"], ["l", "l"], ["he", "ll"], ["hell", "o"], ["Ġ", "w"], ["o", "r"], ["Ġw", "or"]];
        var next = 256;
        foreach (var merge in merges)
        {
            vocab[merge[0] + merge[1]] = next++;
        }

        object preTokenizer = modernLayout
            ? new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+" }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
                },
            }
            : new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = true };

        var json = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = new[] { new { id = EndOfText, content = "<|endoftext|>", special = true } },
            ["normalizer"] = modernLayout ? new { type = "NFC" } : null,
            ["pre_tokenizer"] = preTokenizer,
            ["decoder"] = new { type = "ByteLevel" },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["unk_token"] = null,
                ["vocab"] = vocab,
                ["merges"] = modernLayout ? merges : merges.Select(m => $"{m[0]} {m[1]}").ToArray(),
            },
        };
        return JsonSerializer.Serialize(json);
    }

    /// <summary>GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.</summary>
    public static char[] Gpt2ByteChars()
    {
        var map = new char[256];
        var extra = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + extra++);
        }
        return map;
    }

    /// <summary>
    /// A SentencePiece BPE model (sentencepiece_model.proto) written field by field: the usual three
    /// control pieces, single letters, and merges up to "▁hello" ordered by score.
    /// </summary>
    public static byte[] SentencePieceModel()
    {
        var model = new ProtoWriter();
        (string Piece, float Score, int Type)[] pieces =
        [
            ("<unk>", 0, 2), ("<s>", 0, 3), ("</s>", 0, 3),
            ("▁", -1, 1), ("h", -2, 1), ("e", -3, 1), ("l", -4, 1), ("o", -5, 1), ("w", -6, 1), ("r", -7, 1), ("d", -8, 1),
            ("he", -9, 1), ("ll", -10, 1), ("hell", -11, 1), ("hello", -12, 1), ("▁hello", -13, 1),
        ];
        foreach (var (piece, score, type) in pieces)
        {
            var p = new ProtoWriter();
            p.String(1, piece);
            p.Float(2, score);
            p.Varint(3, (ulong)type);
            model.Message(1, p);
        }
        var trainer = new ProtoWriter();
        trainer.Varint(3, 2); // model_type = BPE
        trainer.Varint(4, (ulong)pieces.Length);
        trainer.Varint(40, 0); // unk_id
        trainer.Varint(41, 1); // bos_id
        trainer.Varint(42, 2); // eos_id
        model.Message(2, trainer);
        var normalizer = new ProtoWriter();
        normalizer.String(1, "identity");
        normalizer.Varint(3, 1); // add_dummy_prefix
        normalizer.Varint(4, 1); // remove_extra_whitespaces
        normalizer.Varint(5, 1); // escape_whitespaces
        model.Message(3, normalizer);
        return model.ToArray();
    }

    internal sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Tag(field, 0);
            WriteVarint(value);
        }

        public void Float(int field, float value)
        {
            Tag(field, 5);
            _stream.Write(BitConverter.GetBytes(value));
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

        public byte[] ToArray() => _stream.ToArray();

        private void Bytes(int field, byte[] value)
        {
            Tag(field, 2);
            WriteVarint((ulong)value.Length);
            _stream.Write(value);
        }

        private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

        private void WriteVarint(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}

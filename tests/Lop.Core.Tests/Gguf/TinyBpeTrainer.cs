using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lop.Core.Tests.Calibration;

namespace Lop.Core.Tests.Gguf;

/// <summary>
/// Learns a small byte-level BPE (GPT-2 byte characters as ids 0..255, then one token per merge) from a
/// text, the way Hugging Face trains one: split with the pre-tokenizer regex, then repeatedly merge the
/// most frequent adjacent pair. Every vocab entry is reachable by merges, so a tokenizer that
/// ignores merges for whole-word hits (Llama-3) and one that does not give the same ids.
/// </summary>
internal static class TinyBpeTrainer
{
    public static (Dictionary<string, int> Vocab, List<(string Left, string Right)> Merges) Train(string corpus, string splitRegex, int mergeCount)
    {
        var chars = TinyTokenizerFiles.Gpt2ByteChars();
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var b = 0; b < 256; b++)
        {
            vocab[chars[b].ToString()] = b;
        }
        var words = Regex.Matches(corpus, splitRegex)
            .Select(m => Encoding.UTF8.GetBytes(m.Value).Select(b => chars[b].ToString()).ToList())
            .ToList();
        var merges = new List<(string, string)>();
        for (var step = 0; step < mergeCount; step++)
        {
            var counts = new Dictionary<(string, string), int>();
            foreach (var word in words)
            {
                for (var i = 0; i + 1 < word.Count; i++)
                {
                    counts[(word[i], word[i + 1])] = counts.GetValueOrDefault((word[i], word[i + 1])) + 1;
                }
            }
            if (counts.Count == 0)
            {
                break;
            }
            // Ties broken by the pair's text so the result does not depend on dictionary order.
            var best = counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Item1 + "\u0000" + c.Key.Item2, StringComparer.Ordinal).First().Key;
            merges.Add(best);
            vocab.TryAdd(best.Item1 + best.Item2, vocab.Count);
            foreach (var word in words)
            {
                for (var i = 0; i + 1 < word.Count; i++)
                {
                    if (word[i] == best.Item1 && word[i + 1] == best.Item2)
                    {
                        word[i] += word[i + 1];
                        word.RemoveAt(i + 1);
                    }
                }
            }
        }
        return (vocab, merges);
    }

    /// <summary>
    /// A Llama-3 or Qwen2 style tokenizer.json: the Split regex, ByteLevel, the learned vocab and merges
    /// (array form when <paramref name="arrayMerges"/>), and <paramref name="added"/> tokens after the vocab.
    /// </summary>
    public static string TokenizerJson(string corpus, string splitRegex, int mergeCount, bool arrayMerges,
        IReadOnlyList<(string Content, bool Special)> added)
    {
        var (vocab, merges) = Train(corpus, splitRegex, mergeCount);
        var addedTokens = added.Select((a, i) => new { id = vocab.Count + i, content = a.Content, special = a.Special, single_word = false, lstrip = false, rstrip = false, normalized = false }).ToArray();
        var json = new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["added_tokens"] = addedTokens,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = splitRegex }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = true, use_regex = false },
                },
            },
            ["post_processor"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = false, use_regex = true },
            ["decoder"] = new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true },
            ["model"] = new Dictionary<string, object?>
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["byte_fallback"] = false,
                ["vocab"] = vocab,
                ["merges"] = arrayMerges
                    ? merges.Select(m => new[] { m.Left, m.Right }).ToArray()
                    : merges.Select(m => $"{m.Left} {m.Right}").ToArray(),
            },
        };
        return JsonSerializer.Serialize(json);
    }
}

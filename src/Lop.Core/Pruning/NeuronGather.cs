namespace Lop.Core.Pruning;

/// <summary>
/// Byte-level selection of kept neurons from a row-major tensor, dtype-agnostic (only the element
/// size matters), so a variant is written without converting or even decoding the weights.
/// </summary>
internal static class NeuronGather
{
    /// <summary>Maximal runs of consecutive kept indices: (start, length), so whole row blocks copy at once.</summary>
    public static List<(int Start, int Length)> Runs(int[] keptAscending)
    {
        var runs = new List<(int, int)>();
        var i = 0;
        while (i < keptAscending.Length)
        {
            var start = keptAscending[i];
            var length = 1;
            while (i + length < keptAscending.Length && keptAscending[i + length] == start + length)
            {
                length++;
            }
            runs.Add((start, length));
            i += length;
        }
        return runs;
    }

    /// <summary>
    /// Copies the kept columns of <paramref name="rows"/> consecutive rows of <paramref name="width"/>
    /// elements from <paramref name="source"/> into <paramref name="destination"/> (rows x kept.Length elements).
    /// </summary>
    public static unsafe void Columns(ReadOnlySpan<byte> source, Span<byte> destination, int rows, int width, int[] kept, int elementSize)
    {
        var sourceRow = (long)width * elementSize;
        var destinationRow = (long)kept.Length * elementSize;
        fixed (byte* s = source)
        fixed (byte* d = destination)
        {
            for (var r = 0; r < rows; r++)
            {
                var from = s + r * sourceRow;
                var to = d + r * destinationRow;
                switch (elementSize)
                {
                    case 2:
                        for (var j = 0; j < kept.Length; j++)
                        {
                            ((ushort*)to)[j] = ((ushort*)from)[kept[j]];
                        }
                        break;
                    case 4:
                        for (var j = 0; j < kept.Length; j++)
                        {
                            ((uint*)to)[j] = ((uint*)from)[kept[j]];
                        }
                        break;
                    default:
                        for (var j = 0; j < kept.Length; j++)
                        {
                            Buffer.MemoryCopy(from + (long)kept[j] * elementSize, to + (long)j * elementSize, elementSize, elementSize);
                        }
                        break;
                }
            }
        }
    }
}

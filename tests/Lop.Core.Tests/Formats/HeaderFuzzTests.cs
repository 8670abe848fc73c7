using System.Text;
using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Tests.Formats;

/// <summary>
/// Random and mutated headers: the parser either accepts a header whose tensors are consistent with
/// the data section, or throws a LopException; never another exception type, never a hang.
/// </summary>
public class HeaderFuzzTests
{
    [Fact]
    public void Random_bytes_never_escape_as_anything_but_a_coded_error()
    {
        var random = new Random(20251128);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
            {
                bytes[0] = (byte)'{';
            }
            Check(bytes, random.Next(0, 100));
        }
    }

    [Fact]
    public void Mutated_valid_headers_are_accepted_consistently_or_rejected_with_a_code()
    {
        var random = new Random(7);
        var (header, data) = RawSafetensors.Valid();
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            var text = Mutate(header, random);
            if (Check(Encoding.UTF8.GetBytes(text), data.Length))
            {
                accepted++;
            }
        }
        // Some mutations (spaces, metadata edits) keep a valid header: the fuzzer reached the accept path too.
        Assert.InRange(accepted, 1, 4999);
    }

    private static string Mutate(string header, Random random)
    {
        var chars = header.ToCharArray().ToList();
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(chars.Count);
            switch (random.Next(6))
            {
                case 0: chars[at] = (char)random.Next(32, 127); break;
                case 1: chars.RemoveAt(at); break;
                case 2: chars.Insert(at, "0123456789,[]{}\":-e. "[random.Next(21)]); break;
                case 3: chars = chars.Take(at).ToList(); break;
                case 4:
                    var digits = new[] { "0", "24", "40", "-1", "99999999999999999999", "1e3", "9223372036854775807" };
                    chars.InsertRange(at, digits[random.Next(digits.Length)]);
                    break;
                default:
                    var other = random.Next(chars.Count);
                    (chars[at], chars[other]) = (chars[other], chars[at]);
                    break;
            }
            if (chars.Count == 0)
            {
                break;
            }
        }
        return new string(chars.ToArray());
    }

    /// <returns>whether the header was accepted</returns>
    private static bool Check(byte[] header, long dataLength)
    {
        try
        {
            var parsed = SafetensorsHeader.Parse(header, dataLength, "fuzz.safetensors");
            long previousEnd = 0;
            foreach (var tensor in parsed.Tensors)
            {
                Assert.InRange(tensor.DataBegin, previousEnd, dataLength);
                Assert.InRange(tensor.DataEnd, tensor.DataBegin, dataLength);
                Assert.Equal(tensor.ElementCount * DTypes.SizeOf(tensor.DType), tensor.ByteLength);
                previousEnd = tensor.DataEnd;
            }
            return true;
        }
        catch (LopException e)
        {
            Assert.StartsWith("LOP2", e.Code);
            return false;
        }
    }
}

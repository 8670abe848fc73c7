using System.Buffers.Binary;
using System.Text;

namespace Lop.Core.Tests.Formats;

/// <summary>Writes safetensors bytes by hand, independently of the engine's writer, to craft good and bad files.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Two F32 tensors "a" [2,3] and "b" [4] with values 0..9.</summary>
    public static (string Header, byte[] Data) Valid()
    {
        var data = new byte[40];
        for (var i = 0; i < 10; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), i);
        }
        const string header = """{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}}""";
        return (header, data);
    }

    public static string Write(string folder, string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

using System.Buffers.Binary;
using Lop.Core.Errors;
using Lop.Core.Formats;

namespace Lop.Core.Tests.Formats;

public class SafetensorsFileTests
{
    [Fact]
    public void Reads_tensors_metadata_and_bytes_of_a_hand_written_file()
    {
        using var temp = new TempFolder();
        var (header, data) = RawSafetensors.Valid();
        var path = RawSafetensors.Write(temp.Path, "m.safetensors", RawSafetensors.Build(header, data));

        using var file = SafetensorsFile.Open(path);

        Assert.Equal(["a", "b"], file.OrderedTensors.Select(t => t.Name));
        Assert.Equal([2L, 3], file.Tensors["a"].Shape);
        Assert.Equal("pt", file.Metadata["format"]);
        var b = file.Tensors["b"];
        Assert.Equal(7f, BinaryPrimitives.ReadSingleLittleEndian(file.Span(b, 4, 4)));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Writer_round_trips_bytes_exactly_with_an_8_byte_aligned_header(DType dtype)
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "w.safetensors");
        var entries = new[] { new TensorEntry("x.weight", dtype, [3, 5]), new TensorEntry("y", dtype, [7]) };
        var payload = entries.Select(e => Enumerable.Range(0, (int)e.ByteLength).Select(i => (byte)(i * 31 + e.Name.Length)).ToArray()).ToArray();
        using (var writer = new SafetensorsWriter(path, entries, new Dictionary<string, string> { ["format"] = "pt" }))
        {
            writer.WriteTensorData("x.weight", payload[0].AsSpan(0, 10));
            writer.WriteTensorData("x.weight", payload[0].AsSpan(10));
            writer.WriteTensorData("y", payload[1]);
            writer.Commit();
        }

        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(file.Tensors["x.weight"].DataEnd, file.Tensors["y"].DataBegin);
        for (var i = 0; i < entries.Length; i++)
        {
            var info = file.Tensors[entries[i].Name];
            Assert.Equal(dtype, info.DType);
            Assert.True(file.Span(info, 0, (int)info.ByteLength).SequenceEqual(payload[i]));
        }
    }

    [Fact]
    public void Disposing_a_writer_without_commit_leaves_no_file()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "w.safetensors");
        using (var writer = new SafetensorsWriter(path, [new TensorEntry("x", DType.F32, [2])]))
        {
            writer.WriteTensorData("x", new byte[4]);
        }

        Assert.Empty(Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Writer_rejects_out_of_order_and_oversized_writes()
    {
        using var temp = new TempFolder();
        using var writer = new SafetensorsWriter(Path.Combine(temp.Path, "w.safetensors"), [new TensorEntry("x", DType.F32, [2]), new TensorEntry("y", DType.F32, [1])]);

        Assert.Throws<InvalidOperationException>(() => writer.WriteTensorData("y", new byte[4]));
        Assert.Throws<InvalidOperationException>(() => writer.WriteTensorData("x", new byte[12]));
        Assert.Throws<InvalidOperationException>(() => writer.Commit());
    }

    public static TheoryData<string, string, string?> BadFiles() => new()
    {
        { "truncated", ErrorCodes.TruncatedFile, null },
        { "header-past-end", ErrorCodes.HeaderPastEnd, null },
        { "not-json", ErrorCodes.InvalidHeader, null },
        { "offsets-out-of-range", ErrorCodes.OffsetsOutOfRange, "b" },
        { "overlapping", ErrorCodes.OverlappingTensors, null },
        { "size-mismatch", ErrorCodes.SizeMismatch, "a" },
        { "unknown-dtype", ErrorCodes.UnsupportedDType, "a" },
        { "negative-offset", ErrorCodes.OffsetsOutOfRange, "a" },
        { "duplicate", ErrorCodes.InvalidHeader, "a" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_are_coded_errors_naming_the_file_and_tensor(string kind, string code, string? tensor)
    {
        using var temp = new TempFolder();
        var (header, data) = RawSafetensors.Valid();
        var bytes = kind switch
        {
            "truncated" => new byte[5],
            "header-past-end" => RawSafetensors.Build(header, data, declaredHeaderLength: 1_000_000),
            "not-json" => RawSafetensors.Build("{\"a\": [", data),
            "offsets-out-of-range" => RawSafetensors.Build(header.Replace("[24,40]", "[24,44]").Replace("[4]", "[5]"), data),
            "overlapping" => RawSafetensors.Build(header.Replace("[24,40]", "[20,36]"), data),
            "size-mismatch" => RawSafetensors.Build(header.Replace("[2,3]", "[2,2]"), data),
            "unknown-dtype" => RawSafetensors.Build(header.Replace("\"F32\",\"shape\":[2,3]", "\"Q4\",\"shape\":[2,3]"), data),
            "negative-offset" => RawSafetensors.Build(header.Replace("[0,24]", "[-8,16]"), data),
            "duplicate" => RawSafetensors.Build(header.Replace("\"b\":", "\"a\":"), data),
            _ => throw new ArgumentException(kind),
        };
        var path = RawSafetensors.Write(temp.Path, "bad.safetensors", bytes);

        var error = Assert.Throws<LopException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Equal(code, error.Code);
        Assert.Equal(path, error.File);
        Assert.StartsWith($"{path}: error {code}: ", error.Render());
        if (tensor is not null)
        {
            Assert.Contains($"tensor {tensor} ", error.Message);
        }
        if (kind == "overlapping")
        {
            Assert.Contains("tensors a and b overlap", error.Message);
        }
    }
}

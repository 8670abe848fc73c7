namespace Lop.Core.Formats;

/// <summary>One tensor of a safetensors file: data offsets are relative to the data section, as in the file.</summary>
public sealed record TensorInfo(string Name, DType DType, long[] Shape, long DataBegin, long DataEnd)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public long ByteLength => DataEnd - DataBegin;
}

/// <summary>A tensor to be written: its data offsets follow from the order of entries.</summary>
public sealed record TensorEntry(string Name, DType DType, long[] Shape)
{
    public long ByteLength => checked(Shape.Aggregate(1L, (a, b) => checked(a * b)) * DTypes.SizeOf(DType));
}

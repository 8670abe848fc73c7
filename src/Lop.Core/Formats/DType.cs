using Lop.Core.Errors;
using static TorchSharp.torch;

namespace Lop.Core.Formats;

/// <summary>Element types a safetensors file can hold (the names are the file format's).</summary>
public enum DType
{
    F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL,
}

internal static class DTypes
{
    public static int SizeOf(DType dtype) => dtype switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    public static bool TryParse(string text, out DType dtype) =>
        Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && text == dtype.ToString();

    public static ScalarType ToScalarType(DType dtype) => dtype switch
    {
        DType.F64 => ScalarType.Float64,
        DType.F32 => ScalarType.Float32,
        DType.F16 => ScalarType.Float16,
        DType.BF16 => ScalarType.BFloat16,
        DType.I64 => ScalarType.Int64,
        DType.I32 => ScalarType.Int32,
        DType.I16 => ScalarType.Int16,
        DType.I8 => ScalarType.Int8,
        DType.U8 => ScalarType.Byte,
        _ => ScalarType.Bool,
    };

    public static DType FromScalarType(ScalarType type) => type switch
    {
        ScalarType.Float64 => DType.F64,
        ScalarType.Float32 => DType.F32,
        ScalarType.Float16 => DType.F16,
        ScalarType.BFloat16 => DType.BF16,
        ScalarType.Int64 => DType.I64,
        ScalarType.Int32 => DType.I32,
        ScalarType.Int16 => DType.I16,
        ScalarType.Int8 => DType.I8,
        ScalarType.Byte => DType.U8,
        ScalarType.Bool => DType.BOOL,
        _ => throw new ArgumentException($"no safetensors dtype for {type}"),
    };

    /// <summary>Parses a user's --dtype: f32, bf16, f16 (case-insensitive); null for 'checkpoint'.</summary>
    public static ScalarType? ParseCompute(string text) => text.ToLowerInvariant() switch
    {
        "checkpoint" => null,
        "f32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "f16" or "float16" => ScalarType.Float16,
        _ => throw new LopException(ErrorCodes.InvalidArgument, $"--dtype {text} is not supported; use f32, bf16, f16 or checkpoint."),
    };
}

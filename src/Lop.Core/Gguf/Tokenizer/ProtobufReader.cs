using System.Buffers.Binary;
using System.Text;

namespace Lop.Core.Gguf.Tokenizer;

/// <summary>One field of a protobuf message: its number, wire type and raw payload.</summary>
internal readonly record struct ProtobufField(int Number, int WireType, ulong Scalar, ReadOnlyMemory<byte> Bytes)
{
    public const int Varint = 0;
    public const int Fixed64 = 1;
    public const int LengthDelimited = 2;
    public const int Fixed32 = 5;

    public int AsInt32() => unchecked((int)Scalar); // int32 -1 arrives as a 10-byte varint; the low 32 bits are the value

    public bool AsBool() => Scalar != 0;

    public float AsFloat() => BitConverter.Int32BitsToSingle(unchecked((int)Scalar));

    public string AsString() => Encoding.UTF8.GetString(Bytes.Span);
}

/// <summary>
/// Just enough of the protobuf wire format to read sentencepiece_model.proto: varints, fixed32,
/// fixed64 and length-delimited fields, in file order. Reading tokenizer.model this way keeps
/// Google.Protobuf and generated code out of the engine for four fields.
/// </summary>
internal static class ProtobufReader
{
    /// <summary>The fields of one message; throws <see cref="FormatException"/> on a truncated or malformed message.</summary>
    public static List<ProtobufField> ReadMessage(ReadOnlyMemory<byte> message)
    {
        var fields = new List<ProtobufField>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (number <= 0)
            {
                throw new FormatException($"field number {number} at byte {position}");
            }
            switch (wireType)
            {
                case ProtobufField.Varint:
                    fields.Add(new(number, wireType, ReadVarint(span, ref position), ReadOnlyMemory<byte>.Empty));
                    break;
                case ProtobufField.Fixed32:
                    Require(span, position, 4);
                    fields.Add(new(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(span[position..]), ReadOnlyMemory<byte>.Empty));
                    position += 4;
                    break;
                case ProtobufField.Fixed64:
                    Require(span, position, 8);
                    fields.Add(new(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(span[position..]), ReadOnlyMemory<byte>.Empty));
                    position += 8;
                    break;
                case ProtobufField.LengthDelimited:
                    var length = ReadVarint(span, ref position);
                    if (length > (ulong)(span.Length - position))
                    {
                        throw new FormatException($"field {number} claims {length} bytes, {span.Length - position} remain");
                    }
                    fields.Add(new(number, wireType, length, message.Slice(position, (int)length)));
                    position += (int)length;
                    break;
                default:
                    throw new FormatException($"field {number} has wire type {wireType}, which proto3 files do not use");
            }
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            Require(span, position, 1);
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
        throw new FormatException($"varint longer than 10 bytes before byte {position}");
    }

    private static void Require(ReadOnlySpan<byte> span, int position, int count)
    {
        if (span.Length - position < count)
        {
            throw new FormatException($"message ends at byte {span.Length}, {count} more bytes expected at byte {position}");
        }
    }
}

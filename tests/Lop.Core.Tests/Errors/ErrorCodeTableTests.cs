using System.Reflection;
using Lop.Contract;
using Lop.Core.Errors;
using Lop.Runtime.Errors;

namespace Lop.Core.Tests.Errors;

public sealed class ErrorCodeTableTests
{
    private static IEnumerable<(string Name, string Code)> Codes(Type table) => table
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => ($"{table.Name}.{f.Name}", (string)f.GetRawConstantValue()!));

    [Fact]
    public void One_number_has_one_meaning_across_the_engine_the_task_and_the_runtime()
    {
        // ErrorCodes re-exports the LOP00xx codes from the shared table (the next test holds it to that), so those count once.
        var all = Codes(typeof(EngineCodes))
            .Concat(Codes(typeof(ErrorCodes)).Where(c => !c.Code.StartsWith("LOP00", StringComparison.Ordinal)))
            .Concat(Codes(typeof(RuntimeErrorCodes)))
            .ToList();
        var clashes = all.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(c => c.Name))}").ToList();
        Assert.Empty(clashes);
    }

    [Fact]
    public void The_engines_runtime_codes_come_from_the_shared_table()
    {
        Assert.Equal(EngineCodes.InvalidArgument, ErrorCodes.InvalidArgument);
        Assert.Equal(EngineCodes.OutputNotWritable, ErrorCodes.OutputNotWritable);
        Assert.Equal(EngineCodes.EngineVersionUnsupported, ErrorCodes.EngineVersionUnsupported);
        Assert.Equal(EngineCodes.NativeLoadFailed, ErrorCodes.NativeLoadFailed);
        Assert.All(Codes(typeof(ErrorCodes)).Where(c => c.Code.StartsWith("LOP00", StringComparison.Ordinal)),
            c => Assert.Contains(c.Code, Codes(typeof(EngineCodes)).Select(e => e.Code)));
    }
}

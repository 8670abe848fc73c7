using Lop.Core.Formats;
using Lop.Core.Progress;
using Lop.Core.Pruning;

namespace Lop.Core.Tests.Pruning;

/// <summary>A pruned variant written as the engine writes one, its manifest carrying a stand-in source fingerprint.</summary>
internal static class TestVariants
{
    public static void Write(HfCheckpoint checkpoint, PruningPlan plan, string source, string destination, string sourceFingerprint = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") =>
        VariantWriter.Write(checkpoint, plan, (before, after) => VariantManifest.Create(plan, source, sourceFingerprint, null, before, after), destination, SilentProgress.Instance);
}

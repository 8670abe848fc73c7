namespace Lop.Core.Calibration;

/// <summary>
/// Which calibration data, cut how, split how. Everything that changes the sequences is here, so it can key caches.
/// The defaults are those of lop.yaml's calibration section, the CLI's calibration options and the init template.
/// </summary>
public sealed record CalibrationOptions(
    string Path,
    int SequenceLength = CalibrationOptions.DefaultSequenceLength,
    double HeldOutFraction = CalibrationOptions.DefaultHeldOutFraction,
    int Seed = CalibrationOptions.DefaultSeed,
    int? MaxSequences = null)
{
    public const int DefaultSequenceLength = 128;
    public const double DefaultHeldOutFraction = 0.25;
    public const int DefaultSeed = 1234;
}

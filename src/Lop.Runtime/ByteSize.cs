using System.Globalization;

namespace Lop.Runtime;

/// <summary>Sizes in words people read: binary units, one decimal from GiB up, whole units below.</summary>
internal static class ByteSize
{
    public static string Format(long bytes)
    {
        const double KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
        var culture = CultureInfo.InvariantCulture;
        return bytes switch
        {
            >= (long)GiB => string.Format(culture, "{0:0.0} GiB", bytes / GiB),
            >= (long)MiB => string.Format(culture, "{0:0} MiB", bytes / MiB),
            >= (long)KiB => string.Format(culture, "{0:0} KiB", bytes / KiB),
            _ => string.Format(culture, "{0} B", bytes),
        };
    }
}

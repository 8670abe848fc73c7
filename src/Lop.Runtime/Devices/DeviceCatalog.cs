namespace Lop.Runtime.Devices;

/// <summary>A device a target can name: the memory a model may use on it (weights + KV cache) and the dtype it runs in.</summary>
public sealed record DeviceSpec(string Name, long MemoryBytes, string DType, string Description);

/// <summary>
/// Built-in devices for <c>device:</c> targets. Usable memory is deliberately below the physical RAM:
/// on shared-memory boards (Raspberry Pi, Jetson) the OS, the runtime and activations take their share,
/// so we count 75%; phones kill apps well before that (iOS and Android leave an app about half of RAM),
/// so 50%; discrete GPUs lose about 10% to the CUDA context, allocator slack and activations, so 90%.
/// A target overrides the figure with <c>maxMemory</c>. It lives here rather than in the engine so that an
/// app choosing a variant at run time (<c>VariantSelector</c>) uses the same figures the build pruned for,
/// without a TorchSharp dependency.
/// </summary>
public static class DeviceCatalog
{
    private const long GiB = 1L << 30;

    public static IReadOnlyList<DeviceSpec> Devices { get; } =
    [
        new("raspberry-pi-5-4gb", 3 * GiB, "f16", "Raspberry Pi 5, 4 GB shared RAM (75%)"),
        new("raspberry-pi-5-8gb", 6 * GiB, "f16", "Raspberry Pi 5, 8 GB shared RAM (75%)"),
        new("jetson-orin-nano-8gb", 6 * GiB, "f16", "NVIDIA Jetson Orin Nano, 8 GB shared RAM (75%)"),
        new("jetson-agx-orin-64gb", 48 * GiB, "f16", "NVIDIA Jetson AGX Orin, 64 GB shared RAM (75%)"),
        new("iphone-15-pro", 4 * GiB, "f16", "iPhone 15 Pro, 8 GB RAM (50% for one app)"),
        new("pixel-8", 4 * GiB, "f16", "Google Pixel 8, 8 GB RAM (50% for one app)"),
        new("rtx-4090-24gb", 24 * GiB * 9 / 10, "bf16", "NVIDIA RTX 4090, 24 GB VRAM (90%)"),
        new("a100-40gb", 40 * GiB * 9 / 10, "bf16", "NVIDIA A100, 40 GB HBM (90%)"),
        new("a100-80gb", 80 * GiB * 9 / 10, "bf16", "NVIDIA A100, 80 GB HBM (90%)"),
        new("h100-80gb", 80 * GiB * 9 / 10, "bf16", "NVIDIA H100, 80 GB HBM (90%)"),
    ];

    public static IEnumerable<string> Names => Devices.Select(d => d.Name);

    /// <summary>The entry named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static DeviceSpec? Find(string name) =>
        Devices.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
}

using System.Text.RegularExpressions;
using Lop.Runtime.Devices;

namespace Lop.Runtime.Tests;

public sealed class DeviceCatalogTests
{
    [Theory]
    [InlineData("jetson-orin-nano-8gb", 6L << 30, "f16")]
    [InlineData("Pixel-8", 4L << 30, "f16")]
    [InlineData("raspberry-pi-5-8gb", 6L << 30, "f16")]
    [InlineData("h100-80gb", 72L << 30, "bf16")]
    [InlineData("rtx-4090-24gb", (24L << 30) * 9 / 10, "bf16")]
    public void Devices_are_found_by_name_ignoring_case(string name, long memory, string dtype)
    {
        var device = DeviceCatalog.Find(name);
        Assert.NotNull(device);
        Assert.Equal((memory, dtype), (device.MemoryBytes, device.DType));
        Assert.Equal(name.ToLowerInvariant(), device.Name);
    }

    [Fact]
    public void Unknown_devices_are_not_found() => Assert.Null(DeviceCatalog.Find("jetson-orin-nano"));

    [Fact]
    public void Every_entry_is_usable()
    {
        Assert.Equal(DeviceCatalog.Devices.Count, DeviceCatalog.Names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(DeviceCatalog.Devices, d =>
        {
            Assert.Matches(new Regex("^[a-z0-9-]+$"), d.Name);
            Assert.True(d.MemoryBytes > 1L << 30);
            Assert.Contains(d.DType, new[] { "f16", "bf16" });
        });
    }
}

using Lop.Core.Calibration;

namespace Lop.Core.Tests.Calibration;

public class SplitMix64Tests
{
    [Fact]
    public void Matches_the_reference_splitmix64_sequence()
    {
        // First outputs of the reference C implementation (Vigna) seeded with 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void NextDouble_is_the_top_53_bits_scaled_into_the_unit_interval()
    {
        var rng = new SplitMix64(0);
        Assert.Equal((0xE220A8397B1DCDAFUL >> 11) / 9007199254740992.0, rng.NextDouble());
        for (var i = 0; i < 1000; i++)
        {
            Assert.InRange(rng.NextDouble(), 0.0, Math.BitDecrement(1.0));
        }
    }

    [Fact]
    public void NextBelow_stays_in_range_and_reaches_every_value()
    {
        var rng = new SplitMix64(42);
        var seen = new bool[7];
        for (var i = 0; i < 1000; i++)
        {
            var v = rng.NextBelow(7);
            Assert.InRange(v, 0, 6);
            seen[v] = true;
        }
        Assert.All(seen, Assert.True);
    }
}

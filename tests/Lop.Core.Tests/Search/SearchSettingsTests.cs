using Lop.Core.Errors;
using Lop.Core.Search;

namespace Lop.Core.Tests.Search;

public class SearchSettingsTests
{
    [Fact]
    public void Defaults_are_the_papers()
    {
        var settings = new SearchSettings();

        Assert.Equal((300, 4, 1.4, 0.0, 0.9, 1234L, 8), (settings.Simulations, settings.MaxChildren, settings.Exploration, settings.LowerBound, settings.UpperBound, settings.Seed, settings.BatchSize));
        Assert.Equal(0.1, settings.Delta(0), 12);
        Assert.Equal(0.1 * 0.9 * 0.9, settings.Delta(2), 12);
        Assert.Equal(0.01, settings.Delta(40), 12); // 0.1 x 0.9^40 = 0.0015, floored at 0.01
    }

    [Fact]
    public void Settings_that_cannot_work_are_rejected()
    {
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<LopException>(() => new SearchSettings { MaxChildren = 0 }.Validate()).Code);
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<LopException>(() => new SearchSettings { LowerBound = 0.5, UpperBound = 0.4 }.Validate()).Code);
        Assert.Equal(ErrorCodes.InvalidArgument, Assert.Throws<LopException>(() => new SearchSettings { MinDelta = 0 }.Validate()).Code);
    }
}

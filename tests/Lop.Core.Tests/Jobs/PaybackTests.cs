using Lop.Core.Jobs;

namespace Lop.Core.Tests.Jobs;

public class PaybackTests
{
    [Theory]
    // 2 training searches of 40 s + 20 s training = 100 s up front; each new budget saves 12 - 2 = 10 s: 10 budgets.
    [InlineData(100.0, 12.0, 2.0, 10)]
    // One second more up front needs an 11th budget (9.1 budgets round up).
    [InlineData(101.0, 12.0, 2.0, 11)]
    // A 120 s search against a 5 ms prediction: 95 s / 119.995 s per budget = 0.79, so the first new budget.
    [InlineData(95.0, 120.0, 0.005, 1)]
    [InlineData(0.0, 3.0, 1.0, 0)]
    public void Break_even_is_the_one_off_cost_over_the_time_each_budget_saves_rounded_up(double oneOff, double search, double prediction, int expected)
    {
        Assert.Equal(expected, Payback.BreakEvenBudgets(oneOff, search, prediction));
    }

    [Theory]
    [InlineData(2.0, 2.0)]
    [InlineData(1.0, 2.0)]
    public void A_prediction_no_faster_than_a_search_never_pays_off(double search, double prediction)
    {
        Assert.Null(Payback.BreakEvenBudgets(50, search, prediction));
    }
}

namespace Lop.Core.Jobs;

/// <summary>When a predictor has paid for itself against searching every budget.</summary>
public static class Payback
{
    /// <summary>
    /// The fewest new budgets n with n x search >= one-off + n x prediction, i.e. ceil(one-off / (search -
    /// prediction)); null when a prediction is no faster than a search, so it never pays off.
    /// </summary>
    /// <param name="oneOffSeconds">the searches of the training budgets plus the training</param>
    /// <param name="searchSeconds">one search, the cost of a budget without the predictor</param>
    /// <param name="predictionSeconds">one prediction, the cost of a budget with it</param>
    public static int? BreakEvenBudgets(double oneOffSeconds, double searchSeconds, double predictionSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(oneOffSeconds);
        var saved = searchSeconds - predictionSeconds;
        return saved > 0 ? checked((int)Math.Ceiling(oneOffSeconds / saved)) : null;
    }
}

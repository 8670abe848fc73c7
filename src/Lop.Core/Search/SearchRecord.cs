namespace Lop.Core.Search;

/// <summary>
/// One evaluated configuration. Every one is kept, not only the best: the top configurations of many
/// budgets are the predictor's training set.
/// </summary>
/// <param name="Budget">fraction of all FFN neurons removed</param>
/// <param name="Ratios">per layer, 1 - Kept / width</param>
/// <param name="Kept">neurons kept per layer (a prefix of the importance order)</param>
/// <param name="Reward">negative mean next-token NLL on the search split; higher is better</param>
/// <param name="Perplexity">exp(-Reward)</param>
/// <param name="Simulation">the simulation that first evaluated it; 0 is the root (uniform)</param>
public sealed record SearchRecord(double Budget, double[] Ratios, int[] Kept, double Reward, double Perplexity, int Simulation);

/// <param name="Records">every distinct configuration evaluated, in evaluation order</param>
/// <param name="Best">the record with the highest reward (the earliest of equals)</param>
/// <param name="Evaluations">pruned-model evaluations run (repeats come from the cache and do not count)</param>
public sealed record SearchResult(double Budget, IReadOnlyList<SearchRecord> Records, SearchRecord Best, double Seconds, int Evaluations);

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
/// <param name="Evaluations">full-fidelity evaluations run (repeats come from the cache and do not count)</param>
/// <param name="Cost">what the search ran: simulations, evaluations at each stage, tokens through the decoder and the output layer</param>
public sealed record SearchResult(double Budget, IReadOnlyList<SearchRecord> Records, SearchRecord Best, double Seconds, int Evaluations, SearchCost Cost);

/// <summary>
/// What one budget's search computed, counted as it ran, so that settings can be compared by work done rather
/// than by a clock shared with other processes.
/// </summary>
/// <param name="Simulations">simulations run (fewer than asked when the search stopped early)</param>
/// <param name="FullEvaluations">candidates scored on every reward sequence</param>
/// <param name="CheapEvaluations">candidates scored on the staged-fidelity sequences (0 without staged fidelity)</param>
/// <param name="DecoderTokens">input tokens run through the decoder, over all evaluations (wrong-image passes included)</param>
/// <param name="KeptNeuronTokens">the sum over those tokens of the FFN neurons kept in all layers: the FFNs' cost is proportional to it</param>
/// <param name="ScoredTokens">positions the output layer and the loss ran at</param>
public sealed record SearchCost(int Simulations, int FullEvaluations, int CheapEvaluations, long DecoderTokens, long KeptNeuronTokens, long ScoredTokens);

using Lop.Core.Importance;

namespace Lop.Core.Pruning;

/// <summary>
/// Which neurons a pruning keeps in each layer, and what it does about the others: the importance
/// method whose ranking the kept prefix is taken from, and whether the removed neurons' mean
/// contribution is added back to the FFN's output as a bias (FLAP's compensation).
/// </summary>
internal readonly record struct NeuronSelection(ImportanceMethod Order, bool BiasCompensation)
{
    /// <summary>LOP's: the neurons with the largest activation RMS, nothing added for the rest.</summary>
    public static NeuronSelection Activation => new(ImportanceMethod.Activation, false);

    /// <summary>FLAP's: the neurons with the largest fluctuation metric, the removed ones' mean output added back.</summary>
    public static NeuronSelection Flap => new(ImportanceMethod.Flap, true);
}

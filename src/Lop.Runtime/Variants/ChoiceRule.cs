namespace Lop.Runtime.Variants;

/// <summary>Which rule chose a variant.</summary>
public enum ChoiceRule
{
    /// <summary>The target was named.</summary>
    NamedTarget,

    /// <summary>The largest variant whose need fits the memory of a named catalog device.</summary>
    LargestThatFitsDevice,

    /// <summary>The largest variant whose need fits the memory this process has now.</summary>
    LargestThatFits,
}

namespace Lop.Core.Importance;

/// <summary>How an FFN neuron's importance is scored. Names are the CLI's and the cache's.</summary>
public enum ImportanceMethod
{
    /// <summary>LOP: RMS over all calibration tokens of the neuron's down_proj input.</summary>
    Activation,

    /// <summary>L2 norm of every weight attached to the neuron (gate row, up row, down column).</summary>
    Magnitude,

    /// <summary>Wanda-style structured: down_proj column norm x activation L2 norm.</summary>
    Wanda,

    /// <summary>FLAP: activation variance x squared down_proj column norm.</summary>
    Flap,
}

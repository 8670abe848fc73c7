namespace Lop.Core.Predictor;

/// <summary>The network that maps a global budget to per-layer pruning ratios.</summary>
public enum PredictorArchitecture
{
    /// <summary>
    /// The paper's predictor (section 4.3): a budget token followed by one token per layer, causal mask,
    /// each layer's ratio chosen knowing the ratios already chosen for the layers before it.
    /// Implemented by <see cref="TransformerPredictor"/>; reported as "lop" (<see cref="PredictorAllocator.MethodName"/>).
    /// </summary>
    Transformer,

    /// <summary>The authors' released code: L position tokens built from the budget, non-causal, one pass. Kept for comparison.</summary>
    Encoder,

    /// <summary>Ablation from the paper: budget -> hidden -> hidden -> L.</summary>
    Mlp,

    /// <summary>Ablation from the paper: a bidirectional LSTM over the layers.</summary>
    BiLstm,
}

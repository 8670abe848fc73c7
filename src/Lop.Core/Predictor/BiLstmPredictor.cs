using Lop.Core.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Predictor;

/// <summary>
/// The paper's Bi-LSTM ablation: a sequence of L steps, step l = proj(b) + embedding of layer l, read
/// in both directions, one sigmoid per step. The budget is projected to the embedding width and added,
/// the same token construction as <see cref="EncoderPredictor"/>, so the two differ only in the mixer.
/// </summary>
internal sealed class BiLstmPredictor : PredictorNetwork
{
    private readonly Linear budget_proj;
    private readonly Parameter layer_embedding;
    private readonly LSTM lstm;
    private readonly Linear head;

    public BiLstmPredictor(int layerCount, PredictorSettings settings) : base("bilstm", layerCount)
    {
        // Embeddings start at zero here; PredictorInit draws every weight from the settings' seed.
        budget_proj = nn.Linear(1, settings.Hidden);
        layer_embedding = nn.Parameter(zeros(layerCount, settings.Hidden));
        lstm = nn.LSTM(settings.Hidden, settings.Hidden, numLayers: settings.Layers, batchFirst: true,
            dropout: settings.Layers > 1 ? settings.Dropout : 0.0, bidirectional: true);
        head = nn.Linear(2L * settings.Hidden, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor budgets)
    {
        using var scope = NewDisposeScope();
        var steps = budget_proj.forward(budgets.unsqueeze(-1)).unsqueeze(1).Plus(layer_embedding);
        var (output, _, _) = lstm.forward(steps);
        return sigmoid(head.forward(output).squeeze(-1)).MoveToOuterDisposeScope();
    }
}

using Lop.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Lop.Core.Training;

/// <summary>
/// Adam (Kingma and Ba), or AdamW with decoupled weight decay (Loshchilov and Hutter), step for step the
/// arithmetic of TorchSharp's <c>optim.Adam</c> / <c>optim.AdamW</c>, with every number held through its
/// native call. TorchSharp's own optimizers pass their betas, learning rate and epsilon as temporary
/// Scalars, which a collection on another thread can free mid-call (see <see cref="HeldScalars"/>); a
/// training is thousands of such calls. Equal to TorchSharp's to the last bit on the same gradients (tested).
/// </summary>
internal sealed class HeldAdam : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly double _beta1;
    private readonly double _beta2;
    private readonly double _eps;
    private readonly double _weightDecay;
    private readonly bool _decoupled;
    private long _steps;

    private HeldAdam(IEnumerable<Parameter> parameters, double learningRate, double weightDecay, bool decoupled, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        _parameters = parameters.ToArray();
        using var noGrad = no_grad();
        _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        LearningRate = learningRate;
        (_beta1, _beta2, _eps, _weightDecay, _decoupled) = (beta1, beta2, eps, weightDecay, decoupled);
    }

    /// <summary>Adam with L2 weight decay added to the gradient, as <c>optim.Adam</c>.</summary>
    public static HeldAdam Adam(IEnumerable<Parameter> parameters, double learningRate, double weightDecay = 0) =>
        new(parameters, learningRate, weightDecay, decoupled: false);

    /// <summary>AdamW: the weights shrink by lr x decay each step, apart from the gradient, as <c>optim.AdamW</c>.</summary>
    public static HeldAdam AdamW(IEnumerable<Parameter> parameters, double learningRate, double weightDecay = 0.01) =>
        new(parameters, learningRate, weightDecay, decoupled: true);

    /// <summary>The rate of the next step (a schedule sets it before each).</summary>
    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        foreach (var parameter in _parameters)
        {
            using var grad = parameter.grad;
            grad?.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        _steps++;
        var correction1 = 1 - Math.Pow(_beta1, _steps);
        var correction2 = 1 - Math.Pow(_beta2, _steps);
        using var shrink = (1 - LearningRate * _weightDecay).ToScalar();
        using var beta1 = _beta1.ToScalar();
        using var beta2 = _beta2.ToScalar();
        using var oneMinusBeta1 = (1 - _beta1).ToScalar();
        using var oneMinusBeta2 = (1 - _beta2).ToScalar();
        using var decay = _weightDecay.ToScalar();
        using var rootCorrection2 = Math.Sqrt(correction2).ToScalar();
        using var eps = _eps.ToScalar();
        using var stepSize = (-LearningRate / correction1).ToScalar();
        for (var i = 0; i < _parameters.Length; i++)
        {
            using var scope = NewDisposeScope();
            var parameter = _parameters[i];
            var grad = parameter.grad;
            if (grad is null)
            {
                continue;
            }
            if (_decoupled)
            {
                parameter.mul_(shrink);
            }
            else if (_weightDecay != 0)
            {
                grad = grad.add(parameter, decay);
            }
            _firstMoments[i].mul_(beta1).add_(grad, oneMinusBeta1);
            _secondMoments[i].mul_(beta2).addcmul_(grad, grad, oneMinusBeta2);
            var denominator = _secondMoments[i].sqrt().div(rootCorrection2).add_(eps, HeldScalars.One);
            parameter.addcdiv_(_firstMoments[i], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var moment in _firstMoments.Concat(_secondMoments))
        {
            moment.Dispose();
        }
    }
}

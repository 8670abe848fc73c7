using static TorchSharp.torch;

namespace Lop.Core.Randomness;

/// <summary>
/// Exclusive use of torch's process-wide generator. Some draws cannot be given a private generator
/// (dropout in nn.functional and in the native LSTM, initialisers called without a generator), so a
/// deterministic run seeds the global one and must keep every other thread from drawing from it
/// meanwhile: two trainings in parallel (tests do this) would otherwise interleave their draws and
/// neither would be reproducible.
/// </summary>
internal static class GlobalTorchGenerator
{
    private static readonly Lock Gate = new();

    /// <summary>Seeds the global generator and holds it until the returned scope is disposed, on the same thread.</summary>
    public static IDisposable Seed(long seed)
    {
        Gate.Enter();
        try
        {
            manual_seed(seed);
        }
        catch
        {
            Gate.Exit();
            throw;
        }
        return new Held();
    }

    private sealed class Held : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Gate.Exit();
            }
        }
    }
}

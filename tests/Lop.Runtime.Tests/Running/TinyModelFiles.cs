namespace Lop.Runtime.Tests.Running;

/// <summary>Tiny GGUF files written once for all running tests: one plain, one carrying a chat template.</summary>
public sealed class TinyModelFiles : IDisposable
{
    private readonly TempFolder _folder = new();

    public TinyModelFiles()
    {
        Plain = TinyGguf.Write(_folder.Combine("plain.gguf"));
        Chat = TinyGguf.Write(_folder.Combine("chat.gguf"), chatTemplate: TinyGguf.ChatMlTemplate);
    }

    public string Plain { get; }

    public string Chat { get; }

    public void Dispose() => _folder.Dispose();
}

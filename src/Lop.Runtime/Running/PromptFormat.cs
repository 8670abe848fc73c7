using System.Text;
using LLama;
using LLama.Exceptions;

namespace Lop.Runtime.Running;

/// <summary>
/// Turns a user's prompt into the text the model sees: one user message in the model's own chat template when
/// its GGUF carries one (<c>tokenizer.chat_template</c>), else the prompt as is, for plain completion.
/// </summary>
internal static class PromptFormat
{
    public const string ChatTemplateKey = "tokenizer.chat_template";

    public static bool HasChatTemplate(LLamaWeights weights) => weights.Metadata.ContainsKey(ChatTemplateKey);

    public static (string Text, bool Templated) Apply(LLamaWeights weights, string prompt, bool useChatTemplate)
    {
        if (!useChatTemplate || !HasChatTemplate(weights))
        {
            return (prompt, false);
        }
        try
        {
            var template = new LLamaTemplate(weights, strict: true) { AddAssistant = true };
            template.Add("user", prompt);
            return (Encoding.UTF8.GetString(template.Apply()), true);
        }
        catch (RuntimeError)
        {
            // llama.cpp applies only the templates it recognises (it runs no Jinja); a model with another one
            // still completes text, and the stats say the template was not used.
            return (prompt, false);
        }
    }
}

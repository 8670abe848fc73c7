namespace Lop.Core.Pipeline;

/// <summary>
/// An artifact as a pipeline stage hands it out: the value, the cache entry it lives in, and whether it
/// came from the cache or was computed in this run (jobs report that).
/// </summary>
public sealed record Cached<T>(T Value, string Key, string Version, string File, bool FromCache);

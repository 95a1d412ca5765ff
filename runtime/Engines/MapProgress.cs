namespace Parallax;

/// <summary>How far a map on a <see cref="LoadBalancedView"/> is, as its progress callback receives it.</summary>
/// <param name="Completed">The tasks that have finished, successfully or not.</param>
/// <param name="Total">The tasks of the map.</param>
public readonly record struct MapProgress(int Completed, int Total);

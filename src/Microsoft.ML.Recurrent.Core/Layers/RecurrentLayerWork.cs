using Microsoft.ML.Recurrent.Engine;
using Microsoft.ML.Recurrent.Engine.Scheduling;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The work of one layer of a <see cref="RecurrentLayer"/> pass as the engine's schedulers see it: the rows of a time
/// step (<see cref="ITimeLoopBody"/>, for <see cref="TimeLoopScheduler"/>) and the two weight-gradient products of one
/// direction (items 0: dW_ih, 1: dW_hh, for <see cref="ProductPair"/>). Set before each run, kept by the workspace.
/// </summary>
internal sealed class RecurrentLayerWork : ITimeLoopBody, IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _direction;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int direction = 0) =>
        (_layer, _workspace, _layerIndex, _direction) = (layer, workspace, layerIndex, direction);

    public void Clear() => (_layer, _workspace) = (null, null);

    public void ForwardStep(int direction, int time, int firstRank, int endRank) =>
        _layer!.ForwardStep(_workspace!, _layerIndex, direction, time, firstRank, endRank);

    public void ForwardBlock(int direction, int buffer, int firstStep, int endStep, int firstRank, int endRank, int rows) =>
        _layer!.ForwardBlock(_workspace!, _layerIndex, direction, buffer, firstStep, endStep, firstRank, endRank, rows);

    public void BackwardStep(int direction, int time, int firstRank, int endRank) =>
        _layer!.BackwardRows(_workspace!, _layerIndex, direction, time, firstRank, endRank);

    public void Invoke(int index) => _layer!.WeightGradient(_workspace!, _layerIndex, _direction, input: index == 0);
}

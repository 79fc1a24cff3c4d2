using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The time loops of a layer as independent work items, one per direction and slice of ranks
/// (<see cref="RecurrentLayer.PlanSlices"/>): each runs its direction's whole loop over its own ranks
/// (<see cref="RecurrentLayer.RunSlice"/>), so a pass costs one synchronisation, not one per step. A rank's
/// recurrence reads and writes only that rank's rows, and the directions share no buffer that either writes,
/// so the results do not depend on the slicing or on which thread runs which loop. Kept by the workspace and
/// reused, so a pass allocates nothing.
/// </summary>
internal sealed class LayerSliceWork : IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _slices;
    private bool _backward;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int slices, bool backward) =>
        (_layer, _workspace, _layerIndex, _slices, _backward) = (layer, workspace, layerIndex, slices, backward);

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index) => _layer!.RunSlice(_workspace!, _layerIndex, index / _slices, index % _slices, _backward);
}

using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The two directions of a bidirectional layer's time loop as two work items, each on one thread (its
/// steps are not split further). The directions share no buffer that either writes, so running them
/// concurrently changes nothing in the results.
/// </summary>
internal sealed class LayerDirectionWork : IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private bool _backward;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, bool backward)
    {
        (_layer, _workspace, _layerIndex, _backward) = (layer, workspace, layerIndex, backward);
    }

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index) => _layer!.RunDirection(_workspace!, _layerIndex, index, splitRows: false, _backward);
}

using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// One time step of one direction, its active rows cut into contiguous chunks, one work item each: every
/// chunk runs its own recurrent product, cell kernel and copies, so a step costs one synchronisation.
/// Rows are independent and each row's arithmetic does not depend on its chunk, so the split may follow
/// the thread count. Kept by the workspace and reused, so a run allocates nothing.
/// </summary>
internal sealed class LayerStepWork : IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _direction;
    private int _step;
    private int _rowsPerChunk;
    private int _active;
    private bool _backward;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int direction, int step,
        int active, int rowsPerChunk, bool backward)
    {
        (_layer, _workspace, _layerIndex, _direction, _step, _active, _rowsPerChunk, _backward) =
            (layer, workspace, layerIndex, direction, step, active, rowsPerChunk, backward);
    }

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index)
    {
        int start = index * _rowsPerChunk;
        int end = Math.Min(_active, start + _rowsPerChunk);
        if (_backward)
        {
            _layer!.BackwardRows(_workspace!, _layerIndex, _direction, _step, start, end);
        }
        else
        {
            _layer!.ForwardRows(_workspace!, _layerIndex, _direction, _step, start, end);
        }
    }
}

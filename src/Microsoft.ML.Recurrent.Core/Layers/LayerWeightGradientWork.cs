using Microsoft.ML.Recurrent.Engine;

namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The two weight-gradient products of one direction of a layer (dW_ih, dW_hh) as two work items, each whole on one
/// thread. They write different gradients, and each product's sums do not depend on the thread running it.
/// </summary>
internal sealed class LayerWeightGradientWork : IWorkItem
{
    private RecurrentLayer? _layer;
    private RecurrentWorkspace? _workspace;
    private int _layerIndex;
    private int _direction;

    public void Set(RecurrentLayer layer, RecurrentWorkspace workspace, int layerIndex, int direction) =>
        (_layer, _workspace, _layerIndex, _direction) = (layer, workspace, layerIndex, direction);

    public void Clear()
    {
        _layer = null;
        _workspace = null;
    }

    public void Invoke(int index) => _layer!.WeightGradient(_workspace!, _layerIndex, _direction, input: index == 0);
}

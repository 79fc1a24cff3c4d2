namespace Microsoft.ML.Recurrent.Layers;

/// <summary>
/// The first layer's input projection per token, kept by a workspace whose weights are frozen (a decoded saved model that
/// only predicts). A token's embedding row is a constant, so its projection W_ih e + biases is too: computed once, the
/// first time the token occurs, then copied instead of multiplied. At batch 1 (a PredictionEngine row) the projection of
/// the row's steps was about a third of the forward pass.
/// <para>
/// Each cached row is the packed GEMM's own output for that token, which computes every row in the blocked path's order
/// whatever the number of rows (<see cref="RecurrentLayer"/>'s ProjectTokens), so outputs stay bit-identical. Tokens are kept in blocks of <see cref="BlockTokens"/>, allocated when first
/// needed, up to <see cref="MaxFloats"/> floats per workspace (64 MB; tests set less); past that, new tokens are projected every time.
/// Not thread-safe: one per workspace, like workspaces.
/// </para>
/// </summary>
internal sealed class InputProjectionCache
{
    internal const int BlockTokens = 64;

    /// <summary>The most floats kept, over every direction (16 Mi floats, 64 MB).</summary>
    internal const long MaxFloats = 16L << 20;

    private readonly int _width;           // G*H floats per token and direction
    private readonly float[]?[][] _blocks; // per direction, per block of tokens: (BlockTokens, G*H) or null
    private readonly bool[] _filled;       // per direction and token
    private readonly int _tokens;
    private readonly long _limit;
    private long _floats;

    internal InputProjectionCache(int directions, int tokens, int width, long limit = MaxFloats)
    {
        _width = width;
        _limit = limit;
        _tokens = tokens;
        _blocks = new float[]?[directions][];
        for (int d = 0; d < directions; d++)
        {
            _blocks[d] = new float[]?[(tokens + BlockTokens - 1) / BlockTokens];
        }
        _filled = new bool[(long)directions * tokens];
        _pendingPass = new int[tokens];
        _pendingIndex = new int[tokens];
    }

    private readonly int[] _pendingPass;   // per token: the pass that found it missing (see Pending)
    private readonly int[] _pendingIndex;  // per token: its row among that pass's missing ones
    private int _pass;

    /// <summary>Starts a direction's pass: no token is pending.</summary>
    internal void BeginPass() => _pass++;

    /// <summary>Marks <paramref name="token"/> as missing in this pass at row <paramref name="index"/>, unless it already is; returns whether it was new.</summary>
    internal bool MarkPending(int token, int index)
    {
        if (_pendingPass[token] == _pass)
        {
            return false;
        }
        _pendingPass[token] = _pass;
        _pendingIndex[token] = index;
        return true;
    }

    /// <summary>The row of a token marked missing in this pass.</summary>
    internal int PendingIndex(int token) => _pendingIndex[token];

    /// <summary>Tokens whose projections are kept, over every direction; for tests.</summary>
    internal int CachedCount { get; private set; }

    internal int Tokens => _tokens;

    internal int Width => _width;

    /// <summary>Whether the projection of <paramref name="token"/> for direction <paramref name="d"/> is kept.</summary>
    internal bool Has(int d, int token) => _filled[(long)d * _tokens + token];

    /// <summary>The kept projection of <paramref name="token"/> (only after <see cref="Has"/>).</summary>
    internal ReadOnlySpan<float> Row(int d, int token) => _blocks[d][token / BlockTokens].AsSpan(token % BlockTokens * _width, _width);

    /// <summary>Keeps <paramref name="projection"/> as the token's, when there is room; returns whether it did.</summary>
    internal bool TryAdd(int d, int token, ReadOnlySpan<float> projection)
    {
        ref var block = ref _blocks[d][token / BlockTokens];
        if (block is null)
        {
            long size = (long)BlockTokens * _width;
            if (_floats + size > _limit)
            {
                return false;
            }
            block = new float[size];
            _floats += size;
        }
        projection.CopyTo(block.AsSpan(token % BlockTokens * _width, _width));
        _filled[(long)d * _tokens + token] = true;
        CachedCount++;
        return true;
    }
}

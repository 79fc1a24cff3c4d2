using System.Collections.Concurrent;

namespace Microsoft.ML.Recurrent.Seq2Seq;

// Inference passes (their buffers: a batch's logits alone are rows x vocabulary floats) are kept between calls instead
// of being allocated and zeroed again for every Decode, ComputeLoss and Evaluate: each caller rents its own pass, so
// concurrent calls stay independent.
public sealed partial class Seq2SeqModel
{
    private const int KeptPasses = 4;
    private readonly ConcurrentBag<Seq2SeqPass> _inferencePasses = [];

    // A pass for one call, with its decoder packs forgotten (the weights may have changed since it was last used).
    private Seq2SeqPass RentPass()
    {
        while (_inferencePasses.TryTake(out var pass))
        {
            if (pass.CachesPacks == CacheDecoderPacks)
            {
                pass.DecoderPacks.Invalidate();
                return pass;
            }
        }
        return new Seq2SeqPass(this, train: false);
    }

    private void ReturnPass(Seq2SeqPass pass)
    {
        if (_inferencePasses.Count < KeptPasses)
        {
            _inferencePasses.Add(pass);
        }
    }
}

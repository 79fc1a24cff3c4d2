using Microsoft.ML.Recurrent.Layers;

namespace Microsoft.ML.Recurrent.Tests.Layers;

/// <summary>
/// The packed layout's copies between padded batch-first tensors and packed rows equal a plain loop bit for bit, on
/// one thread and split over the pool (large tensors), with ragged lengths.
/// </summary>
[TestClass]
public sealed class PackedLayoutTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    [DataRow(3)]
    public void PackUnpackUnpackAdd_LargeRaggedBatch_EqualPlainLoops(int threads)
    {
        int saved = ComputeSettings.MaxThreads;
        ComputeSettings.MaxThreads = threads;
        try
        {
            // 37 x 50 x 40 = 74,000 floats: above the size from which the copies are split over threads.
            const int batch = 37, seq = 50, features = 40;
            var rng = new Random(11);
            int[] lengths = Enumerable.Range(0, batch).Select(b => b == 5 ? seq : rng.Next(1, seq + 1)).ToArray();
            var layout = new PackedLayout();
            layout.Build(lengths, seq);
            float[] padded = Values(rng, batch * seq * features);

            var packed = new float[layout.TotalRows * features];
            layout.Pack(padded, features, packed);
            var expectedPacked = new float[packed.Length];
            ForEachRow(layout, lengths, seq, (b, t, row) =>
                padded.AsSpan((b * seq + t) * features, features).CopyTo(expectedPacked.AsSpan(row * features, features)));
            TestAssert.AssertBitIdentical(expectedPacked, packed, $"Pack, {threads} threads");

            float[] rows = Values(rng, packed.Length);
            var unpacked = Values(rng, padded.Length); // Unpack overwrites everything, padding with 0
            layout.Unpack(rows, features, unpacked);
            var expectedUnpacked = new float[padded.Length];
            ForEachRow(layout, lengths, seq, (b, t, row) =>
                rows.AsSpan(row * features, features).CopyTo(expectedUnpacked.AsSpan((b * seq + t) * features, features)));
            TestAssert.AssertBitIdentical(expectedUnpacked, unpacked, $"Unpack, {threads} threads");

            var sums = (float[])padded.Clone();
            layout.UnpackAdd(rows, features, sums);
            var expectedSums = (float[])padded.Clone();
            ForEachRow(layout, lengths, seq, (b, t, row) =>
            {
                for (int f = 0; f < features; f++)
                {
                    expectedSums[(b * seq + t) * features + f] += rows[row * features + f];
                }
            });
            TestAssert.AssertBitIdentical(expectedSums, sums, $"UnpackAdd, {threads} threads");
        }
        finally
        {
            ComputeSettings.MaxThreads = saved;
        }
    }

    private static void ForEachRow(PackedLayout layout, int[] lengths, int seq, Action<int, int, int> body)
    {
        Assert.AreEqual(lengths.Sum(), layout.TotalRows);
        for (int b = 0; b < lengths.Length; b++)
        {
            for (int t = 0; t < lengths[b]; t++)
            {
                body(b, t, layout.RowOf(b, t));
            }
        }
    }

    private static float[] Values(Random rng, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
}

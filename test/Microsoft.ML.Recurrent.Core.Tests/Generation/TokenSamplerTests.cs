using Microsoft.ML.Recurrent.Generation;

namespace Microsoft.ML.Recurrent.Tests.Generation;

[TestClass]
public sealed class TokenSamplerTests
{
    private static float[] RandomLogits(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
    }

    private static float[] LogitsOf(params double[] probabilities) => probabilities.Select(p => (float)Math.Log(p)).ToArray();

    private static int[] Counts(TokenSampler sampler, float[] logits, int draws)
    {
        var counts = new int[logits.Length];
        for (int i = 0; i < draws; i++)
        {
            counts[sampler.Sample(logits)]++;
        }
        return counts;
    }

    [TestMethod]
    public void Greedy_IsTheArgMax_FirstOfEqualMaxima()
    {
        var sampler = new TokenSampler(temperature: 0f, seed: 1);
        Assert.IsTrue(sampler.IsGreedy);
        for (int s = 0; s < 50; s++)
        {
            var logits = RandomLogits(30, s);
            int expected = Array.IndexOf(logits, logits.Max());
            Assert.AreEqual(expected, sampler.Sample(logits));
            Assert.AreEqual(expected, TokenSampler.Greedy(logits));
        }
        Assert.AreEqual(1, TokenSampler.Greedy([0f, 2f, 2f]));
        Assert.ThrowsExactly<ArgumentException>(() => TokenSampler.Greedy([]));
    }

    [TestMethod]
    public void Temperature_One_SamplesTheSoftmax()
    {
        double[] p = [0.5, 0.25, 0.15, 0.1];
        var counts = Counts(new TokenSampler(seed: 3), LogitsOf(p), 40_000);
        for (int i = 0; i < p.Length; i++)
        {
            double sd = Math.Sqrt(p[i] * (1 - p[i]) / 40_000);
            Assert.AreEqual(p[i], counts[i] / 40_000.0, 5 * sd, $"frequency of token {i}");
        }
    }

    [TestMethod]
    public void Temperature_TowardsZero_ApproachesGreedy_AndHighTemperatureFlattens()
    {
        var logits = LogitsOf(0.4, 0.3, 0.2, 0.1);
        Assert.AreEqual(2000, Counts(new TokenSampler(temperature: 0.01f, seed: 4), logits, 2000)[0], "T = 0.01 always picks the arg-max");
        int atOne = Counts(new TokenSampler(temperature: 1f, seed: 4), logits, 20_000)[0];
        int atHalf = Counts(new TokenSampler(temperature: 0.5f, seed: 4), logits, 20_000)[0];
        int atFive = Counts(new TokenSampler(temperature: 5f, seed: 4), logits, 20_000)[0];
        Assert.IsTrue(atHalf > atOne && atOne > atFive, $"arg-max share falls as T rises: {atHalf}, {atOne}, {atFive}");
    }

    [TestMethod]
    public void TopK_NeverSamplesOutsideTheTopK_AndUsesAllOfThem()
    {
        var logits = RandomLogits(40, 5);
        var top = logits.Select((v, i) => (v, i)).OrderByDescending(x => x.v).Take(4).Select(x => x.i).ToHashSet();
        var counts = Counts(new TokenSampler(temperature: 3f, topK: 4, seed: 6), logits, 20_000);
        for (int i = 0; i < counts.Length; i++)
        {
            Assert.AreEqual(top.Contains(i), counts[i] > 0, $"token {i} (in top 4: {top.Contains(i)}) drawn {counts[i]} times");
        }
        Assert.AreEqual(20_000, Counts(new TokenSampler(topK: 1, seed: 6), logits, 20_000)[top.First()], "top-1 is greedy");
    }

    [TestMethod]
    public void TopP_NeverSamplesOutsideTheNucleus_AndRenormalises()
    {
        var logits = LogitsOf(0.15, 0.5, 0.05, 0.3);
        // Sorted: 0.5 (1), 0.3 (3), 0.15 (0), 0.05 (2). p = 0.75: 0.5 < 0.75 <= 0.8, so the nucleus is {1, 3}.
        var counts = Counts(new TokenSampler(topP: 0.75f, seed: 7), logits, 20_000);
        Assert.AreEqual(0, counts[0] + counts[2], "tokens outside the nucleus");
        Assert.AreEqual(0.5 / 0.8, counts[1] / 20_000.0, 0.02, "renormalised share of the top token");
        // p = 0.45 <= 0.5: only the top token; p = 0.9: three tokens.
        Assert.AreEqual(20_000, Counts(new TokenSampler(topP: 0.45f, seed: 7), logits, 20_000)[1], "a nucleus always keeps at least one token");
        var wide = Counts(new TokenSampler(topP: 0.9f, seed: 7), logits, 20_000);
        Assert.IsTrue(wide[0] > 0 && wide[2] == 0, $"p = 0.9 keeps {{1, 3, 0}}: {string.Join(", ", wide)}");
        // With top-k first: k = 3 renormalises to 0.5/0.95, 0.3/0.95, 0.15/0.95, so p = 0.8 keeps {1, 3} (0.842 >= 0.8).
        var both = Counts(new TokenSampler(topK: 3, topP: 0.8f, seed: 7), logits, 20_000);
        Assert.AreEqual(0, both[0] + both[2], "top-k then top-p");
    }

    [TestMethod]
    public void MaskedLogits_AreNeverSampled()
    {
        float[] logits = [float.NegativeInfinity, 1f, float.NegativeInfinity, 1f];
        var counts = Counts(new TokenSampler(seed: 8), logits, 5000);
        Assert.AreEqual(0, counts[0] + counts[2]);
    }

    [TestMethod]
    public void Seed_SameSeedSameDraws_DifferentSeedDifferentDraws()
    {
        var logits = RandomLogits(20, 9);
        int[] Draws(int seed)
        {
            var sampler = new TokenSampler(temperature: 1.5f, topK: 10, topP: 0.95f, seed: seed);
            return Enumerable.Range(0, 100).Select(_ => sampler.Sample(logits)).ToArray();
        }
        CollectionAssert.AreEqual(Draws(11), Draws(11));
        CollectionAssert.AreNotEqual(Draws(11), Draws(12));
    }

    [TestMethod]
    [DataRow(-1f, 0, 1f, "temperature")]
    [DataRow(float.NaN, 0, 1f, "temperature")]
    [DataRow(float.PositiveInfinity, 0, 1f, "temperature")]
    [DataRow(1f, -1, 1f, "topK")]
    [DataRow(1f, 0, 0f, "topP")]
    [DataRow(1f, 0, 1.5f, "topP")]
    [DataRow(1f, 0, float.NaN, "topP")]
    public void Constructor_OutOfRange_ThrowsNamingArgumentValueAndRange(float temperature, int topK, float topP, string name)
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new TokenSampler(temperature, topK, topP));
        Assert.AreEqual(name, ex.ParamName);
        StringAssert.Contains(ex.Message, "Actual value was");
        StringAssert.Contains(ex.Message, name == "topK" ? "0 (no limit)" : name == "topP" ? "(0, 1]" : "above 0");
    }
}

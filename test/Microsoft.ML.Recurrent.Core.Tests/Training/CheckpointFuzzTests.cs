using Microsoft.ML.Recurrent.Tests.Serialization;
using Microsoft.ML.Recurrent.TestSupport;
using static Microsoft.ML.Recurrent.Tests.Training.CheckpointTestData;

namespace Microsoft.ML.Recurrent.Tests.Training;

[TestClass]
public sealed class CheckpointFuzzTests
{
    /// <summary>Set to a number of iterations (for example 100000) for the full run; CI runs <see cref="DefaultIterations"/>.</summary>
    public const string IterationsVariable = "RECURRENT_CHECKPOINT_FUZZ_ITERATIONS";
    private const int DefaultIterations = 3000;

    /// <summary>
    /// Mutated checkpoints, half of them resealed (payload length and SHA-256 recomputed) so that the structural checks
    /// are reached. Every load either succeeds or throws InvalidDataException; a refused load leaves the trainer exactly as
    /// it was (its own checkpoint is byte-identical before and after), and a successful one leaves finite weights.
    /// </summary>
    [TestMethod]
    [TestCategory("Slow")]
    public void LoadCheckpoint_MutatedFiles_LoadOrThrowInvalidDataAndChangeNothing()
    {
        int iterations = int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), out int n) && n > 0 ? n : DefaultIterations;
        byte[] original = Save(TrainedTrainer());
        int weights = WeightCountOffset(original), optimizer = OptimizerLengthOffset(original);
        int[] fields = [8, 12, 16, weights, optimizer, optimizer + 4 + 6, optimizer + 4 + 10];
        var target = FreshTrainer();
        byte[] state = Save(target);
        var random = new Random(20261201);
        int rejected = 0, loaded = 0;
        for (int i = 0; i < iterations; i++)
        {
            byte[] file = FileMutations.Mutate(original, random, fields, out string description);
            bool resealed = i % 2 == 1 && file.Length >= PayloadStart;
            if (resealed)
            {
                file = Reseal(file);
            }
            string label = $"iteration {i}: {description}{(resealed ? ", resealed" : "")}";
            try
            {
                target.LoadCheckpoint(i % 4 == 0 ? new ForwardOnlyStream(file) : new MemoryStream(file));
                loaded++;
                Assert.IsTrue(Array.TrueForAll(target.Model.Parameters.Values, float.IsFinite), $"{label}: loaded non-finite weights");
                state = Save(target);
            }
            catch (InvalidDataException e)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(e.Message), label);
                rejected++;
                CollectionAssert.AreEqual(state, Save(target), $"{label}: a refused checkpoint changed the trainer ({e.Message})");
            }
            catch (Exception e)
            {
                Assert.Fail($"{label}: {e.GetType().Name} instead of InvalidDataException: {e}");
            }
        }
        Assert.IsTrue(rejected > iterations / 2, $"{rejected} of {iterations} mutations were rejected");
        Console.WriteLine($"{iterations} mutated checkpoints: {rejected} rejected, {loaded} loaded");
    }
}

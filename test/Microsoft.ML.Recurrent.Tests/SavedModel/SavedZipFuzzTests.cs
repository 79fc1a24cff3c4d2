using System.Buffers.Binary;
using System.Security.Cryptography;
using static Microsoft.ML.Recurrent.PluginTests.SavedModel.HostileModels;

namespace Microsoft.ML.Recurrent.PluginTests.SavedModel;

/// <summary>
/// The ML.NET path under hostile model files: saved .zip files whose embedded model file is mutated (and resealed with
/// a recomputed checksum, so the structural checks are reached), and .zip files with each kind of model in every other
/// task's slot. Each is loaded with plain <c>mlContext.Model.Load</c> and predicted once; each must be refused with an
/// InvalidDataException (ML.NET wraps it in an InvalidOperationException) or predict finite values, within a minute
/// (no hang). The CI run is small; set
/// <c>RECURRENT_ZIP_FUZZ_ITERATIONS</c> for a longer run (mutations per slot).
/// </summary>
[TestClass]
public sealed class SavedZipFuzzTests
{
    private const string IterationsVariable = "RECURRENT_ZIP_FUZZ_ITERATIONS";
    private const int CiIterationsPerSlot = 12;

    // The model file's header: the SHA-256 at 24..56 covers bytes 0..24 and everything after the header.
    private const int HeaderSize = 56;

    private static readonly int[] _hugeValues = [int.MaxValue, int.MinValue, -1, 0, 1, 65536, 1 << 30];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void LoadAndPredict_MutatedResealedModels_RefusedOrFinite()
    {
        int perSlot = int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), out int n) && n > 0 ? n : CiIterationsPerSlot;
        var random = new Random(20261202);
        int refused = 0, predicted = 0;
        var wrappers = new HashSet<string>();
        var reasons = new Dictionary<string, int>();
        foreach (string slot in Slots)
        {
            byte[] original = ModelFileBytes(slot);
            for (int i = 0; i < perSlot; i++)
            {
                byte[] file = Reseal(Mutate(original, random, out string description));
                string label = $"{slot} #{i}: {description}";
                var outcome = Run(slot, Convert.ToBase64String(file), label, wrappers, reasons);
                refused += outcome ? 1 : 0;
                predicted += outcome ? 0 : 1;
            }
        }
        TestContext.WriteLine($"{Slots.Length * perSlot} mutated .zip files: {refused} refused, {predicted} predicted finite values; wrapped by: {string.Join(", ", wrappers)}");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value))
        {
            TestContext.WriteLine($"  {count,6} {reason}");
        }
        Assert.IsGreaterThan(0, refused, "some mutations must reach a refusal");
    }

    [TestMethod]
    public void LoadAndPredict_EveryModelInEveryOtherSlot_Refused()
    {
        var wrappers = new HashSet<string>();
        int count = 0;
        foreach (string model in ModelKinds)
        {
            string text = Bundle(model).ToBase64();
            foreach (string slot in Slots.Where(s => OwnModel(s) != model))
            {
                bool refusedIt = Run(slot, text, $"{model} model in the {slot} slot", wrappers);
                Assert.IsTrue(refusedIt, $"{model} model in the {slot} slot predicted instead of being refused");
                count++;
            }
        }
        TestContext.WriteLine($"{count} mismatched .zip files refused; wrapped by: {string.Join(", ", wrappers)}");
    }

    private static string OwnModel(string slot) => slot switch
    {
        "featurizer" => "language-model",
        "binary-tokens" => "binary",
        "multiclass-tokens" => "multiclass",
        _ => slot,
    };

    private static byte[] ModelFileBytes(string slot) => Bundle(OwnModel(slot)).ToBytes();

    // True when refused with an InvalidDataException, false when it predicted finite values; fails otherwise.
    private static bool Run(string slot, string modelText, string label, HashSet<string> wrappers, Dictionary<string, int>? reasons = null)
    {
        var ml = new MLContext(1);
        try
        {
            var outputs = PredictWithinAMinute(ml, slot, modelText, label);
            Assert.IsTrue(outputs.All(float.IsFinite), $"{label}: non-finite outputs [{string.Join(", ", outputs)}]");
            return false;
        }
        catch (Exception e) when (e is not AssertFailedException)
        {
            var invalid = FindInvalidData(e);
            Assert.IsNotNull(invalid, $"{label}: {e.GetType().Name} instead of InvalidDataException: {e}");
            Assert.IsFalse(string.IsNullOrWhiteSpace(invalid.Message), label);
            if (reasons is not null)
            {
                string m = invalid.Message;
                string reason = m.StartsWith("Invalid model file", StringComparison.Ordinal) ? "the model file (Core's loader)"
                    : m.Contains("stored number", StringComparison.Ordinal) ? "a stored number out of range"
                    : m.Contains(" slot ", StringComparison.Ordinal) ? "the model does not fit its slot"
                    : m.Contains("non-finite", StringComparison.Ordinal) || m.Contains("too far apart", StringComparison.Ordinal) ? "non-finite outputs"
                    : m[..Math.Min(70, m.Length)];
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
            if (!ReferenceEquals(invalid, e))
            {
                wrappers.Add($"{e.GetType().Name} (\"{e.Message[..Math.Min(60, e.Message.Length)]}...\")");
            }
            return true;
        }
    }

    private static byte[] Mutate(byte[] original, Random random, out string description)
    {
        byte[] file = (byte[])original.Clone();
        switch (random.Next(7))
        {
            case 5:
                // The last stored number (max_sequence_length, or series_std) set to an extreme value.
                var (numbersAt, numbersLength) = Section(file, "NUMS");
                int last = numbersAt + 8 + numbersLength - 8;
                double stored = new[] { 0.0, -1.0, -1e300, 1e300, 1e-300, 0.5, 3e9, double.NaN }[random.Next(8)];
                BinaryPrimitives.WriteDoubleLittleEndian(file.AsSpan(last), stored);
                description = $"last stored number set to {stored}";
                return file;
            case 6:
                // A weight set to an extreme finite value, so outputs can overflow.
                var (weightsAt, weightsLength) = Section(file, "PARM");
                int weight = weightsAt + 8 + weightsLength / 2 + random.Next(weightsLength / 2 - 4);
                float extreme = new[] { 3e38f, -3e38f, 1e30f, 1e20f, -1e10f }[random.Next(5)];
                BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(weight), extreme);
                description = $"float at {weight} (a weight, or bytes across two) set to {extreme}";
                return file;
            case 0:
                int flips = random.Next(1, 4);
                for (int i = 0; i < flips; i++)
                {
                    file[random.Next(HeaderSize, file.Length)] ^= (byte)(1 << random.Next(8));
                }
                description = $"{flips} bit flip(s)";
                return file;
            case 1:
                int length = random.Next(HeaderSize, file.Length);
                description = $"truncated to {length}";
                return file[..length];
            case 2:
                int insertAt = random.Next(HeaderSize, file.Length + 1);
                byte[] inserted = new byte[random.Next(1, 9)];
                random.NextBytes(inserted);
                description = $"{inserted.Length} bytes inserted at {insertAt}";
                return [.. file[..insertAt], .. inserted, .. file[insertAt..]];
            case 3:
                // A double (a stored number or a weight pair) set to an extreme value.
                int at8 = random.Next(HeaderSize, file.Length - 8);
                double d = new[] { 0.0, -1.0, 1e300, -1e300, 1e-300, 3e9, 0.5 }[random.Next(7)];
                BinaryPrimitives.WriteDoubleLittleEndian(file.AsSpan(at8), d);
                description = $"double at {at8} set to {d}";
                return file;
            default:
                int at = random.Next(HeaderSize, file.Length - 4);
                int value = random.Next(2) == 0 ? random.Next() : _hugeValues[random.Next(_hugeValues.Length)];
                BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(at), value);
                description = $"int32 at {at} set to {value}";
                return file;
        }
    }

    // The offset of a section's tag and its body length (sections follow the header: tag, int32 length, body).
    private static (int At, int Length) Section(byte[] file, string tag)
    {
        for (int at = HeaderSize; at + 8 <= file.Length; at += 8 + BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4)))
        {
            if (System.Text.Encoding.ASCII.GetString(file, at, 4) == tag)
            {
                return (at, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(at + 4)));
            }
        }
        throw new AssertFailedException($"the model file has no {tag} section");
    }

    // Recomputes the header's SHA-256 so a mutated file passes the checksum and reaches the structural checks.
    private static byte[] Reseal(byte[] file)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(file, 0, 24);
        hash.AppendData(file, HeaderSize, file.Length - HeaderSize);
        hash.GetHashAndReset(file.AsSpan(24, 32));
        return file;
    }
}

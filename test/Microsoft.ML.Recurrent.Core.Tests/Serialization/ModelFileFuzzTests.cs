using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.TestSupport;
using static Microsoft.ML.Recurrent.Tests.Serialization.ModelFileTestData;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

[TestClass]
public sealed class ModelFileFuzzTests
{
    private const int Iterations = 10000;

    // Offsets of the length and count fields of a well-formed file: section lengths and each section's first field.
    private static List<int> LengthFields(byte[] file)
    {
        var fields = new List<int> { 12, 16, 20 };
        foreach (int at in SectionOffsets(file))
        {
            fields.Add(at + 4);
            fields.Add(at + 8);
            fields.Add(at + 12);
        }
        return fields;
    }

    /// <summary>
    /// Several thousand mutated files, half of them with the checksum recomputed so the structural checks are reached.
    /// Every load either fails with InvalidDataException or succeeds; a success is allowed only when the file is exactly
    /// what a valid bundle saves (the format is canonical), and for unhashed mutations only when nothing changed.
    /// </summary>
    [TestMethod]
    [TestCategory("Slow")]
    public void FromBytes_MutatedFiles_LoadExactlyOrThrowInvalidData()
    {
        byte[] original = GoldenModelFileTests.GoldenBundle().ToBytes();
        var lengthFields = LengthFields(original);
        var random = new Random(20240601);
        int rejected = 0, loaded = 0;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] file = FileMutations.Mutate(original, random, lengthFields, out string description);
            bool rehashed = i % 2 == 1 && file.Length >= HeaderSize;
            if (rehashed)
            {
                file = Rehash(file);
            }
            string label = $"iteration {i}: {description}{(rehashed ? ", rehashed" : "")}";
            RecurrentModelFile? bundle = null;
            try
            {
                bundle = RecurrentModelFile.FromBytes(file);
            }
            catch (InvalidDataException e)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(e.Message), label);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{label}: {e.GetType().Name} instead of InvalidDataException: {e}");
            }
            if (bundle is not null)
            {
                loaded++;
                Assert.IsTrue(rehashed || file.AsSpan().SequenceEqual(original), $"{label}: an unhashed change loaded");
                Assert.IsTrue(file.AsSpan().SequenceEqual(bundle.ToBytes()), $"{label}: the loaded bundle is not what the file says");
            }
            if (i % 8 == 0)
            {
                CheckStreamAgrees(file, bundle is not null, label);
            }
        }
        Assert.IsTrue(rejected > Iterations * 3 / 4, $"{rejected} of {Iterations} mutations were rejected");
        Console.WriteLine($"{rejected} rejected, {loaded} loaded");
    }

    // The forward-only stream path must reach the same verdict (it may also accept a valid prefix: it does not need the end).
    private static void CheckStreamAgrees(byte[] file, bool bytesLoaded, string label)
    {
        try
        {
            var bundle = RecurrentModelFile.Load(new ForwardOnlyStream(file));
            byte[] saved = bundle.ToBytes();
            Assert.IsTrue(file.AsSpan().StartsWith(saved), $"{label}: the stream loaded something other than the file's prefix");
        }
        catch (InvalidDataException)
        {
            Assert.IsFalse(bytesLoaded, $"{label}: the stream rejected what FromBytes accepted");
        }
        catch (Exception e)
        {
            Assert.Fail($"{label}: stream load threw {e.GetType().Name} instead of InvalidDataException: {e}");
        }
    }
}

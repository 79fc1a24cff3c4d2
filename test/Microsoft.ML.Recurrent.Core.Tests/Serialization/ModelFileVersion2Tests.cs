using System.Buffers.Binary;
using System.Text;
using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.TestSupport;
using Microsoft.ML.Recurrent.Text;
using static Microsoft.ML.Recurrent.Tests.Serialization.ModelFileTestData;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

/// <summary>Format version 2: the ARCH section of typed architecture options and the CHAR section of a character vocabulary.</summary>
[TestClass]
public sealed class ModelFileVersion2Tests
{
    private static readonly byte[] _valid = CharacterTagging().ToBytes();

    [TestMethod]
    public void ToBytes_CharacterModel_IsVersion2AndRoundTripsExactly()
    {
        var bundle = CharacterTagging();
        Assert.AreEqual(2, BinaryPrimitives.ReadUInt16LittleEndian(_valid.AsSpan(8)));
        Assert.AreEqual(1 | 2 | 4 | 8, BinaryPrimitives.ReadUInt16LittleEndian(_valid.AsSpan(10)));
        var loaded = RecurrentModelFile.FromBytes(_valid);
        Assert.AreEqual(bundle.Model.Options, loaded.Model.Options);
        CollectionAssert.AreEqual(bundle.Sequencer!.Characters!.Characters.ToArray(), loaded.Sequencer!.Characters!.Characters.ToArray());
        Assert.AreEqual(6, loaded.Sequencer.Characters.MaxWordLength);
        CollectionAssert.AreEqual(_valid, loaded.ToBytes());
        var inputs = Inputs(bundle.Model);
        CollectionAssert.AreEqual(Predict(bundle.Model, inputs), Predict(loaded.Model, inputs));
    }

    [TestMethod]
    public void FromBytes_Version2WithoutArchitecture_IsRejected()
    {
        byte[] file = (byte[])Classification().ToBytes().Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), 2);
        AssertInvalid(Rehash(file), "without an ARCH section");
        byte[] characters = (byte[])_valid.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(characters.AsSpan(8), 1);
        AssertInvalid(Rehash(characters), "unknown bits", "version 1");
    }

    [TestMethod]
    public void FromBytes_UnknownArchitectureKey_NamesItAndTheKnownKeys()
    {
        byte[] file = Replace(_valid, "characters.filters", "characters.fXlters");
        AssertInvalid(file, "\"characters.fXlters\"", "does not know", "characters.max_width", "newer");
    }

    [TestMethod]
    public void FromBytes_ArchitectureValueOutOfRangeOrDefaultOrWrongKind_IsRejected()
    {
        AssertInvalid(WithValue("characters.max_width", 17), "\"characters.max_width\" = 17", "allowed 1 to 16");
        AssertInvalid(WithValue("characters.filters", 32), "\"characters.filters\"", "default value");
        AssertInvalid(WithValue("characters.vocabulary_size", 2), "architecture options are invalid", "CharacterVocabularySize");
        AssertInvalid(WithValue("characters.vocabulary_size", 500), "call for");
        byte[] kind = (byte[])_valid.Clone();
        kind[ValueOffset("characters.filters") - 1] = 2;
        AssertInvalid(Rehash(kind), "value kind 2", "Int32");
    }

    [TestMethod]
    public void FromBytes_NgramKeysOutOfRangeOrNotApplying_AreRejected()
    {
        byte[] valid = NgramClassification().ToBytes();
        Assert.AreEqual(2, BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(8)));
        AssertInvalid(WithInt32(valid, ValueOffset(valid, "ngrams.buckets"), (1 << 22) + 1), "\"ngrams.buckets\" = 4194305", "allowed 0 to 4194304");
        AssertInvalid(WithInt32(valid, ValueOffset(valid, "ngrams.buckets"), -1), "\"ngrams.buckets\" = -1");
        AssertInvalid(WithInt32(valid, ValueOffset(valid, "ngrams.max_length"), 5), "\"ngrams.max_length\" = 5", "allowed 1 to 4");
        // Fewer buckets than the parameters hold: the declared shapes no longer match.
        Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(WithInt32(valid, ValueOffset(valid, "ngrams.buckets"), 16)));
    }

    [TestMethod]
    public void FromBytes_NgramEnsembleKey_RoundTripsAndOutOfRangeOrDefaultIsRejected()
    {
        var loaded = AssertBooleanKeyRoundTripsAndIsChecked(NgramEnsemble(), "ngrams.ensemble");
        Assert.IsTrue(loaded.Model.Options.NgramEnsemble);
    }

    [TestMethod]
    public void FromBytes_PredictChangeKey_RoundTripsAndOutOfRangeOrDefaultIsRejected()
    {
        var loaded = AssertBooleanKeyRoundTripsAndIsChecked(PredictChangeRegression(), "regression.predict_change");
        Assert.IsTrue(loaded.Model.Options.PredictChange);
    }

    // A version-2 file whose Boolean ARCH key is set: it loads and predicts exactly; 2, the default 0 or another kind is refused.
    private static RecurrentModelFile AssertBooleanKeyRoundTripsAndIsChecked(RecurrentModelFile bundle, string key)
    {
        byte[] valid = bundle.ToBytes();
        Assert.AreEqual(2, BinaryPrimitives.ReadUInt16LittleEndian(valid.AsSpan(8)));
        var loaded = RecurrentModelFile.FromBytes(valid);
        CollectionAssert.AreEqual(valid, loaded.ToBytes());
        var inputs = Inputs(bundle.Model);
        CollectionAssert.AreEqual(Predict(bundle.Model, inputs), Predict(loaded.Model, inputs));
        int at = ValueOffset(valid, key);
        Assert.AreEqual(3, valid[at - 1], "a Boolean value kind");
        byte[] two = (byte[])valid.Clone();
        two[at] = 2;
        AssertInvalid(Rehash(two), $"\"{key}\" = 2", "allowed 0 to 1");
        byte[] zero = (byte[])valid.Clone();
        zero[at] = 0;
        AssertInvalid(Rehash(zero), $"\"{key}\"", "default value");
        byte[] kind = (byte[])valid.Clone();
        kind[at - 1] = 1;
        AssertInvalid(Rehash(kind), "value kind 1", "Boolean");
        return loaded;
    }

    [TestMethod]
    public void FromBytes_HostileCharacterSection_IsRejected()
    {
        int body = SectionOffset(_valid, "CHAR") + 8;
        AssertInvalid(WithInt32(_valid, body, 0), "maximum word length of 0");
        AssertInvalid(WithInt32(_valid, body, 257), "maximum word length of 257");
        AssertInvalid(WithInt32(_valid, body + 4, int.MaxValue), "character count");
        AssertInvalid(WithInt32(_valid, body + 8, 0xD800), "0xD800", "Unicode scalar");
        int second = BinaryPrimitives.ReadInt32LittleEndian(_valid.AsSpan(body + 12));
        AssertInvalid(WithInt32(_valid, body + 8, second), "distinct");
        byte[] flags = (byte[])_valid.Clone();
        flags[10] &= unchecked((byte)~1);
        AssertInvalid(Rehash(flags), "CHAR section without a TEXT section");
    }

    [TestMethod]
    public void Constructor_CharacterModelWithoutItsCharacters_Throws()
    {
        var bundle = CharacterTagging();
        var plain = new TextSequencer(bundle.Sequencer!.Tokenizer, bundle.Sequencer.Vocabulary);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new RecurrentModelFile(bundle.Model, plain));
        StringAssert.Contains(e.Message, "CharacterVocabulary");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void FromBytes_MutatedVersion2Files_LoadExactlyOrThrowInvalidData()
    {
        var lengthFields = new List<int> { 12, 16, 20 };
        foreach (int at in SectionOffsets(_valid))
        {
            lengthFields.AddRange(new[] { at + 4, at + 8, at + 12 }.Where(f => f <= _valid.Length - 4));
        }
        var random = new Random(20261202);
        int rejected = 0;
        const int iterations = 3000;
        for (int i = 0; i < iterations; i++)
        {
            byte[] file = FileMutations.Mutate(_valid, random, lengthFields, out string description);
            file = file.Length >= HeaderSize ? Rehash(file) : file;
            try
            {
                var bundle = RecurrentModelFile.FromBytes(file);
                CollectionAssert.AreEqual(file, bundle.ToBytes(), $"iteration {i}: {description}: the loaded bundle is not what the file says");
            }
            catch (InvalidDataException e)
            {
                Assert.IsFalse(string.IsNullOrWhiteSpace(e.Message));
                rejected++;
            }
            catch (Exception e) when (e is not AssertFailedException)
            {
                Assert.Fail($"iteration {i}: {description}: {e.GetType().Name} instead of InvalidDataException: {e}");
            }
        }
        Assert.IsTrue(rejected > iterations / 2, $"{rejected} of {iterations} mutations were rejected");
    }

    private static byte[] WithValue(string key, int value) => WithInt32(_valid, ValueOffset(key), value);

    // The int32 value after "key" and its kind byte in the ARCH section.
    private static int ValueOffset(string key) => ValueOffset(_valid, key);

    private static int ValueOffset(byte[] file, string key)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(key);
        int at = file.AsSpan().IndexOf(bytes);
        Assert.IsTrue(at > 0, key);
        return at + bytes.Length + 1;
    }

    private static byte[] Replace(byte[] file, string from, string to)
    {
        byte[] copy = (byte[])file.Clone();
        int at = copy.AsSpan().IndexOf(Encoding.UTF8.GetBytes(from));
        Encoding.UTF8.GetBytes(to).CopyTo(copy, at);
        return Rehash(copy);
    }

    private static int SectionOffset(byte[] file, string tag) =>
        SectionOffsets(file).Single(at => Encoding.ASCII.GetString(file, at, 4) == tag);

    private static void AssertInvalid(byte[] file, params string[] fragments)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => RecurrentModelFile.FromBytes(file));
        foreach (string fragment in fragments)
        {
            StringAssert.Contains(e.Message, fragment);
        }
    }
}

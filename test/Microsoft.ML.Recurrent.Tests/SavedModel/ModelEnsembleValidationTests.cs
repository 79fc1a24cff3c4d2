using System.Buffers.Binary;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Serialization;

namespace Microsoft.ML.Recurrent.PluginTests.SavedModel;

/// <summary>
/// A saved ensemble's container (<see cref="ModelEnsemble"/>) is untrusted input: every malformed count, length, member or
/// mix of members is refused with an InvalidDataException that names it, when the loaded model first predicts.
/// </summary>
[TestClass]
public sealed class ModelEnsembleValidationTests
{
    // A container of members stored as is: each length pair is (stored, file), equal for a stored member; `lengths`
    // gives the stored lengths, and `fileLengths` (default: the same) the model files' lengths.
    private static byte[] Container(int count, int[] lengths, params byte[][] members) => Container(count, lengths, lengths, members);

    private static byte[] Container(int count, int[] lengths, int[] fileLengths, params byte[][] members)
    {
        var bytes = new List<byte>("RNNENSv1"u8.ToArray());
        var number = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(number, count);
        bytes.AddRange(number);
        for (int i = 0; i < lengths.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(number, lengths[i]);
            bytes.AddRange(number);
            BinaryPrimitives.WriteInt32LittleEndian(number, fileLengths[i]);
            bytes.AddRange(number);
        }
        foreach (var member in members)
        {
            bytes.AddRange(member);
        }
        return [.. bytes];
    }

    private static byte[] Binary(int hiddenSize = 4) => HostileModels.Bundle("binary", hiddenSize: hiddenSize).ToBytes();

    private static string Refused(string slot, byte[] container)
    {
        var ml = new MLContext(1);
        var (refused, outputs) = HostileModels.Try(ml, slot, Convert.ToBase64String(container));
        Assert.IsNotNull(refused, $"refused, not predicted ({string.Join(", ", outputs ?? [])})");
        return refused.Message;
    }

    [TestMethod]
    public void Encode_TwoMembers_DecodesToTheSameFiles_AndPredictsThroughAPlainZip()
    {
        var a = HostileModels.Bundle("binary", hiddenSize: 4);
        var b = HostileModels.Bundle("binary", hiddenSize: 6);
        var decoded = ModelEnsemble.Decode(ModelEnsemble.Encode([a, b]));
        Assert.AreEqual(2, decoded.Length);
        CollectionAssert.AreEqual(b.ToBytes(), decoded[1].ToBytes());
        Assert.AreEqual(a.ToBase64(), ModelEnsemble.Encode([a]), "one model is its plain model file, as before ensembles");
        var outputs = HostileModels.PredictWithinAMinute(new MLContext(1), "binary", ModelEnsemble.Encode([a, b]), "ensemble");
        Assert.IsTrue(outputs.All(float.IsFinite) && outputs.Count == 2, string.Join(", ", outputs));
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(17)]
    [DataRow(-5)]
    [DataRow(int.MaxValue)]
    public void Decode_MemberCountOutOfRange_IsRefused(int count)
    {
        var member = Binary();
        StringAssert.Contains(Refused("binary", Container(count, [member.Length], member)), $"it has {count} members; an ensemble has 2 to 16");
    }

    [TestMethod]
    public void Decode_TruncatedOrInconsistentLengths_AreRefused()
    {
        var member = Binary();
        StringAssert.Contains(Refused("binary", "RNNENSv1"u8.ToArray().Concat(new byte[] { 2, 0 }).ToArray()), "ends before its member count");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length])), "ends before its member lengths");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, 0], member)), "member 1 has length 0");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, -1], member)), "member 1 has length -1");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, member.Length], member)), "lengths add up to");
        StringAssert.Contains(Refused("binary", Container(2, [int.MaxValue, int.MaxValue], member, member)), "lengths add up to");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, member.Length], member, member, [1])), "but " + (2 * member.Length + 1) + " follow them");
    }

    [TestMethod]
    public void Decode_CompressedMemberThatDoesNotDecompressToItsStatedLength_IsRefused()
    {
        var member = Binary();
        var compressed = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(member.Length)];
        Assert.IsTrue(System.IO.Compression.BrotliEncoder.TryCompress(member, compressed, out int written));
        compressed = compressed[..written];
        Assert.IsTrue(written < member.Length, "the test member compresses");
        var ok = Container(2, [member.Length, written], [member.Length, member.Length], member, compressed);
        Assert.AreEqual(2, ModelEnsemble.Decode(Convert.ToBase64String(ok)).Length, "a compressed member beside a stored one");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, written], [member.Length, member.Length - 1], member, compressed)),
            $"do not decompress to exactly the {member.Length - 1} bytes stated");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, written], [member.Length, member.Length + 1], member, compressed)),
            $"do not decompress to exactly the {member.Length + 1} bytes stated");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, written + 3], [member.Length, member.Length], member, [.. compressed, 1, 2, 3])),
            "ending where they end");
        var garbled = (byte[])compressed.Clone();
        garbled[written / 2] ^= 0x5A;
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, written], [member.Length, member.Length], member, garbled)), "Member 1 of the recurrent model ensemble");
    }

    [TestMethod]
    public void Decode_StatedFileLengthBeyondTheExpansionLimit_IsRefusedFromTheHeader()
    {
        var member = Binary();
        // A 2 GB file stated for a few stored bytes (a decompression bomb) is refused from the header alone.
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, 16], [member.Length, int.MaxValue], member, new byte[16])),
            "member 1 states a model file of 2147483647 bytes from 16 stored ones; it must be from 1 to 64 times as many");
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, member.Length], [member.Length, member.Length - 1], member, member)),
            "it must be from 1 to 64 times as many");
    }

    [TestMethod]
    public void Decode_CorruptMember_IsRefusedNamingIt()
    {
        var member = Binary();
        var corrupt = (byte[])member.Clone();
        corrupt[^1] ^= 0xFF;
        StringAssert.Contains(Refused("binary", Container(2, [member.Length, corrupt.Length], member, corrupt)), "Member 1 of the recurrent model ensemble is not a valid model file");
    }

    [TestMethod]
    public void Decode_MembersThatDoNotFitTogether_AreRefused()
    {
        var binary = Binary();
        var multiclass = HostileModels.Bundle("multiclass").ToBytes();
        var tagger = HostileModels.Bundle("tagger").ToBytes();
        StringAssert.Contains(Refused("binary", Container(2, [binary.Length, multiclass.Length], binary, multiclass)), "member 1 has 3 outputs and member 0 has 2");
        StringAssert.Contains(Refused("multiclass", Container(2, [tagger.Length, tagger.Length], tagger, tagger)), "member 0 is a Tagging model; an ensemble holds classifiers only");
        var longer = HostileModels.Bundle("binary", numbers: new KeyValuePair<string, double>(BundleKeys.MaxSequenceLength, 8)).ToBytes();
        StringAssert.Contains(Refused("binary", Container(2, [binary.Length, longer.Length], binary, longer)), "member 1's maximum sequence length differs");
        var four = HostileModels.Bundle("multiclass", classes: 3).ToBytes();
        var renamed = new RecurrentModelFile(HostileModels.Bundle("multiclass", classes: 3).Model, HostileModels.Bundle("multiclass").Sequencer, ["x", "y", "z"],
            [new(BundleKeys.MaxSequenceLength, 16)], [new(BundleKeys.Task, BundleKeys.TaskName(SavedModelTask.MulticlassClassification))]).ToBytes();
        StringAssert.Contains(Refused("multiclass", Container(2, [four.Length, renamed.Length], four, renamed)), "member 1's class names differ");
        var original = HostileModels.Bundle("binary");
        var cased = new RecurrentModelFile(original.Model, new Text.TextSequencer(new Text.WordTokenizer(new Text.WordTokenizerOptions { LowerCase = false }),
            original.Sequencer!.Vocabulary), original.LabelNames, original.NumericMetadata, original.Metadata).ToBytes();
        StringAssert.Contains(Refused("binary", Container(2, [binary.Length, cased.Length], binary, cased)), "member 1's tokenizer differs from member 0's");
        var otherTask = new RecurrentModelFile(original.Model, original.Sequencer, original.LabelNames, original.NumericMetadata,
            [new(BundleKeys.Task, BundleKeys.TaskName(SavedModelTask.MulticlassClassification))]).ToBytes();
        StringAssert.Contains(Refused("binary", Container(2, [binary.Length, otherTask.Length], binary, otherTask)), "member 1 was saved for another task than member 0");
    }

    [TestMethod]
    public void LoadAndPredict_MutatedContainers_RefusedOrFinite()
    {
        // A real container (two compressed members), with bytes of its header or its compressed members changed.
        byte[] original = Convert.FromBase64String(ModelEnsemble.Encode([HostileModels.Bundle("binary", hiddenSize: 4), HostileModels.Bundle("binary", hiddenSize: 6)]));
        var random = new Random(20261202);
        int refused = 0;
        for (int i = 0; i < 40; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            int at = i % 2 == 0 ? random.Next(8, 8 + 4 + 16) : random.Next(mutated.Length);
            mutated[at] = (byte)random.Next(256);
            var (invalid, outputs) = HostileModels.Try(new MLContext(1), "binary", Convert.ToBase64String(mutated));
            Assert.IsTrue(invalid is not null || outputs!.All(float.IsFinite), $"byte {at}: refused or finite");
            refused += invalid is null ? 0 : 1;
        }
        Assert.IsGreaterThan(20, refused, "most changes are refused");
    }

    [TestMethod]
    public void Decode_EnsembleInAnotherTasksSlot_IsRefusedByEachMembersFit()
    {
        var binary = Binary();
        StringAssert.Contains(Refused("series", Container(2, [binary.Length, binary.Length], binary, binary)), "series regressor slot does not fit it");
    }
}

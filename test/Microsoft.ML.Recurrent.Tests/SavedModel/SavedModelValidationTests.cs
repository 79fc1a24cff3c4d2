using Microsoft.ML.Recurrent.SavedModel;
using static Microsoft.ML.Recurrent.PluginTests.SavedModel.HostileModels;

namespace Microsoft.ML.Recurrent.PluginTests.SavedModel;

/// <summary>
/// A saved .zip whose model file is hostile or does not fit its slot is refused at its first prediction with an
/// InvalidDataException that says what is wrong, instead of crashing, hanging or predicting garbage.
/// </summary>
[TestClass]
public sealed class SavedModelValidationTests
{
    private static InvalidDataException Refused(string slot, string modelText)
    {
        var (refused, outputs) = Try(new MLContext(1), slot, modelText);
        Assert.IsNotNull(refused, $"{slot}: predicted [{string.Join(", ", outputs!)}] instead of refusing the model");
        return refused;
    }

    private static void AssertMentions(Exception e, params string[] parts)
    {
        foreach (string part in parts)
        {
            StringAssert.Contains(e.Message, part, $"message: {e.Message}");
        }
    }

    [TestMethod]
    public void Predict_MulticlassModelWithMillionsOfClasses_RefusedWithoutStackOverflow()
    {
        // 3,000,000 classes (as in a 6.8 KB tampered file): the mapping used to stackalloc one float per class.
        string text = Bundle("multiclass", classes: 3_000_000, hiddenSize: 1).ToBase64();
        AssertMentions(Refused("multiclass", text), "3000000", "64");
    }

    [TestMethod]
    [DataRow("tagger", 0.0)]
    [DataRow("tagger", -3.0)]
    [DataRow("binary", 0.0)]
    [DataRow("multiclass-tokens", -1.0)]
    [DataRow("series", 0.0)]
    [DataRow("language-model", -7.0)]
    [DataRow("featurizer", 0.0)]
    [DataRow("binary", 2.5)]
    [DataRow("tagger", 1e12)]
    public void Predict_StoredMaxSequenceLengthOutOfRange_RefusedNamingTheKey(string slot, double maxLength)
    {
        string model = slot switch { "featurizer" => "language-model", "binary-tokens" => "binary", "multiclass-tokens" => "multiclass", _ => slot };
        string text = Bundle(model, numbers: new KeyValuePair<string, double>(BundleKeys.MaxSequenceLength, maxLength)).ToBase64();
        AssertMentions(Refused(slot, text), BundleKeys.MaxSequenceLength);
    }

    [TestMethod]
    [DataRow("series_std", 0.0)]
    [DataRow("series_std", -1.0)]
    [DataRow("series_std", 1e300)]
    [DataRow("series_mean", 1e300)]
    public void Predict_StoredSeriesStatisticOutOfRange_RefusedNamingTheKey(string key, double value)
    {
        string text = Bundle("series", numbers: new KeyValuePair<string, double>(key, value)).ToBase64();
        AssertMentions(Refused("series", text), key);
    }

    [TestMethod]
    [DataRow("series", "multiclass")]
    [DataRow("language-model", "multiclass")]
    [DataRow("series", "multiclass-tokens")]
    [DataRow("multiclass", "binary")]
    [DataRow("binary", "series")]
    [DataRow("tagger", "language-model")]
    [DataRow("binary", "tagger")]
    [DataRow("series", "featurizer")]
    public void Predict_ModelOfAnotherTask_RefusedNamingBoth(string model, string slot)
    {
        var e = Refused(slot, Bundle(model).ToBase64());
        StringAssert.Contains(e.Message, "slot", $"message: {e.Message}");
    }

    [TestMethod]
    public void Predict_HundredClassClassifierInTaggerSlot_Refused()
    {
        var e = Refused("tagger", Bundle("multiclass", classes: 100).ToBase64());
        AssertMentions(e, "Classification");
    }

    [TestMethod]
    public void Predict_ThreeClassClassifierInBinarySlot_RefusedNamingTheClassCount()
    {
        var e = Refused("binary", Bundle("multiclass", classes: 3).ToBase64());
        AssertMentions(e, "3");
    }

    [TestMethod]
    public void Predict_FeaturizerStateLargerThanItsVector_Refused()
    {
        // 16 values hold a hidden size of at most 16 (times 1 direction); 40 would be cut silently.
        var e = Refused("featurizer", Bundle("language-model", hiddenSize: 40).ToBase64());
        AssertMentions(e, "40", "16");
    }

    [TestMethod]
    public void Predict_EveryModelInItsOwnSlot_PredictsFiniteValues()
    {
        foreach (string slot in Slots)
        {
            string model = slot switch { "featurizer" => "language-model", "binary-tokens" => "binary", "multiclass-tokens" => "multiclass", _ => slot };
            var (refused, outputs) = Try(new MLContext(1), slot, Bundle(model).ToBase64());
            Assert.IsNull(refused, $"{slot}: {refused?.Message}");
            Assert.IsTrue(outputs!.All(float.IsFinite), $"{slot}: [{string.Join(", ", outputs!)}]");
        }
    }

    [TestMethod]
    public void Predict_ConcurrentFirstCallsOnAFreshModel_DecodeItOnce()
    {
        var ml = new MLContext(1);
        // A fresh string object: no earlier test has decoded it.
        var loaded = SaveAndLoad(ml, "multiclass", Bundle("multiclass", hiddenSize: 64).ToBase64());
        const int Threads = 8;
        var engines = Enumerable.Range(0, Threads).Select(_ => ml.Model.CreatePredictionEngine<Row, ScoreRow>(loaded)).ToArray();
        var row = new Row { Text = "the good film", Words = ["the"], Series = [1f] };
        int before = LoadedModel.DecodeCount;
        using var start = new Barrier(Threads);
        var results = new float[Threads][];
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = engines[i].Predict(row).Score;
        })).ToArray();
        foreach (var t in threads)
        {
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        Assert.AreEqual(1, LoadedModel.DecodeCount - before, "decodes of one model by 8 simultaneous first predictions");
        foreach (var r in results)
        {
            CollectionAssert.AreEqual(results[0], r);
        }
    }

    public sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}

using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent.PluginTests;

[TestClass]
public sealed class ModelOperationsExtensionsTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("recurrent-atomic-zip-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    private static (MLContext Ml, IDataView Data, ITransformer Model) Trained()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(RecurrentTextBinaryTrainerTests.Sentences(60, 11));
        var model = ml.BinaryClassification.Trainers.RecurrentTextClassifier(new RecurrentTextBinaryTrainer.Options
        {
            Epochs = 2, HiddenSize = 8, EmbeddingSize = 8, Seed = 1,
        }).Fit(data);
        return (ml, data, model);
    }

    [TestMethod]
    public void SaveAtomically_TrainedModel_LoadsAndPredictsIdentically()
    {
        var (ml, data, model) = Trained();
        string path = Path.Combine(_dir, "model.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        var loaded = ml.Model.Load(path, out var schema);
        Assert.IsNotNull(schema.GetColumnOrNull("Text"), "the input schema is saved");
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir), "no temporary file is left");
    }

    [TestMethod]
    public void SaveAtomically_ExistingFile_IsReplaced()
    {
        var (ml, data, model) = Trained();
        string path = Path.Combine(_dir, "model.zip");
        File.WriteAllText(path, "an older file");
        ml.Model.SaveAtomically(model, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<float>("Score").ToArray(), loaded.Transform(data).GetColumn<float>("Score").ToArray());
    }

    [TestMethod]
    public void SaveAtomically_PartFailsMidSave_KeepsPreviousFileAndLeavesNoTemp()
    {
        var (ml, data, model) = Trained();
        string path = Path.Combine(_dir, "model.zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        byte[] before = File.ReadAllBytes(path);
        // The recurrent part is written into the .zip first, then the second part fails.
        var failing = new TransformerChain<ITransformer>(model, new FailingTransformer());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.SaveAtomically(failing, data.Schema, path));
        Assert.AreEqual(FailingTransformer.Message, e.Message);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path), "the previous file is intact");
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(_dir), "the temporary file is removed");

        string fresh = Path.Combine(_dir, "fresh.zip");
        Assert.ThrowsExactly<InvalidOperationException>(() => ml.Model.SaveAtomically(failing, data.Schema, fresh));
        Assert.IsFalse(File.Exists(fresh), "a failed first save leaves no file");
    }

    [TestMethod]
    public void SaveAtomically_MissingFolder_ThrowsNamingThePathAndFolder()
    {
        var (ml, data, model) = Trained();
        string folder = Path.Combine(_dir, "no-such-folder");
        string path = Path.Combine(folder, "model.zip");
        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => ml.Model.SaveAtomically(model, data.Schema, path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "does not exist");
        Assert.IsFalse(Directory.Exists(folder));
    }

    [TestMethod]
    public void SaveAtomically_TargetIsAFolder_ThrowsNamingTheRequestedPathNotTheTemporaryFile()
    {
        var (ml, data, model) = Trained();
        string path = Path.Combine(_dir, "model.zip");
        Directory.CreateDirectory(path);
        var e = Assert.ThrowsExactly<IOException>(() => ml.Model.SaveAtomically(model, data.Schema, path));
        StringAssert.Contains(e.Message, path);
        Assert.IsFalse(e.Message.Contains(".tmp", StringComparison.Ordinal), e.Message);
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFiles(_dir), "the temporary file is removed");
    }

    [TestMethod]
    public void SaveAtomically_LongFileName_Saves()
    {
        var (ml, data, model) = Trained();
        string path = Path.Combine(_dir, new string('m', 240) + ".zip");
        ml.Model.SaveAtomically(model, data.Schema, path);
        Assert.IsNotNull(ml.Model.Load(path, out _));
    }

    // A transformer whose save fails, standing for any part of a pipeline that cannot be saved.
    private sealed class FailingTransformer : ITransformer
    {
        public const string Message = "This part cannot be saved.";

        public bool IsRowToRowMapper => true;

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();

        public IDataView Transform(IDataView input) => input;

        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new InvalidOperationException(Message);
    }
}

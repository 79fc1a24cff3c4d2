using Microsoft.ML.Recurrent.Serialization;
using Microsoft.ML.Recurrent.Tests.Training;
using static Microsoft.ML.Recurrent.Tests.Serialization.ModelFileTestData;

namespace Microsoft.ML.Recurrent.Tests.Serialization;

/// <summary>Atomic saves of model files and checkpoints: what a killed save leaves, long names, messages.</summary>
[TestClass]
public sealed class AtomicSaveTests
{
    private static void InTemporaryFolder(Action<string> test)
    {
        string dir = Directory.CreateTempSubdirectory("rnn-atomic-").FullName;
        try
        {
            test(dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void Save_AfterAKilledSave_LeavesNoTemporaryFile() => InTemporaryFolder(dir =>
    {
        string path = Path.Combine(dir, "model.rnnmodel");
        var bundle = Regression();
        // A kill gives the save no chance to clean up: put a partial temporary file where a killed save would leave it.
        bundle.Save(path);
        string temp = Microsoft.ML.Recurrent.Engine.AtomicFile.TemporaryPath(path);
        File.WriteAllBytes(temp, File.ReadAllBytes(path)[..100]);
        bundle.Save(path);
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir), "the next save of the same file removes what a killed save left");
        CollectionAssert.AreEqual(bundle.ToBytes(), File.ReadAllBytes(path));
    });

    [TestMethod]
    public void SaveCheckpoint_AfterAKilledSave_LeavesNoTemporaryFile() => InTemporaryFolder(dir =>
    {
        string path = Path.Combine(dir, "run.ckpt");
        var trainer = CheckpointTestData.TrainedTrainer();
        trainer.SaveCheckpoint(path);
        // What a save killed mid-write leaves: its temporary file beside the target, with part of a checkpoint.
        string temp = Microsoft.ML.Recurrent.Engine.AtomicFile.TemporaryPath(path);
        File.WriteAllBytes(temp, File.ReadAllBytes(path)[..64]);
        trainer.SaveCheckpoint(path);
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
        CollectionAssert.AreEqual(CheckpointTestData.Save(trainer), File.ReadAllBytes(path));
    });

    [TestMethod]
    public void Save_NameOf250Characters_Succeeds() => InTemporaryFolder(dir =>
    {
        string model = Path.Combine(dir, new string('m', 250 - ".rnnmodel".Length) + ".rnnmodel");
        Regression().Save(model);
        Assert.AreEqual(Regression().ToBytes().Length, RecurrentModelFile.Load(model).ToBytes().Length);
        string checkpoint = Path.Combine(dir, new string('c', 250));
        var trainer = CheckpointTestData.TrainedTrainer();
        trainer.SaveCheckpoint(checkpoint);
        CheckpointTestData.FreshTrainer().LoadCheckpoint(checkpoint);
        Assert.AreEqual(2, Directory.GetFiles(dir).Length);
    });

    [TestMethod]
    public void Save_MissingFolder_MessageNamesTheRequestedPath() => InTemporaryFolder(dir =>
    {
        string model = Path.Combine(dir, "missing", "model.rnnmodel");
        var ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => Regression().Save(model));
        StringAssert.StartsWith(ex.Message, $"Could not save '{model}'");
        string checkpoint = Path.Combine(dir, "missing", "run.ckpt");
        ex = Assert.ThrowsExactly<DirectoryNotFoundException>(() => CheckpointTestData.TrainedTrainer().SaveCheckpoint(checkpoint));
        StringAssert.StartsWith(ex.Message, $"Could not save '{checkpoint}'");
    });

    [TestMethod]
    public void Save_NonFiniteWeight_TouchesNoFile() => InTemporaryFolder(dir =>
    {
        string path = Path.Combine(dir, "model.rnnmodel");
        var bundle = Regression();
        bundle.Model.Parameters.Values[0] = float.NaN;
        Assert.ThrowsExactly<InvalidOperationException>(() => bundle.Save(path));
        Assert.AreEqual(0, Directory.GetFiles(dir).Length);
    });

    [TestMethod]
    public void Save_WhileAnotherSaveOfTheSameFileRuns_FailsAndLeavesTheOtherAlone() => InTemporaryFolder(dir =>
    {
        string path = Path.Combine(dir, "model.rnnmodel");
        string temp = Microsoft.ML.Recurrent.Engine.AtomicFile.TemporaryPath(path);
        using (var running = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            running.Write([1, 2, 3]);
            var ex = Assert.ThrowsExactly<IOException>(() => Regression().Save(path));
            StringAssert.StartsWith(ex.Message, $"Could not save '{path}'");
            Assert.IsTrue(File.Exists(temp), "the running save's temporary file is not removed");
            Assert.IsFalse(File.Exists(path));
        }
        Regression().Save(path);
        CollectionAssert.AreEqual(new[] { path }, Directory.GetFiles(dir));
    });
}

// The front door: recurrent models in an ML.NET pipeline, end to end.
//   dotnet run -c Release --project examples/SentimentClassification
//   dotnet run -c Release --project examples/SentimentClassification -- --train ../shared/data/uci-sentiment-sentences/yelp_labelled.txt --test ../shared/data/uci-sentiment-sentences/imdb_labelled.txt --model artifacts/sentiment.zip
// 1. trains the recurrent sentiment classifier (text -> bidirectional LSTM -> Score, Probability, PredictedLabel);
// 2. evaluates it with ML.NET's own BinaryClassification.Evaluate;
// 3. saves the .zip atomically, reloads it with mlContext.Model.Load, predicts with a PredictionEngine and shows
//    which words decided (attribution columns, Explanations.cs); --check FILE reports drift of new sentences;
// 4. trains a next-token (character) language model on the same texts with the language-model transform and
//    generates from it.
// --pretrain FILE...: pretrain a word language model on unlabelled text files plus the training rows' text (once:
//    --lm-model keeps it), train the classifier over its frozen word vectors, and print the accuracy without and with
//    pretraining (Pretraining.cs; docs/sentiment.md: within the seeds' spread of the defaults, far above ULMFiT's
//    fine-tuning of the whole encoder, which --fine-tune-set still reaches).
// Files: "sentence TAB label" (0/1), no header. With no arguments it runs on the small sample in its Data folder.
// The model goes to --model, or to artifacts/SentimentClassification/sentiment.zip under the current folder.
// A missing or malformed file ends with exit code 2 and one line naming it. Last line: "accuracy: X" on the test file.
using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Recurrent;
using Microsoft.ML.Recurrent.Generation;
using Microsoft.ML.Recurrent.Training;

var trainOption = new Option<FileInfo?>("--train") { Description = "training file: sentence<TAB>label (0/1) (default: the shipped sample)" };
var testOption = new Option<FileInfo?>("--test") { Description = "test file in the same format" };
var modelOption = new Option<FileInfo?>("--model") { Description = "where to save the ML.NET model (.zip) (default: artifacts/SentimentClassification/sentiment.zip)" };
var epochsOption = new Option<int>("--epochs") { Description = "most training epochs of the classifier (it stops early on a held-out 10%)", DefaultValueFactory = _ => new RecurrentTextBinaryTrainer.Options().Epochs };
var hiddenOption = new Option<int>("--hidden") { Description = "LSTM hidden size of the classifier", DefaultValueFactory = _ => 64 };
var embeddingOption = new Option<int>("--embedding") { Description = "word embedding size of the classifier", DefaultValueFactory = _ => 64 };
var lmEpochsOption = new Option<int>("--lm-epochs") { Description = "training epochs of the language model (0 = skip it)", DefaultValueFactory = _ => 30 };
var seedOption = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 1 };
var autoOption = new Option<bool>("--auto") { Description = "search classifiers around the defaults (its first trial is exactly the default classifier; then cell, sizes, learning rate, n-gram ensemble, character-aware words, weight averaging, dropout, ...) on a held-out tenth of --train, instead of training one" };
var minutesOption = new Option<double>("--minutes") { Description = "time budget of --auto in minutes", DefaultValueFactory = _ => 2 };
var checkOption = new Option<FileInfo?>("--check") { Description = "report drift of these sentences (one per line, optional TAB label) against the training data" };
var splitOption = new Option<double?>("--split") { Description = "test on this share of --train (a fixed random split, the same for every --seed) instead of --test" };
var fineTuneSetOption = new Option<string?>("--fine-tune-set") { Description = "with --pretrain: override the pretrained classifier's options, e.g. ULMFiT: --fine-tune-set PretrainedWordVectors=false,Pooling=Concat,Dropout=0.3,LearningRate=0.01,FineTuning.FrozenGroups=1" };
var noBaselineOption = new Option<bool>("--no-baseline") { Description = "with --pretrain: skip the classifier without pretraining (measure the fine-tuned one only)" };
var setOption = new Option<string?>("--set") { Description = "override classifier options, e.g. --set OutputDropout=0,WeightDecay=0,ValidationFraction=0" };
var baselineOption = new Option<bool>("--baseline") { Description = "also train and evaluate stock ML.NET FeaturizeText + SdcaLogisticRegression on the same split" };
var pretrainOption = new Option<FileInfo[]>("--pretrain") { Description = "unlabelled text files (one sentence per line, text before a TAB; or .conllu; the training rows' text is added): pretrain a word language model on them, then train the classifier over its frozen word vectors (--fine-tune-set for ULMFiT); prints the accuracy without and with", AllowMultipleArgumentsPerToken = true };
var pretrainEpochsOption = new Option<int>("--pretrain-epochs") { Description = "most epochs of the pretrained word language model", DefaultValueFactory = _ => 2 };
var pretrainMinutesOption = new Option<double>("--pretrain-minutes") { Description = "time limit of pretraining the language model, in minutes", DefaultValueFactory = _ => 10 };
var tieWeightsOption = new Option<bool>("--tie-weights") { Description = "with --pretrain: pretrain the language model with tied weights (its embedding is its output layer; AWD-LSTM), so its input word vectors train at every step" };
var lmModelOption = new Option<FileInfo?>("--lm-model") { Description = "the pretrained language model's .zip: loaded when it exists, else written (default: artifacts/SentimentClassification/pretrained-lm.zip)" };
var plotOption = PlotFile.CreateOption();
var root = new RootCommand("Train, evaluate, save, reload and use a recurrent sentiment classifier and a language model in ML.NET pipelines.")
{
    trainOption, testOption, modelOption, epochsOption, hiddenOption, embeddingOption, lmEpochsOption, seedOption, autoOption, minutesOption,
    splitOption, baselineOption, setOption, pretrainOption, pretrainEpochsOption, pretrainMinutesOption, tieWeightsOption, lmModelOption, plotOption, checkOption, fineTuneSetOption, noBaselineOption,
};
root.SetAction(r => ExampleFiles.Run(() => new SentimentApp
{
    Train = r.GetValue(trainOption)?.FullName, Test = r.GetValue(testOption)?.FullName, ModelPath = r.GetValue(modelOption)?.FullName,
    Epochs = r.GetValue(epochsOption), Hidden = r.GetValue(hiddenOption), Embedding = r.GetValue(embeddingOption),
    LanguageModelEpochs = r.GetValue(lmEpochsOption), Seed = r.GetValue(seedOption),
    AutoMinutes = r.GetValue(autoOption) ? r.GetValue(minutesOption) : null, Plot = r.GetValue(plotOption),
    Split = r.GetValue(splitOption), Baseline = r.GetValue(baselineOption), Set = r.GetValue(setOption),
    FineTuneSet = r.GetValue(fineTuneSetOption), SkipBaseline = r.GetValue(noBaselineOption),
    Pretrain = r.GetValue(pretrainOption)?.Select(f => f.FullName).ToArray() ?? [], PretrainEpochs = r.GetValue(pretrainEpochsOption),
    PretrainMinutes = r.GetValue(pretrainMinutesOption), TieWeights = r.GetValue(tieWeightsOption),
    LanguageModelPath = r.GetValue(lmModelOption)?.FullName, Check = r.GetValue(checkOption)?.FullName,
}.Run()));
return root.Parse(args).Invoke();

internal sealed class SentimentApp
{
    private static readonly string[] Examples =
    [
        "The food was wonderful and the staff friendly.",
        "Terrible service, I will never come back.",
        "The plot was boring but the acting was brilliant.",
    ];

    public string? Train { get; init; }
    public string? Test { get; init; }
    public string? ModelPath { get; init; }
    public int Epochs { get; init; }
    public int Hidden { get; init; }
    public int Embedding { get; init; }
    public int LanguageModelEpochs { get; init; }
    public int Seed { get; init; }
    public double? AutoMinutes { get; init; }
    public double? Split { get; init; }
    public bool Baseline { get; init; }
    public string? Set { get; init; }
    public string? FineTuneSet { get; init; }
    public bool SkipBaseline { get; init; }
    public string[] Pretrain { get; init; } = [];
    public int PretrainEpochs { get; init; }
    public double PretrainMinutes { get; init; }
    public bool TieWeights { get; init; }
    public string? LanguageModelPath { get; init; }
    public FileInfo? Plot { get; init; }
    public string? Check { get; init; }

    public int Run()
    {
        if (Split is not null && (Train is null || Test is not null))
        {
            Console.Error.WriteLine("--split tests on a share of --train: pass --train and no --test.");
            return 1;
        }
        if (Split is null && (Train is null) != (Test is null))
        {
            Console.Error.WriteLine("Pass both --train and --test, or neither (to run on the shipped sample).");
            return 1;
        }
        if (ModelPath is not null)
        {
            ExampleFiles.PrepareOutput(ModelPath);
        }
        PlotFile.Prepare(Plot);
        string trainPath = Train ?? ExampleFiles.Sample("sample-train.tsv");
        string testPath = Test ?? (Split is null ? ExampleFiles.Sample("sample-test.tsv") : trainPath);
        int trainRows = SentimentFile.Check(trainPath, training: true);
        int testRows = SentimentFile.Check(testPath, training: false);
        Console.WriteLine($"{trainRows} training rows from {trainPath}, {testRows} test rows from {testPath}");

        var mlContext = new MLContext(Seed);
        // Quoting off: some sentences start with an unbalanced quote.
        var train = mlContext.Data.LoadFromTextFile<SentimentRow>(trainPath, separatorChar: '\t', hasHeader: false, allowQuoting: false);
        var test = mlContext.Data.LoadFromTextFile<SentimentRow>(testPath, separatorChar: '\t', hasHeader: false, allowQuoting: false);
        if (Split is double share)
        {
            (train, test) = SentimentBenchmark.SplitOff(mlContext, train, share);
            Console.WriteLine($"--split {share.ToString(CultureInfo.InvariantCulture)}: {train.GetRowCount()} rows to train on, {test.GetRowCount()} to test on");
        }

        // 1-2. Train and evaluate with the stock evaluator.
        var model = AutoMinutes is double minutes ? Search(mlContext, train, minutes)
            : Pretrain.Length > 0 ? PretrainAndFineTune(mlContext, train, test) : TrainClassifier(mlContext, train);
        var predictions = model.Transform(test);
        var metrics = mlContext.BinaryClassification.Evaluate(predictions, labelColumnName: "Label");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test: accuracy {metrics.Accuracy:F4}, AUC {metrics.AreaUnderRocCurve:F4}, F1 {metrics.F1Score:F4}, log-loss {metrics.LogLoss:F4} bits ({metrics.LogLoss * Math.Log(2):F4} nats)"));
        if (Baseline)
        {
            SentimentBenchmark.ReportBaseline(mlContext, train, test);
        }

        // 3. Save atomically (a crash never leaves a broken file in place), reload as any ML.NET app would, predict.
        string modelPath = ModelPath ?? ExampleFiles.DefaultOutput("SentimentClassification", "sentiment.zip");
        mlContext.Model.SaveAtomically(model, train.Schema, modelPath);
        Console.WriteLine($"saved the ML.NET model to {modelPath} ({new FileInfo(modelPath).Length:N0} bytes)");
        var loaded = mlContext.Model.Load(modelPath, out _);
        float[] before = predictions.GetColumn<float>("Score").ToArray();
        float[] after = loaded.Transform(test).GetColumn<float>("Score").ToArray();
        Console.WriteLine($"reloaded model: {(before.SequenceEqual(after) ? "identical" : "DIFFERENT")} scores on all {after.Length} test rows");
        var engine = mlContext.Model.CreatePredictionEngine<SentimentRow, SentimentPrediction>(loaded);
        foreach (string sentence in Examples)
        {
            var p = engine.Predict(new SentimentRow { Text = sentence });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {(p.PredictedLabel ? "positive" : "negative")} ({p.Probability:F3}): {sentence}"));
        }
        Explanations.Print(mlContext, loaded, Examples);
        if (Check is not null)
        {
            DriftPrinter.Print(mlContext, loaded, Check);
        }

        // 4. A next-token model of the same texts, through the language-model transform, and text generated from it.
        if (LanguageModelEpochs > 0)
        {
            GenerateText(mlContext, train);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {metrics.Accuracy:F4}"));
        return 0;
    }

    private RecurrentModelTransformer TrainClassifier(MLContext mlContext, IDataView train)
    {
        var options = SentimentBenchmark.Override(new RecurrentTextBinaryTrainer.Options
        {
            LabelColumnName = "Label", TextColumnName = "Text", Epochs = Epochs, HiddenSize = Hidden, EmbeddingSize = Embedding, Seed = Seed,
            OutputAttributions = true,
        }, Set);
        var model = TrainingConsole.Train("classifier", EpochPrinter("classifier"), progress =>
        {
            options.Progress = progress;
            return mlContext.BinaryClassification.Trainers.RecurrentTextClassifier(options).Fit(train);
        });
        PlotFile.Save(Plot, model.TrainingResult);
        if (model.Members.Count > 1)
        {
            Console.WriteLine($"classifier: an ensemble of {model.Members.Count} members, each trained as above with the next seed; it predicts their mean probability (EnsembleSize; the epochs above are the members' in turn, and --plot draws member 0's)");
        }
        return model;
    }

    // ULMFiT: the classifier without pretraining first (its accuracy is printed), then pretrain and fine-tune.
    private RecurrentModelTransformer PretrainAndFineTune(MLContext mlContext, IDataView train, IDataView test)
    {
        if (!SkipBaseline)
        {
            var baseline = mlContext.BinaryClassification.Evaluate(TrainClassifier(mlContext, train).Transform(test), labelColumnName: "Label");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"without pretraining: accuracy {baseline.Accuracy:F4}, AUC {baseline.AreaUnderRocCurve:F4}, log-loss {baseline.LogLoss:F4} bits ({baseline.LogLoss * Math.Log(2):F4} nats)"));
        }
        string lmPath = LanguageModelPath ?? ExampleFiles.DefaultOutput("SentimentClassification", "pretrained-lm.zip");
        // The training rows' own text joins the corpus (ULMFiT's domain adaptation); never the test rows'.
        var languageModel = Pretraining.LanguageModel(mlContext, () => [.. Pretraining.ReadTexts(Pretrain), .. train.GetColumn<string>("Text")],
            lmPath, PretrainEpochs, PretrainMinutes, TieWeights, Seed);
        Console.Write("with pretraining: ");
        return Pretraining.FineTune(mlContext, train, languageModel, Epochs, Hidden, Seed, FineTuneSet, EpochPrinter("fine-tuned classifier"));
    }

    private RecurrentModelTransformer Search(MLContext mlContext, IDataView train, double minutes)
    {
        var experiment = mlContext.BinaryClassification.RecurrentTextExperiment(new RecurrentExperimentSettings
        {
            MaxExperimentTime = TimeSpan.FromMinutes(minutes), Seed = Seed,
        });
        var result = TrainingConsole.Search("model search", TimeSpan.FromMinutes(minutes),
            new Progress<Microsoft.ML.Recurrent.AutoML.TrialResult>(t => TrainingConsole.WriteLine($"trial {t.TrialId} (rung {t.Rung}): {t.Metric:F4}  {t.Settings}")),
            p => experiment.Execute(train, labelColumnName: "Label", textColumnName: "Text", p));
        Console.WriteLine(result.FormatLeaderboard());
        PlotFile.Save(Plot, result.Details);
        return result.BestModel;
    }

    private void GenerateText(MLContext mlContext, IDataView train)
    {
        var languageModel = TrainingConsole.Train("language model", EpochPrinter("language model"), progress =>
            mlContext.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options
            {
                TextColumnName = "Text", Epochs = LanguageModelEpochs, Seed = Seed, Progress = progress,
            }).Fit(train));
        var generator = languageModel.CreateGenerator();
        string[] prompts = ["The food was", "The movie was", "Our waiter"];
        for (int i = 0; i < prompts.Length; i++)
        {
            string prompt = prompts[i];
            string text = generator.Generate(prompt, new GenerationOptions { MaxLength = 60, Temperature = 0.6f, Seed = Seed + i });
            Console.WriteLine($"  generated: {prompt}{text}");
        }
    }

    private static Progress EpochPrinter(string what) => new(p =>
    {
        if (p.IsEpochEnd)
        {
            TrainingConsole.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what} epoch {p.Epoch}: train loss {p.Loss:F4}{(p.Validation is { } v ? $", validation loss {v.Loss:F4}" : "")}"));
        }
    });
}

internal sealed class Progress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => action(value);
}

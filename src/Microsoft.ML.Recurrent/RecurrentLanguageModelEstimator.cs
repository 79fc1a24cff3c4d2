using Microsoft.ML.Data;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.SavedModel;
using Microsoft.ML.Recurrent.Text;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// Trains a next-token language model on the texts of a column (each text a sequence framed by BOS and EOS). The
/// transformer adds <c>PredictedToken</c> (the most likely token after each row's text), <c>Probability</c> and
/// <c>NextTokenProbabilities</c>; <see cref="RecurrentModelTransformer.CreateGenerator"/> (or
/// <see cref="RecurrentModels.CreateGenerator(ITransformer)"/> on a loaded model) generates text with prompts,
/// temperature, top-k/top-p and seeds.
/// </summary>
/// <remarks>
/// Create it with <see cref="RecurrentTextCatalog.RecurrentLanguageModel(TransformsCatalog.TextTransforms, string, int, int)"/>
/// or, with every option, <see cref="RecurrentTextCatalog.RecurrentLanguageModel(TransformsCatalog.TextTransforms, Options)"/>.
/// <example>
/// <code>
/// var lm = mlContext.Transforms.Text.RecurrentLanguageModel(new RecurrentLanguageModelEstimator.Options { TextColumnName = "Text", Epochs = 20 })
///     .Fit(data);
/// string text = lm.CreateGenerator().Generate("Once upon", new GenerationOptions { MaxLength = 200, Temperature = 0.8f, Seed = 1 });
/// </code>
/// </example>
/// </remarks>
public sealed class RecurrentLanguageModelEstimator : IEstimator<RecurrentModelTransformer>
{
    private readonly MLContext _context;

    /// <summary>Options of <see cref="RecurrentLanguageModelEstimator"/> (and of the featurizer, which trains one).</summary>
    public sealed class Options : RecurrentTrainerOptionsBase
    {
        /// <summary>Creates the options with this estimator's defaults: HiddenSize 128, the rest as on <see cref="RecurrentTrainerOptionsBase"/>.</summary>
        public Options()
        {
            HiddenSize = RecurrentDefaults.LanguageModel.HiddenSize;
            Epochs = RecurrentDefaults.LanguageModel.Epochs;
        }

        /// <summary>The text column to learn from and to predict after. Default "Text".</summary>
        public string TextColumnName { get; set; } = RecurrentDefaults.TextColumnName;

        /// <summary>Word tokens (true) or characters (false). Default false.</summary>
        public bool WordTokens { get; set; } = RecurrentDefaults.LanguageModel.WordTokens;

        /// <summary>Tokens seen fewer times map to the unknown token. Default 1.</summary>
        public int MinTokenCount { get; set; } = RecurrentDefaults.LanguageModel.MinTokenCount;

        /// <summary>Token embedding width. Default 64.</summary>
        public int EmbeddingSize { get; set; } = RecurrentDefaults.LanguageModel.EmbeddingSize;

        /// <summary>
        /// Ties the output layer to the embedding (AWD-LSTM; Press and Wolf, 2017): one matrix is both the input word
        /// vectors and the softmax's rows, so every step trains every word's vector, and a classifier that reuses the
        /// language model (<see cref="RecurrentTextClassificationOptionsBase.PretrainedLanguageModel"/>) starts from
        /// trained word vectors. Needs <see cref="EmbeddingSize"/> equal to <see cref="RecurrentTrainerOptionsBase.HiddenSize"/>.
        /// The saved model holds the untied equivalent (the output layer a copy of the embedding), which predicts identically.
        /// Default false.
        /// </summary>
        public bool TieWeights { get; set; }
    }

    internal RecurrentLanguageModelEstimator(MLContext context, Options options)
    {
        _context = context;
        TrainerOptions = options;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 2, nameof(options));
        CheckTying(options);
    }

    // Tying shares the (V, E) embedding with the (V, H) output layer, so the two widths must agree.
    private static void CheckTying(Options options)
    {
        if (options.TieWeights && options.EmbeddingSize != options.HiddenSize)
        {
            throw new ArgumentException($"TieWeights shares the embedding with the output layer: it needs EmbeddingSize equal to HiddenSize, but EmbeddingSize is {options.EmbeddingSize} and HiddenSize is {options.HiddenSize}.", nameof(options));
        }
    }

    internal Options TrainerOptions { get; }

    /// <summary>The input columns plus PredictedToken, Probability and NextTokenProbabilities.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var text = inputSchema.FirstOrDefault(c => c.Name == TrainerOptions.TextColumnName);
        if (text.Name is null || text.Kind != SchemaShape.Column.VectorKind.Scalar || text.ItemType is not TextDataViewType)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Column '{TrainerOptions.TextColumnName}' {(text.Name is null ? "was not found" : $"has type {text.ItemType}")}; expected a text (string) column.");
        }
        return SavedModelChain.Create(_context, new(SavedModelTask.LanguageModel, TrainerOptions.TextColumnName), "").GetOutputSchema(inputSchema);
    }

    /// <summary>Reads the texts, trains the language model, and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The text column is missing or not text.</exception>
    /// <exception cref="ArgumentException">There is no text to learn from, or TieWeights is set with EmbeddingSize different from HiddenSize.</exception>
    public RecurrentModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckTying(TrainerOptions);
        var texts = ReadTexts(input, TrainerOptions.TextColumnName, nameof(input));
        var sequencer = BuildSequencer(texts, TrainerOptions.WordTokens, TrainerOptions.MinTokenCount);
        var examples = Encode(sequencer, texts, TrainerOptions.MaxSequenceLength);
        if (examples.Count == 0)
        {
            throw new ArgumentException($"Column '{TrainerOptions.TextColumnName}' has no non-empty text to learn from.", nameof(input));
        }
        var model = new SequenceModel(new SequenceModelOptions
        {
            Task = SequenceTask.LanguageModel, VocabularySize = sequencer.Vocabulary.Count, EmbeddingSize = TrainerOptions.EmbeddingSize,
            Cell = TrainerOptions.Cell, HiddenSize = TrainerOptions.HiddenSize, NumLayers = TrainerOptions.NumLayers, Dropout = TrainerOptions.Dropout,
            TieWeights = TrainerOptions.TieWeights,
        }, TrainerOptions.Seed);
        var result = TrainerOptions.Train(model, examples);
        return CreateTransformer(_context, TrainerOptions.TextColumnName, model, sequencer, TrainerOptions.MaxSequenceLength, result, input);
    }

    // The non-empty texts of the column, in row order.
    internal static List<string> ReadTexts(IDataView data, string textColumn, string paramName)
    {
        var column = ColumnCheck.Require(data.Schema, textColumn, "a text (string) column", t => t is TextDataViewType, paramName);
        return data.GetColumn<string>(column).Where(t => !string.IsNullOrEmpty(t)).ToList();
    }

    internal static TextSequencer BuildSequencer(IEnumerable<string> texts, bool wordTokens, int minCount) =>
        TextSequencer.Build(texts, wordTokens ? new WordTokenizer() : new CharacterTokenizer(),
            new VocabularyOptions { MinCount = minCount, SpecialTokens = SpecialTokens.All });

    // Each text framed by BOS and EOS and cut to maxLength steps (maxLength + 1 ids); texts with no step are left out.
    internal static List<SequenceExample> Encode(TextSequencer sequencer, IEnumerable<string> texts, int maxLength) => texts
        .Select(t => sequencer.Encode(t, addBegin: true, addEnd: true))
        .Select(ids => ids.Length > maxLength + 1 ? ids[..(maxLength + 1)] : ids)
        .Where(ids => ids.Length >= 2)
        .Select(ids => SequenceExample.ForLanguageModel(ids))
        .ToList();

    // Wraps a trained model into the saveable chain of stock parts.
    internal static RecurrentModelTransformer CreateTransformer(MLContext context, string textColumn, SequenceModel model, TextSequencer sequencer,
        int maxLength, TrainingResult? result, IDataView input) =>
        SavedModelChain.Fit(context, new(SavedModelTask.LanguageModel, textColumn), model, sequencer, null, maxLength, result, input);
}

using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.Models;
using Microsoft.ML.Recurrent.Training;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The options the recurrent text classifiers share: the base of <see cref="RecurrentTextBinaryTrainer.Options"/>
/// and <see cref="RecurrentTextMulticlassTrainer.Options"/>.
/// </summary>
public abstract class RecurrentTextClassificationOptionsBase : IRecurrentTrainingOptions
{
    /// <summary>Creates the options with the text classifiers' defaults.</summary>
    private protected RecurrentTextClassificationOptionsBase()
    {
    }

    /// <summary>The label column: <see cref="bool"/> for the binary classifier, a key for the multiclass one. Default "Label".</summary>
    public string LabelColumnName { get; set; } = RecurrentDefaults.LabelColumnName;

    /// <summary>The input text column: <see cref="string"/> (text). It is tokenized inside the model. Default "Text".</summary>
    public string TextColumnName { get; set; } = RecurrentDefaults.TextColumnName;

    /// <summary>Tokenize into words (true, lower-cased, punctuation split) or into characters (false). Default true.</summary>
    public bool WordTokens { get; set; } = RecurrentDefaults.TextClassification.WordTokens;

    /// <summary>Tokens seen fewer times than this in the training data map to the unknown token. Default 1.</summary>
    public int MinTokenCount { get; set; } = RecurrentDefaults.TextClassification.MinTokenCount;

    /// <summary>Longer inputs are truncated to their first this-many tokens, in training and prediction. Default 256.</summary>
    public int MaxSequenceLength { get; set; } = RecurrentDefaults.TextClassification.MaxSequenceLength;

    /// <summary>The recurrent cell. Default <see cref="RecurrentCellKind.Lstm"/>.</summary>
    public RecurrentCellKind Cell { get; set; } = RecurrentDefaults.TextClassification.Cell;

    /// <summary>
    /// Character-aware words (word tokens or key-vector tokens only): each token is also read as its characters through a
    /// character CNN, so words unseen in training keep a representation of their own. Default false.
    /// </summary>
    public bool CharacterAwareWords { get; set; } = RecurrentDefaults.TextClassification.CharacterAwareWords;

    /// <summary>Character embedding width (with <see cref="CharacterAwareWords"/>). Default 16.</summary>
    public int CharacterEmbeddingSize { get; set; } = RecurrentDefaults.TextClassification.CharacterEmbeddingSize;

    /// <summary>Character filters per convolution width, widths 1 to 3 (with <see cref="CharacterAwareWords"/>). Default 32.</summary>
    public int CharacterFilters { get; set; } = RecurrentDefaults.TextClassification.CharacterFilters;

    /// <summary>
    /// Wide and deep: beside the recurrent encoder, a linear part over the text's word n-grams (unigrams and bigrams of
    /// token ids, hashed into buckets sized from the training data) whose per-class weights add to the logits, trained
    /// with the rest. Strong where a bag of n-grams is (short texts, few rows); attributions still cover every token.
    /// Only with <see cref="NgramEnsemble"/> false (the ensemble, the default, has the n-gram part as a classifier of its
    /// own). Not with <see cref="PretrainedLanguageModel"/>. Default false.
    /// </summary>
    public bool WideNgrams { get; set; } = RecurrentDefaults.TextClassification.WideNgrams;

    /// <summary>
    /// An ensemble in one model: beside the recurrent classifier, a linear classifier over the text's word n-grams (as
    /// <see cref="WideNgrams"/>, which it replaces), each trained on its own cross-entropy, stopped early on its own
    /// held-out loss and calibrated with its own temperature (the n-gram part is kept as naive Bayes by default:
    /// <see cref="KeepNgramNaiveBayes"/>); the prediction is the mean of their two probabilities.
    /// More accurate and better calibrated on the sentiment benchmarks, most where the test text differs from the training
    /// text (docs/sentiment.md). Attributions stay exact; ONNX export has no n-gram part (set this and
    /// <see cref="WideNgrams"/> to false for a model to export). With <see cref="PretrainedLanguageModel"/> the n-gram
    /// classifier sits beside the fine-tuned one (and, when it is not kept as naive Bayes, trains with the head). Default true.
    /// </summary>
    public bool NgramEnsemble { get; set; } = RecurrentDefaults.TextClassification.NgramEnsemble;

    /// <summary>
    /// With <see cref="NgramEnsemble"/>: the n-gram part starts from multinomial naive Bayes over the training rows (each
    /// n-gram counted once per text, Laplace smoothing) instead of zero, then keeps it (<see cref="KeepNgramNaiveBayes"/>)
    /// or trains on. Naive Bayes over unigrams and bigrams is among the strongest classifiers of short texts with few rows
    /// (Wang and Manning 2012); the start carries that into the ensemble (docs/sentiment.md). The saved model is the same
    /// kind either way. Default true.
    /// </summary>
    public bool NgramNaiveBayes { get; set; } = RecurrentDefaults.TextClassification.NgramNaiveBayes;

    /// <summary>
    /// With <see cref="NgramEnsemble"/> and <see cref="NgramNaiveBayes"/>: the n-gram part stays the naive Bayes classifier
    /// it starts from (only its temperature is fitted on the held-out rows) instead of training on as a logistic regression.
    /// Kept, the ensemble scored 1 point more on yelp → imdb than with the part trained on (0.698 against 0.688, both with
    /// 32 hash buckets per n-gram) and 0.5 less on imdb → yelp (0.727 against 0.732), and MR rose from 0.769 to 0.784 with
    /// the change (3 seeds; docs/sentiment.md): trained with Adam, every occurrence of a rare n-gram moves its weight about
    /// as far as a frequent one's, so the part memorises the training rows. Default true.
    /// </summary>
    public bool KeepNgramNaiveBayes { get; set; } = RecurrentDefaults.TextClassification.KeepNgramNaiveBayes;

    /// <summary>Token embedding width. Default 64.</summary>
    public int EmbeddingSize { get; set; } = RecurrentDefaults.TextClassification.EmbeddingSize;

    /// <summary>Hidden size of each recurrent layer. Default 64.</summary>
    public int HiddenSize { get; set; } = RecurrentDefaults.TextClassification.HiddenSize;

    /// <summary>Stacked recurrent layers. Default 1.</summary>
    public int NumLayers { get; set; } = RecurrentDefaults.TextClassification.NumLayers;

    /// <summary>Bidirectional layers. Default true.</summary>
    public bool Bidirectional { get; set; } = RecurrentDefaults.TextClassification.Bidirectional;

    /// <summary>Dropout between stacked layers while training. Default 0.</summary>
    public float Dropout { get; set; } = RecurrentDefaults.TextClassification.Dropout;

    /// <summary>How a sequence is summarised for the classifier head. Default <see cref="SequencePooling.Max"/>.</summary>
    public SequencePooling Pooling { get; set; } = RecurrentDefaults.TextClassification.Pooling;

    /// <summary>The optimizer. Default <see cref="OptimizerKind.Adam"/>.</summary>
    public OptimizerKind Optimizer { get; set; } = RecurrentDefaults.TextClassification.Optimizer;

    /// <summary>Learning rate. Default 0.003.</summary>
    public double LearningRate { get; set; } = RecurrentDefaults.TextClassification.LearningRate;

    /// <summary>Most training epochs: training stops earlier once the validation loss has not improved for EarlyStoppingPatience epochs, or at TimeLimit. Default 30.</summary>
    public int Epochs { get; set; } = RecurrentDefaults.TextClassification.Epochs;

    /// <summary>Sequences per mini-batch. Default 16.</summary>
    public int BatchSize { get; set; } = RecurrentDefaults.TextClassification.BatchSize;

    /// <summary>
    /// Share of the training rows held out for validation and early stopping (0 for none), class by class; none when the
    /// share would be fewer than 20 rows (then training runs for <see cref="Epochs"/> on every row, uncalibrated). Default 0.1.
    /// </summary>
    public double ValidationFraction { get; set; } = RecurrentDefaults.TextClassification.ValidationFraction;

    /// <summary>
    /// Validation data (same columns as the training data; for the multiclass trainer, a key label with the training
    /// label's classes in the same order, e.g. mapped by the same MapValueToKey transformer); overrides
    /// <see cref="ValidationFraction"/>. Default null.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss and keep the best weights (needs validation data). Default 8.</summary>
    public int? EarlyStoppingPatience { get; set; } = RecurrentDefaults.TextClassification.EarlyStoppingPatience;

    /// <summary>Embedding dropout while training: the probability of dropping a whole word type (a row of the embedding matrix) for a mini-batch, the rest scaled by 1/(1-p). Default 0.1.</summary>
    public float EmbeddingDropout { get; set; } = RecurrentDefaults.TextClassification.EmbeddingDropout;

    /// <summary>Locked dropout on the embeddings while training: one mask per sequence over the embedding units, reused at every step. Default 0.2.</summary>
    public float InputDropout { get; set; } = RecurrentDefaults.TextClassification.InputDropout;

    /// <summary>DropConnect on the hidden-to-hidden weights while training: one mask per mini-batch. Default 0.2.</summary>
    public float WeightDropout { get; set; } = RecurrentDefaults.TextClassification.WeightDropout;

    /// <summary>Locked dropout on what the output layer reads while training (the pooled summary, or every step's output). Default 0.3.</summary>
    public float OutputDropout { get; set; } = RecurrentDefaults.TextClassification.OutputDropout;

    /// <summary>Weight decay of the optimizer (L2 for Adam, SGD, RMSprop and Adagrad; decoupled for AdamW). Default 0.0001.</summary>
    public double WeightDecay { get; set; } = RecurrentDefaults.TextClassification.WeightDecay;

    /// <summary>
    /// Stop training once it has run this long (checked after every mini-batch), keeping the best weights so far; null for
    /// no limit. A run that reaches it depends on the machine's speed, so set null for runs that must repeat exactly. Default 00:05:00.
    /// </summary>
    public TimeSpan? TimeLimit { get; set; } = RecurrentDefaults.TimeLimit;

    /// <summary>
    /// Calibrate the probabilities on the validation data after training (temperature scaling: the logits divided by the
    /// one number that minimises the validation log-loss, folded into the output layer); the predicted labels do not change. Default true.
    /// </summary>
    public bool CalibrateProbabilities { get; set; } = RecurrentDefaults.TextClassification.CalibrateProbabilities;

    /// <summary>
    /// Weight averaging: validate, keep and return an exponential moving average of the weights with this decay per
    /// mini-batch (0.99: about the last 100 mini-batches; fewer early in a run) instead of the raw weights, which are noisy
    /// after small mini-batches of small data; 0 for none (<see cref="TrainerOptions.AveragingDecay"/>). Default 0.99.
    /// </summary>
    public double AveragingDecay { get; set; } = RecurrentDefaults.TextClassification.AveragingDecay;

    /// <summary>
    /// After training with the held-out share (<see cref="ValidationFraction"/>; not with a <see cref="ValidationSet"/>),
    /// train a fresh model with the same seed on every row, held-out ones included, for the epochs early stopping chose,
    /// with the temperature calibrated on the held-out rows; skipped when <see cref="TimeLimit"/> has run out. Training
    /// takes up to twice as long. Default false.
    /// </summary>
    public bool RefitOnAllRows { get; set; } = RecurrentDefaults.TextClassification.RefitOnAllRows;

    /// <summary>Seed of the weights, the shuffling and the validation split. Default 0.</summary>
    public int Seed { get; set; } = RecurrentDefaults.Seed;

    /// <summary>
    /// How many classifiers to train and average (a seed ensemble): member i trains as a single classifier would with
    /// <see cref="Seed"/> + i (its own hold-out, vocabulary, weights and calibration), and the model predicts the mean of
    /// the members' probabilities (<see cref="OutputAttributions"/>: the mean of the members' attributions). Training and
    /// prediction take about that many times as long and the saved model is about that many times as large. The members
    /// share <see cref="TimeLimit"/>: each gets an even share of what is left when it starts, and a member starts only
    /// while some is left; member 0 is exactly the classifier <c>EnsembleSize = 1</c> trains unless its share stops it.
    /// <see cref="Progress"/> reports each member's epochs in turn, and the transformer's training record is member 0's.
    /// 1 to 16; 0 chooses from the data, so that the ensemble trains about as long as one classifier of 100,000 tokens:
    /// 100,000 / the training rows' tokens, from 1 to 5 (1,000 short sentences get 5; 100,000 tokens or more, 1). On
    /// 1,000-sentence sets, 5 members gained about a point of accuracy and 0.03 nats of log-loss (0.01 to 0.05 by seed)
    /// over one, with a third of the spread between seeds (docs/sentiment.md). An ensemble cannot be exported to ONNX.
    /// Default 0.
    /// </summary>
    public int EnsembleSize { get; set; } = RecurrentDefaults.TextClassification.EnsembleSize;

    /// <summary>
    /// A trained word-level language model (a <see cref="RecurrentLanguageModelEstimator"/>'s transformer, or one loaded with
    /// <c>Model.Load</c>) whose embedding and recurrent layers become the classifier's encoder, fine-tuned ULMFiT's way:
    /// each lower layer at the learning rate of the one above divided by 2.6, one more layer unfrozen per epoch from the
    /// head down, and a slanted triangular learning rate over the run (<see cref="Training.FineTuningOptions"/>). The
    /// classifier then uses the language model's tokenizer and sizes, and runs forward only; its vocabulary is the language
    /// model's followed by the training words it lacks (seen <see cref="MinTokenCount"/> times; they start at the mean
    /// of its embedding rows and train with the head). WordTokens must match the language model, and <see cref="Cell"/>,
    /// <see cref="EmbeddingSize"/>, <see cref="HiddenSize"/>, <see cref="NumLayers"/> and <see cref="Bidirectional"/> are not used (except with <see cref="PretrainedWordVectors"/>). The fine-tuned
    /// classifier saves and loads as any other (the language model is not needed at prediction time). Default null.
    /// </summary>
    public ITransformer? PretrainedLanguageModel { get; set; }

    /// <summary>
    /// With <see cref="PretrainedLanguageModel"/>: take only its embedding, as frozen word vectors, and train the
    /// classifier's own encoder over them (<see cref="Cell"/>, <see cref="HiddenSize"/>, <see cref="NumLayers"/>,
    /// <see cref="Bidirectional"/>, <see cref="NgramEnsemble"/>; the width is the language model's) instead of fine-tuning
    /// its whole encoder. A word seen only at prediction time then reads a vector consistent with the ones the classifier
    /// learnt on. Training words the language model lacks get rows that train. Default false.
    /// </summary>
    public bool PretrainedWordVectors { get; set; }

    /// <summary>
    /// With <see cref="PretrainedLanguageModel"/>: how the pretrained encoder is fine-tuned (the learning-rate divisor per
    /// layer, gradual unfreezing, the groups kept frozen); null (the default) is ULMFiT's recipe, <c>new FineTuningOptions()</c>.
    /// Its <see cref="Training.FineTuningOptions.PretrainedVocabularySize"/> is set from the language model. Default null.
    /// </summary>
    public Training.FineTuningOptions? FineTuning { get; set; }

    /// <summary>
    /// Adds two columns: <c>AttributionTokens</c> (the tokens the model read, as text) and <c>Attributions</c> (one
    /// integrated-gradients contribution per token; see docs/explain.md). Binary: towards <c>true</c> (the Score);
    /// multiclass: towards the predicted class. An ensemble (<see cref="EnsembleSize"/>) gives the mean of its members'
    /// attributions, each member's towards that same class, so they add up to the mean of the members' score changes rather
    /// than the ensemble's. Costs about 34 forward/backward passes per row and member. Default false.
    /// </summary>
    public bool OutputAttributions { get; set; }

    /// <summary>Receives training progress (per step and per epoch). Default null.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    // A copy that trains one ensemble member: its seed and its share of the time limit.
    internal RecurrentTextClassificationOptionsBase ForMember(int seed, TimeSpan? timeLimit)
    {
        var copy = (RecurrentTextClassificationOptionsBase)MemberwiseClone();
        copy.Seed = seed;
        copy.TimeLimit = timeLimit;
        return copy;
    }

    // The settings both text classifiers check when they are created (columns are checked against the data).
    internal static void Check(RecurrentTextClassificationOptionsBase options)
    {
        ArgumentException.ThrowIfNullOrEmpty(options.LabelColumnName, nameof(options));
        ArgumentException.ThrowIfNullOrEmpty(options.TextColumnName, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxSequenceLength, 1, nameof(options));
        if (options.OutputAttributions && options.CharacterAwareWords)
        {
            throw new ArgumentException("OutputAttributions is not yet available with CharacterAwareWords: set one of them to false.", nameof(options));
        }
        if (options.WideNgrams && options.PretrainedLanguageModel is not null)
        {
            throw new ArgumentException("WideNgrams is not available with PretrainedLanguageModel (the classifier takes the language model's encoder as it is): set one of them.", nameof(options));
        }
        if (!(options.AveragingDecay >= 0 && options.AveragingDecay < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.AveragingDecay, "AveragingDecay must be in [0, 1) (0 for no weight averaging).");
        }
        if (options.EnsembleSize is < 0 or > SavedModel.ModelEnsemble.MaxMembers)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.EnsembleSize, $"EnsembleSize must be 0 (automatic) or 1 to {SavedModel.ModelEnsemble.MaxMembers}.");
        }
        if (!(options.ValidationFraction >= 0 && options.ValidationFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationFraction, "ValidationFraction must be in [0, 1).");
        }
    }
}

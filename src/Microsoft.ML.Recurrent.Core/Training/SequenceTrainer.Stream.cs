using System.Diagnostics;
using Microsoft.ML.Recurrent.Models;

namespace Microsoft.ML.Recurrent.Training;

public sealed partial class SequenceTrainer
{
    private float[] _streamHidden = [];
    private float[] _streamCell = [];

    /// <summary>
    /// Trains a language model on one long token stream by truncated backpropagation through time: the stream is
    /// cut into <see cref="TrainerOptions.BatchSize"/> parallel streams, read in chunks of
    /// <see cref="TrainerOptions.TruncationLength"/> steps; the recurrent state is carried from chunk to chunk and
    /// the gradient is cut between them. Each chunk is one optimizer step; an epoch is one pass over the stream.
    /// </summary>
    /// <param name="tokens">Token ids, at least BatchSize + 1 of them.</param>
    /// <param name="validationTokens">A held-out stream for the per-epoch validation loss (nats per token); optional.</param>
    /// <param name="progress">Receives a report after every step and every epoch; optional.</param>
    /// <param name="cancellationToken">Cancels between steps with an <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">The model is not a language model.</exception>
    /// <exception cref="ArgumentException">The stream is too short or holds ids outside the vocabulary.</exception>
    /// <exception cref="InvalidOperationException">Training diverged (see <see cref="Fit"/>).</exception>
    public TrainingResult FitStream(int[] tokens, int[]? validationTokens = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (_model.Options.Task != SequenceTask.LanguageModel)
        {
            throw new InvalidOperationException($"FitStream trains language models; this model's task is {_model.Options.Task}. Use Fit.");
        }
        int batch = Options.BatchSize;
        if (tokens.Length < batch + 1)
        {
            throw new ArgumentException($"tokens has {tokens.Length} ids; FitStream needs at least BatchSize + 1 = {batch + 1}.", nameof(tokens));
        }
        ValidateTokenIds(tokens, nameof(tokens));
        if (validationTokens is not null)
        {
            if (validationTokens.Length < 2)
            {
                throw new ArgumentException($"validationTokens has {validationTokens.Length} ids; at least 2 are needed, or pass null.", nameof(validationTokens));
            }
            ValidateTokenIds(validationTokens, nameof(validationTokens));
        }
        RequireValidationFor(validationTokens is not null, nameof(validationTokens));
        RequireNotDiverged();
        UseRaw();

        int streamLength = (tokens.Length - 1) / batch;
        int k = Options.TruncationLength;
        // Refused before any work (and before the state below is sized) when a chunk's buffers cannot be allocated.
        _model.Recurrent.CheckSizes((long)batch * Math.Min(k, streamLength), batch, nameof(tokens));
        int chunks = (streamLength + k - 1) / k;
        var full = NewStreamExamples(batch, Math.Min(k, streamLength));
        var tail = streamLength % k == 0 ? full : NewStreamExamples(batch, streamLength % k);
        var o = _model.Options;
        int stateSize = o.NumLayers * batch * o.HiddenSize;
        if (_streamHidden.Length != stateSize)
        {
            _streamHidden = new float[stateSize];
            _streamCell = new float[stateSize];
        }
        bool lstm = o.Cell == Layers.RecurrentCellKind.Lstm;

        var clock = Stopwatch.StartNew();
        bool budget = false;
        while (!_finished && _epoch < Options.Epochs && !budget)
        {
            if (_batchInEpoch == 0)
            {
                Array.Clear(_streamHidden);
                Array.Clear(_streamCell);
            }
            var epochClock = Stopwatch.StartNew();
            long epochTokens = 0;
            while (_batchInEpoch < chunks)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int position = _batchInEpoch * k;
                var examples = position + k <= streamLength ? full : tail;
                int length = examples[0].Tokens!.Length;
                for (int b = 0; b < batch; b++)
                {
                    int start = b * streamLength + position;
                    tokens.AsSpan(start, length).CopyTo(examples[b].Tokens);
                    tokens.AsSpan(start + 1, length).CopyTo(examples[b].StepLabels);
                }
                TrainStep(examples, _streamHidden, lstm ? _streamCell : default);
                // Carry the state to the next chunk; the gradient stops here (truncated BPTT).
                var rws = _workspace.Recurrent;
                rws.FinalHidden.AsSpan(0, stateSize).CopyTo(_streamHidden);
                if (lstm)
                {
                    rws.FinalCell.AsSpan(0, stateSize).CopyTo(_streamCell);
                }
                epochTokens += (long)batch * length;
                budget = BudgetReached(clock);
                Report(progress, chunks, epochTokens, epochClock, clock, null);
                if (budget)
                {
                    break;
                }
            }
            UseAverage();
            EndEpoch(validationTokens is null ? null : SequenceEvaluator.EvaluateStream(_model, _workspace, validationTokens, batch, k, Options.MaxValidationItems),
                progress, chunks, epochClock, clock);
            UseRaw();
        }
        return Finish(clock, budget);
    }

    private void ValidateTokenIds(int[] tokens, string paramName)
    {
        int vocabulary = _model.Options.VocabularySize;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocabulary)
            {
                throw new ArgumentException($"{paramName}[{i}] is {tokens[i]}; token ids must be 0..{vocabulary - 1}.", paramName);
            }
        }
    }

    private static SequenceExample[] NewStreamExamples(int batch, int length)
    {
        var examples = new SequenceExample[batch];
        for (int b = 0; b < batch; b++)
        {
            examples[b] = new SequenceExample { Tokens = new int[length], StepLabels = new int[length] };
        }
        return examples;
    }
}

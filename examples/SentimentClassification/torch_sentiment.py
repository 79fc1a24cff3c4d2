#!/usr/bin/python3
"""The PyTorch anchor for the sentiment example: a bidirectional LSTM text classifier, for a side-by-side comparison.

    /usr/bin/python3 examples/SentimentClassification/torch_sentiment.py --seed 1 \
        --train ../shared/data/uci-sentiment-sentences/yelp_labelled.txt --test ../shared/data/uci-sentiment-sentences/imdb_labelled.txt
    /usr/bin/python3 examples/SentimentClassification/torch_sentiment.py --seed 1 \
        --train ../shared/data/movie-review-polarity/mr_train.tsv --split 0.1

The recurrent part of the C# classifier's defaults (RecurrentTextBinaryTrainer.Options), written as a PyTorch user
would: lower-cased word tokens (runs of ASCII letters, digits and apostrophes, or one other character: close to, not
the same as, the C# word tokenizer), every training word in the vocabulary, unknown words sharing one zeroed row;
embedding 64 with row dropout 0.1, input dropout 0.2, a one-layer bidirectional LSTM of 64 per direction, max pooling
over the valid steps (packed, so padding is never read), dropout 0.3, a linear head. Adam (lr 3e-3, weight decay 1e-4),
batches of 16, at most 30 epochs; 10% of the training rows held out class by class, early stopping on their loss with
patience 8, the best epoch's weights kept, and a temperature fitted on them (as CalibrateProbabilities).
Not here, of the C# defaults: the n-gram ensemble, DropConnect, weight averaging, gradient clipping at norm 5, batches
bucketed by length, and one input-dropout mask per sequence (here a new mask at every step).

--split holds out a random share of --train as the test set, the same for every --seed; it is not the C# example's
split (ML.NET's TrainTestSplit): --save-split writes it, for the C# example's --train / --test. The last line is
"test: accuracy A, AUC U, log-loss L nats, E epochs (best B), S s".
"""

import argparse
import math
import os
import random
import re
import sys
import time
from collections import Counter

_threads = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--threads"), "2")
os.environ.setdefault("OMP_NUM_THREADS", _threads)

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")


def tokenize(text):
    return _TOKEN.findall(text.lower())


def read(path):
    rows = []
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n")
            if "\t" not in line:
                continue
            text, label = line.rsplit("\t", 1)
            rows.append((text.strip(), int(label)))
    return rows


class Classifier(nn.Module):
    def __init__(self, vocabulary, embedding=64, hidden=64):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding, padding_idx=0)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True, bidirectional=True)
        self.input_dropout = nn.Dropout(0.2)
        self.output_dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, ids, lengths):
        weight = self.embedding.weight
        if self.training:  # embedding dropout: whole rows, rescaled (AWD-LSTM)
            keep = torch.bernoulli(torch.full((weight.shape[0], 1), 0.9)) / 0.9
            weight = weight * keep
        x = self.input_dropout(nn.functional.embedding(ids, weight, padding_idx=0))
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, padding_value=-1e30)
        pooled = out.max(dim=1).values
        return self.fc(self.output_dropout(pooled))


def batches(rows, size, shuffle, rng):
    order = list(range(len(rows)))
    if shuffle:
        rng.shuffle(order)
    for start in range(0, len(order), size):
        chunk = [rows[i] for i in order[start:start + size]]
        lengths = torch.tensor([max(1, len(ids)) for ids, _ in chunk])
        ids = torch.zeros(len(chunk), int(lengths.max()), dtype=torch.long)
        for r, (seq, _) in enumerate(chunk):
            ids[r, :len(seq)] = torch.tensor(seq or [1])
        yield ids, lengths, torch.tensor([y for _, y in chunk])


def logits_of(model, rows):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(ids, lengths) for ids, lengths, _ in batches(rows, 256, False, None)])


def fit_temperature(logits, labels):
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=100)

    def closure():
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(logits / log_t.exp(), labels)
        loss.backward()
        return loss
    optimizer.step(closure)
    return float(log_t.exp())


def auc(scores, labels):
    pairs = sorted(zip(scores, labels))
    positives = sum(labels)
    negatives = len(labels) - positives
    rank_sum, i = 0.0, 0
    while i < len(pairs):  # average ranks over ties
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        rank_sum += sum(1 for k in range(i, j) if pairs[k][1] == 1) * (i + j + 1) / 2
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / max(1, positives * negatives)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test")
    parser.add_argument("--split", type=float, help="test on this seeded random share of --train instead of --test")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--threads", default="2")
    parser.add_argument("--save-split", metavar="PREFIX", help="with --split: also write PREFIX-train.tsv and PREFIX-test.tsv (to run the C# example on the same rows)")
    args = parser.parse_args()
    if (args.test is None) == (args.split is None):
        sys.exit("pass --test or --split")
    if args.epochs < 1:
        sys.exit("--epochs must be at least 1")
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    started = time.time()

    train = read(args.train)
    if args.split:
        order = list(range(len(train)))
        random.Random(0).shuffle(order)
        cut = int(round(len(train) * args.split))
        test = [train[i] for i in order[:cut]]
        train = [train[i] for i in order[cut:]]
        if args.save_split:
            for suffix, rows in (("train", train), ("test", test)):
                with open(f"{args.save_split}-{suffix}.tsv", "w", encoding="utf-8", newline="\n") as f:
                    f.writelines(f"{text}\t{y}\n" for text, y in rows)
    else:
        test = read(args.test)
    held = set()
    for label in (0, 1):  # 10% held out class by class
        members = [i for i, (_, y) in enumerate(train) if y == label]
        rng.shuffle(members)
        held.update(members[:int(round(0.1 * len(members)))])
    fit_rows = [train[i] for i in range(len(train)) if i not in held]
    held_rows = [train[i] for i in sorted(held)]

    counts = Counter(t for text, _ in fit_rows for t in tokenize(text))
    vocabulary = {w: i + 2 for i, (w, _) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))}  # 0 pad, 1 unknown

    def encode(rows):
        return [([vocabulary.get(t, 1) for t in tokenize(text)][:256], y) for text, y in rows]
    fit_ids, held_ids, test_ids = encode(fit_rows), encode(held_rows), encode(test)
    held_labels = torch.tensor([y for _, y in held_ids])

    model = Classifier(len(vocabulary) + 2)
    with torch.no_grad():
        model.embedding.weight[1].zero_()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)
    best, best_epoch, best_state, epochs = math.inf, 0, None, 0
    for epoch in range(args.epochs):
        model.train()
        for ids, lengths, labels in batches(fit_ids, 16, True, rng):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(ids, lengths), labels).backward()
            optimizer.step()
        epochs = epoch + 1
        loss = float(nn.functional.cross_entropy(logits_of(model, held_ids), held_labels))
        if loss < best:
            best, best_epoch = loss, epochs
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        elif epochs - best_epoch >= 8:
            break
    model.load_state_dict(best_state)
    temperature = fit_temperature(logits_of(model, held_ids), held_labels)

    probabilities = torch.softmax(logits_of(model, test_ids) / temperature, dim=1)[:, 1].clamp(1e-7, 1 - 1e-7)
    labels = [y for _, y in test_ids]
    accuracy = sum((p > 0.5) == (y == 1) for p, y in zip(probabilities.tolist(), labels)) / len(labels)
    log_loss = -sum(math.log(p if y == 1 else 1 - p) for p, y in zip(probabilities.tolist(), labels)) / len(labels)
    print(f"train {len(fit_rows)} rows, held out {len(held_rows)}, test {len(test)}; vocabulary {len(vocabulary)}; temperature {temperature:.3f}")
    print(f"test: accuracy {accuracy:.4f}, AUC {auc(probabilities.tolist(), labels):.4f}, log-loss {log_loss:.4f} nats, "
          f"{epochs} epochs (best {best_epoch}), {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()

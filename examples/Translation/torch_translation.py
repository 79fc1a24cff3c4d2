#!/usr/bin/python3
"""The Translation example's model in PyTorch, for a side-by-side comparison on the same machine.

    /usr/bin/python3 examples/Translation/torch_translation.py --train ../shared/data/tatoeba-eng-fra/eng-fra-train.tsv

Same data handling as the C# example (TranslationText.cs): the same tokens (lower-cased, sacreBLEU 13a punctuation rules),
the same held-out English sentences (every 50th distinct one, remainder 7), the same vocabularies (count >= 2, most
frequent first, ties in ordinal order, at most --vocabulary ids with the special tokens) and the same corpus BLEU-4
(Bleu.cs). Same model (Seq2SeqModel, docs/seq2seq.md): embedding, bidirectional LSTM encoder (hidden/2 per direction,
packed so padding is never read), bridge h0 = tanh(W_h u + b), c0 = W_c u + b from the encoder's final states, an LSTM
decoder with input feeding, general (Luong) attention s_j = h_t . (W_a e_j) over the source positions only,
h~ = tanh(W_c [c; h] + b), softmax output. Same training: Adam (lr 0.002), batch 64, length-bucketed shuffled batches,
label smoothing 0.1, gradient norm clipped at 5, learning rate x0.95 per epoch, validation loss after every epoch and
when the time limit ends one, the best validated weights kept. Decoding: beam search with length normalisation
log p / (length + 1) and at most 2 * source length + 10 tokens, as Seq2SeqDecodeOptions' defaults.
The last line is "bleu: X".
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
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

# --- TranslationText.Tokenize -------------------------------------------------------------------------------------
_PUNCT = re.compile(r'([{|}~\[\\\]^_`!"#$%&()*+:;<=>?@/«»…])')
_PERIOD_COMMA_AFTER = re.compile(r"([^0-9])([.,])")
_PERIOD_COMMA_BEFORE = re.compile(r"([.,])([^0-9])")
_DIGIT_HYPHEN = re.compile(r"([0-9])(-)")


def tokenize(text):
    s = (text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ").replace("\u200b", "")
         .replace("\u2019", "'").lower())
    s = " " + s + " "
    s = _PUNCT.sub(r" \1 ", s)
    s = _PERIOD_COMMA_AFTER.sub(r"\1 \2 ", s)
    s = _PERIOD_COMMA_BEFORE.sub(r" \1 \2", s)
    s = _DIGIT_HYPHEN.sub(r"\1 \2 ", s)
    return s.split()


# --- TranslationText.Read / Split / Group ------------------------------------------------------------------------
def read_split(path):
    numbers, train, held = {}, [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            if not line:
                continue
            english, french = line.split("\t")
            number = numbers.setdefault(english, len(numbers) + 1)
            (held if number % 50 == 7 else train).append((english, french))
    return train, held


def group(pairs):
    groups = {}
    for english, french in pairs:
        groups.setdefault(english, []).append(tokenize(french))
    return list(groups.items())


# --- Vocabulary.Build ---------------------------------------------------------------------------------------------
class Vocab:
    def __init__(self, sequences, specials, max_size, min_count=2):
        counts = Counter(t for s in sequences for t in s)
        kept = sorted(((t, c) for t, c in counts.items() if c >= min_count and t not in specials),
                      key=lambda tc: (-tc[1], [ord(ch) for ch in tc[0]]))
        self.tokens = list(specials) + [t for t, _ in kept[: max_size - len(specials)]]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.unk = self.ids["<unk>"]
        self.special = len(specials)

    def encode(self, tokens):
        return [self.ids.get(t, self.unk) for t in tokens]

    def decode(self, ids):
        return [self.tokens[i] for i in ids if i >= self.special]


# --- Bleu.Corpus --------------------------------------------------------------------------------------------------
def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses, references, max_order=4):
    matches, totals, c, r = [0] * max_order, [0] * max_order, 0, 0
    for hyp, refs in zip(hypotheses, references):
        c += len(hyp)
        r += min((abs(len(ref) - len(hyp)), len(ref)) for ref in refs)[1]
        for n in range(1, max_order + 1):
            most = Counter()
            for ref in refs:
                for g, k in ngrams(ref, n).items():
                    most[g] = max(most[g], k)
            matches[n - 1] += sum(min(k, most[g]) for g, k in ngrams(hyp, n).items())
            totals[n - 1] += max(0, len(hyp) - n + 1)
    precisions = [m / t if t else 0.0 for m, t in zip(matches, totals)]
    bp = 0.0 if c == 0 else 1.0 if c > r else math.exp(1 - r / c)
    score = 0.0 if min(precisions) == 0 else 100 * bp * math.exp(sum(math.log(p) for p in precisions) / max_order)
    return score, precisions, bp, c, r


# --- The model (Seq2SeqModel) -------------------------------------------------------------------------------------
class Seq2Seq(nn.Module):
    def __init__(self, source_count, target_count, hidden):
        super().__init__()
        he, e = hidden // 2, hidden // 2
        self.source_embedding = nn.Embedding(source_count, e)
        self.encoder = nn.LSTM(e, he, batch_first=True, bidirectional=True)
        de = 2 * he
        self.bridge_hidden = nn.Linear(de, hidden)
        self.bridge_cell = nn.Linear(de, hidden)
        self.target_embedding = nn.Embedding(target_count, e)
        self.decoder = nn.LSTMCell(e + hidden, hidden)
        self.attention = nn.Linear(de, hidden, bias=False)   # keys W_a e_j
        self.combine = nn.Linear(de + hidden, hidden)
        self.output = nn.Linear(hidden, target_count)
        self.hidden = hidden
        # PyTorch's default initialisation is Seq2SeqModel.ResetParameters': embeddings N(0, 1), LSTM weights uniform in
        # +-1/sqrt(hidden), Linear weights and biases uniform in +-1/sqrt(fan-in).

    def encode(self, source, lengths):
        packed = pack_padded_sequence(self.source_embedding(source), lengths, batch_first=True, enforce_sorted=False)
        out, (h, _) = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True)                       # (B, S, De)
        u = torch.cat([h[0], h[1]], dim=1)
        state = (torch.tanh(self.bridge_hidden(u)), self.bridge_cell(u))
        mask = torch.arange(memory.shape[1])[None, :] >= lengths[:, None]              # True on padding
        return memory, self.attention(memory), mask, state

    def step(self, token, feed, state, memory, keys, mask):
        h, c = self.decoder(torch.cat([self.target_embedding(token), feed], dim=1), state)
        scores = torch.bmm(keys, h.unsqueeze(2)).squeeze(2).masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)
        attentional = torch.tanh(self.combine(torch.cat([context, h], dim=1)))
        return attentional, (h, c), weights

    def forward(self, source, lengths, target_in):
        memory, keys, mask, state = self.encode(source, lengths)
        feed = memory.new_zeros(source.shape[0], self.hidden)
        outputs = []
        for t in range(target_in.shape[1]):
            feed, state, _ = self.step(target_in[:, t], feed, state, memory, keys, mask)
            outputs.append(feed)
        return self.output(torch.stack(outputs, dim=1))                                # (B, T, V)


def tensors(batch, bos, eos, pad):
    lengths = torch.tensor([len(s) for s, _ in batch])
    source = torch.zeros(len(batch), int(lengths.max()), dtype=torch.long)
    t = max(len(y) for _, y in batch) + 1
    target_in = torch.zeros((len(batch), t), dtype=torch.long)  # padded inputs: any id, their outputs are ignored
    target_out = torch.full((len(batch), t), pad, dtype=torch.long)
    for i, (s, y) in enumerate(batch):
        source[i, :len(s)] = torch.tensor(s)
        target_in[i, :len(y) + 1] = torch.tensor([bos] + y)
        target_out[i, :len(y) + 1] = torch.tensor(y + [eos])
    return source, lengths, target_in, target_out


def plan(examples, size, rng):
    """Seq2SeqTrainer.Plan: shuffled, sorted by length within windows of 50 batches, cut, the batches shuffled."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    window = size * 50
    for start in range(0, len(order), window):
        order[start:start + window] = sorted(order[start:start + window],
                                             key=lambda i: (len(examples[i][0]) + len(examples[i][1]), i))
    batches = [[examples[i] for i in order[s:s + size]] for s in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def validation_loss(model, examples, ids):
    model.eval()
    total, count = 0.0, 0
    loss = nn.CrossEntropyLoss(ignore_index=ids["pad"], reduction="sum")
    with torch.no_grad():
        for start in range(0, len(examples), 64):
            source, lengths, tin, tout = tensors(examples[start:start + 64], ids["bos"], ids["eos"], ids["pad"])
            logits = model(source, lengths, tin)
            total += loss(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1)).item()
            count += int((tout != ids["pad"]).sum())
    model.train()
    return total / count


def beam_search(model, source, beam, bos, eos):
    """Seq2SeqModel.Beam: per step the best `beam` unfinished hypotheses (from each one's top beam + 1 tokens) go on,
    those ending with EOS are set aside until `beam` have ended; the best by log p / (length + 1) wins."""
    with torch.no_grad():
        memory, keys, mask, state = model.encode(torch.tensor([source]), torch.tensor([len(source)]))
        feed = memory.new_zeros(1, model.hidden)
        alive, finished = [([], 0.0)], []
        for _ in range(2 * len(source) + 10):
            n = len(alive)
            tokens = torch.tensor([h[-1] if h else bos for h, _ in alive])
            feed, state, _ = model.step(tokens, feed, state, memory.expand(n, -1, -1), keys.expand(n, -1, -1), mask.expand(n, -1))
            logp = torch.log_softmax(model.output(feed), dim=1)
            top = torch.topk(logp, min(beam + 1, logp.shape[1]), dim=1)
            candidates = sorted(((alive[r][1] + lp, r, t) for r in range(n)
                                 for lp, t in zip(top.values[r].tolist(), top.indices[r].tolist())), key=lambda c: -c[0])
            nxt, parents = [], []
            for score, row, token in candidates:
                if token == eos:
                    if len(finished) < beam:
                        finished.append((alive[row][0], score))
                elif len(nxt) < beam:
                    nxt.append((alive[row][0] + [token], score))
                    parents.append(row)
                if len(nxt) == beam:
                    break
            if len(finished) >= beam or not nxt:
                break
            rows = torch.tensor(parents)
            feed, state, alive = feed[rows], (state[0][rows], state[1][rows]), nxt
        candidates = finished or alive
        return max(candidates, key=lambda hs: hs[1] / (len(hs[0]) + 1))[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--vocabulary", type=int, default=8000)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    train_pairs, held_pairs = read_split(args.train)
    train_tok = [(tokenize(e), tokenize(f)) for e, f in train_pairs]
    english = Vocab([e for e, _ in train_tok], ["<unk>"], args.vocabulary)
    french = Vocab([f for _, f in train_tok], ["<unk>", "<bos>", "<eos>"], args.vocabulary)
    ids = {"bos": french.ids["<bos>"], "eos": french.ids["<eos>"], "pad": len(french.tokens)}
    examples = [(english.encode(e), french.encode(f)) for e, f in train_tok]
    validation = [(english.encode(tokenize(e)), french.encode(tokenize(f))) for e, f in held_pairs]
    print(f"{len(examples)} training pairs, {len(validation)} held-out pairs; {len(english.tokens)} English words, "
          f"{len(french.tokens)} French words", flush=True)

    # The padding id is one past the vocabulary: its logit is never computed, so the model has the C# model's size.
    model = Seq2Seq(len(english.tokens), len(french.tokens), args.hidden)
    print(f"{sum(p.numel() for p in model.parameters())} parameters; torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.95)
    criterion = nn.CrossEntropyLoss(ignore_index=ids["pad"], label_smoothing=0.1)
    start, steps, best, best_loss, best_epoch, epochs = time.perf_counter(), 0, None, float("inf"), 0, 0
    out_of_time = False
    for epoch in range(1, args.epochs + 1):
        total, tokens = 0.0, 0
        for batch in plan(examples, 64, rng):
            source, lengths, tin, tout = tensors(batch, ids["bos"], ids["eos"], ids["pad"])
            optimizer.zero_grad(set_to_none=True)
            logits = model(source, lengths, tin)
            loss = criterion(logits.reshape(-1, logits.shape[-1]), tout.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
            steps += 1
            n = int((tout != ids["pad"]).sum())
            total, tokens = total + loss.item() * n, tokens + n
            if steps % 200 == 0:
                print(f"  step {steps}  loss {total / tokens:.4f}  {time.perf_counter() - start:.0f} s", flush=True)
            if time.perf_counter() - start >= 60 * args.minutes:
                out_of_time = True
                break
        epochs = epoch
        val = validation_loss(model, validation, ids)
        print(f"epoch {epoch}  train loss {total / max(1, tokens):.4f}  validation loss {val:.4f}  "
              f"{(time.perf_counter() - start) / 60:.1f} min", flush=True)
        if val < best_loss:
            best_loss, best_epoch, best = val, epoch, {k: v.clone() for k, v in model.state_dict().items()}
        schedule.step()
        if out_of_time:
            break
    model.load_state_dict(best)
    print(f"trained {steps} steps, {epochs} epochs in {(time.perf_counter() - start) / 60:.1f} min; best epoch {best_epoch}", flush=True)

    model.eval()
    clock = time.perf_counter()
    groups = group(held_pairs)
    hypotheses = [french.decode(beam_search(model, english.encode(tokenize(e)), args.beam, ids["bos"], ids["eos"]))
                  for e, _ in groups]
    score, precisions, bp, c, r = corpus_bleu(hypotheses, [refs for _, refs in groups])
    for i in range(0, len(groups), max(1, len(groups) // 3))[:3]:
        print(f"{groups[i][0]} -> {' '.join(hypotheses[i])}")
    print(f"{len(groups)} held-out sentences decoded in {time.perf_counter() - clock:.1f} s (beam {args.beam})")
    print(f"BLEU = {score:.2f} {'/'.join(f'{100 * p:.1f}' for p in precisions)} (BP = {bp:.3f} ratio = {c / max(1, r):.3f} "
          f"hyp_len = {c} ref_len = {r})")
    print(f"bleu: {score:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

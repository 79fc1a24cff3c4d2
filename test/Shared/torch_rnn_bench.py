#!/usr/bin/python3
"""PyTorch CPU performance anchor for LSTM / GRU (float32, 2 threads).

Repository copy of ../shared/bench/torch_rnn_bench.py, extended to report the instruction set PyTorch ran at:
`throughput --width 512|256|128 --compare` runs it with ATEN_CPU_CAPABILITY=avx512|avx2|default,
OPENBLAS_CORETYPE=SkylakeX|Haswell|Prescott and ONEDNN_MAX_CPU_ISA=AVX512_CORE|AVX2|SSE41 in its environment, and
the first line printed names the capability ATen reports and the OpenBLAS core type asked for.

    /usr/bin/python3 torch_rnn_bench.py [--label NAME] [--json OUT.json] [--quick] [--only TEXT] [--no-peak]

It also has (d) below and --only (run only the benchmarks whose name contains TEXT: a layer config name, "gemm",
"charlm" or "seq2seq"), as the throughput runner's --only, so that one configuration's peak RSS can be measured alone
(`/usr/bin/time -v`), and --no-peak (skip compiling and running fma_peak.c). ../shared/bench's script stays as it is.

Setup (Debian 12): apt-get install -y python3-torch python3-numpy
  - Debian's torch (1.13.1) is built with BLAS_INFO=generic: it calls whatever
    libblas.so.3 the dynamic loader finds.  With only python3-torch installed that
    is the netlib *reference* BLAS (slow, single-threaded).  Install an optimized
    one with `apt-get install -y libopenblas0-openmp` (it becomes the default
    libblas.so.3 through update-alternatives), or pick one per run:
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas:/usr/lib/x86_64-linux-gnu/lapack
                                                                  -> reference BLAS
        LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp -> OpenBLAS
    The script reports the library that provides the sgemm_ libtorch_cpu calls.

What is timed (torch.set_num_threads(2), float32, batch_first, h0 = zeros,
warmup iterations first, then the median of >= 5 timed repeats):
  (a) train: forward + backward of a single nn.LSTM / nn.GRU module, no optimizer;
      upstream gradient = fixed random tensor on `output`; x.requires_grad=True so
      backward computes dX as well as dW (matches the 2x-forward FLOP count)
  (b) infer: forward only under torch.inference_mode()
  for the configs in CONFIGS (1 layer unidirectional, except the 2-layer bidirectional one)
  (c) char-level LM: Embedding(65,64) -> 2-layer LSTM(256) -> Linear(256,65),
      batch 32, seq 100, cross-entropy, full step with Adam (zero_grad, forward,
      backward, optimizer.step).

  (d) seq2seq: the Translation example's model (examples/Translation/torch_translation.py; its C# twin is
      test/Microsoft.ML.Recurrent.Benchmarks/Seq2SeqThroughput.cs): Embedding(8000,128) -> bidirectional LSTM(128) ->
      bridge -> LSTMCell decoder (256, input feeding) with general attention -> Linear(256,8000); batch 64, source and
      target length 10 (11 steps with EOS), no padding; train_step_adam = zero_grad, forward, label-smoothed (0.1)
      cross-entropy, backward, clip_grad_norm_(5), Adam step; infer = the teacher-forced loss under inference_mode.

FLOP model (matmul work only): per layer and direction, forward =
2*batch*seq*(layer_input + hidden)*gates*hidden (gates: LSTM 4, GRU 3);
train (fwd+bwd) = 3x forward (backward = dX + dW, each as big as the forward).
For the LM, the output Linear adds 2*batch*seq*256*65 per forward.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time

# Thread count: --threads N (default 2), read before torch is imported so OpenMP picks it up.
_threads_arg = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--threads"), "2")
os.environ.setdefault("OMP_NUM_THREADS", _threads_arg)
# Passive OpenMP waiting: spinning workers stall badly when any other process shares the cores.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch  # noqa: E402
from torch import nn  # noqa: E402

THREADS = int(_threads_arg)

CONFIGS = [
    dict(name="b32_s64_i128_h128", batch=32, seq=64, input=128, hidden=128, layers=1, bidir=False),
    dict(name="b32_s64_i256_h256", batch=32, seq=64, input=256, hidden=256, layers=1, bidir=False),
    dict(name="b64_s100_i128_h512", batch=64, seq=100, input=128, hidden=512, layers=1, bidir=False),
    dict(name="b1_s64_i128_h128_latency", batch=1, seq=64, input=128, hidden=128, layers=1, bidir=False),
    dict(name="b32_s64_i128_h256_2layer_bidir", batch=32, seq=64, input=128, hidden=256, layers=2, bidir=True),
]

GATES = {"lstm": 4, "gru": 3}


def loaded_libs():
    """Shared libraries of interest mapped into this process (the BLAS actually used)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1] if len(line.split()) >= 6 else ""
            if re.search(r"(blas|lapack|mkl|blis|dnnl|gomp|iomp)", os.path.basename(p)):
                libs.add(os.path.realpath(p))
    return sorted(libs)


def sgemm_provider():
    """Path of the library whose sgemm_ libtorch_cpu binds to (dlsym on libtorch_cpu + dladdr)."""
    import ctypes

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
        tc = ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so"))
        info = DlInfo()
        if libc.dladdr(ctypes.cast(tc.sgemm_, ctypes.c_void_p), ctypes.byref(info)) and info.dli_fname:
            return os.path.realpath(info.dli_fname.decode())
    except (OSError, AttributeError):
        pass
    return None


def blas_name(libs):
    prov = sgemm_provider()
    if prov:
        b = os.path.basename(prov)
        if "openblas" in prov:
            return "OpenBLAS (sgemm_ from " + prov + ")"
        if "mkl" in b:
            return "MKL (sgemm_ from " + prov + ")"
        if "blis" in b:
            return "BLIS (sgemm_ from " + prov + ")"
        if "/blas/libblas.so" in prov:
            return "netlib reference BLAS (sgemm_ from " + prov + ")"
        return "sgemm_ from " + prov
    for p in libs:
        b = os.path.basename(p)
        if "openblas" in b:
            return "OpenBLAS (" + b + ")"
        if "mkl" in b:
            return "MKL (" + b + ")"
        if "blis" in b:
            return "BLIS (" + b + ")"
    for p in libs:
        if re.search(r"/blas/libblas\.so", p) or os.path.basename(p).startswith("libblas.so"):
            return "netlib reference BLAS (" + p + ")"
    return "unknown"


def cpu_info():
    model, mhz = "?", None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "?":
                    model = line.split(":", 1)[1].strip()
                if line.startswith("cpu MHz") and mhz is None:
                    mhz = float(line.split(":", 1)[1])
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    return model, mhz, ("avx512f" in flags)


def cpu_capability():
    """The vector instruction set ATen's kernels run at ("CPU capability usage" in torch's build summary)."""
    m = re.search(r"CPU capability usage: (.+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def measure_peak():
    """Compile and run fma_peak.c (next to this script): effective clock and FP32 FMA peak."""
    import subprocess
    import tempfile
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fma_peak.c")
    if not os.path.exists(src):
        return None
    exe = os.path.join(tempfile.mkdtemp(), "fma_peak")
    try:
        subprocess.run(["gcc", "-O2", "-mavx512f", "-mfma", "-fopenmp", src, "-o", exe], check=True,
                       capture_output=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return {"error": str(e)}
    return {k: float(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def cpu_snapshot():
    """(total ticks, idle ticks, this process's ticks) from /proc, to detect other CPU users."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:9]]
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(vals), vals[3] + vals[4], int(fields[11]) + int(fields[12])


def foreign_cpu_fraction(a, b):
    """Share of the machine's CPU time used by OTHER processes between two snapshots."""
    total = b[0] - a[0]
    if total <= 0:
        return 0.0
    busy = total - (b[1] - a[1])
    own = b[2] - a[2]
    return max(0.0, (busy - own) / total)


def time_it(fn, warmup=2, min_reps=5, min_total_s=1.5, max_reps=30, min_warmup_s=1.0):
    """Warm up (>= warmup calls and >= min_warmup_s, as the throughput runner does for ours), then time >= min_reps
    runs (more while the total is < min_total_s).

    The warm-up is no longer cut short after a slow first call (> 2 s, common on a loaded machine): run alone
    (--only), a big benchmark's first calls are the process's first (OpenMP's threads start, the allocator takes
    fresh pages: a seq2seq step's first call faults ~48k pages, later ones 11-30k), and one or two warm-up calls
    left a single-configuration comparison timing PyTorch cold."""
    snap0 = cpu_snapshot()
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    calls = 1
    while calls < warmup or time.perf_counter() - t0 < min_warmup_s:
        fn()
        calls += 1
    times = []
    while len(times) < min_reps or (sum(times) < min_total_s and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "reps": len(times), "first_call_s": first,
            "foreign_cpu_frac": foreign_cpu_fraction(snap0, cpu_snapshot())}


def rnn_fwd_flops(cell, batch, seq, inp, hidden, layers, bidir):
    G = GATES[cell]
    D = 2 if bidir else 1
    total = 0
    for layer in range(layers):
        layer_in = inp if layer == 0 else D * hidden
        total += D * 2 * batch * seq * (layer_in + hidden) * G * hidden
    return total


def make_rnn(cell, cfg):
    cls = nn.LSTM if cell == "lstm" else nn.GRU
    return cls(cfg["input"], cfg["hidden"], num_layers=cfg["layers"], bidirectional=cfg["bidir"],
               batch_first=True)


def bench_layer(cell, cfg, quick):
    torch.manual_seed(0)
    m = make_rnn(cell, cfg)
    B, T, I, H = cfg["batch"], cfg["seq"], cfg["input"], cfg["hidden"]
    D = 2 if cfg["bidir"] else 1
    x = torch.randn(B, T, I, requires_grad=True)
    x_inf = x.detach().clone()
    gout = torch.randn(B, T, D * H)
    params = list(m.parameters())

    def train():
        for p in params:
            p.grad = None
        x.grad = None
        out, _ = m(x)
        out.backward(gout)

    def infer():
        with torch.inference_mode():
            m(x_inf)

    kw = dict(min_reps=5, min_total_s=0.3 if quick else 1.5)
    fwd = rnn_fwd_flops(cell, B, T, I, H, cfg["layers"], cfg["bidir"])
    res = {}
    for mode, fn, flops in (("train", train, 3 * fwd), ("infer", infer, fwd)):
        t = time_it(fn, **kw)
        med = t["median_s"]
        res[mode] = dict(t, ms=1e3 * med, seq_per_s=B / med, tokens_per_s=B * T / med,
                         flops=flops, gflops_per_s=flops / med / 1e9)
    return res


class CharLM(nn.Module):
    def __init__(self, vocab=65, dim=64, hidden=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, num_layers=layers, batch_first=True)
        self.fc = nn.Linear(hidden, vocab)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(out)


def bench_charlm(quick):
    torch.manual_seed(0)
    V, E, H, L, B, T = 65, 64, 256, 2, 32, 100
    model = CharLM(V, E, H, L)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    lossf = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(x)
        loss = lossf(logits.reshape(-1, V), y.reshape(-1))
        loss.backward()
        opt.step()

    def infer():
        with torch.inference_mode():
            model(x)

    fwd = rnn_fwd_flops("lstm", B, T, E, H, L, False) + 2 * B * T * H * V
    res = {"config": dict(vocab=V, embed=E, hidden=H, layers=L, batch=B, seq=T, optimizer="Adam(lr=2e-3)")}
    for mode, fn, flops in (("train_step_adam", step, 3 * fwd), ("infer", infer, fwd)):
        t = time_it(fn, min_reps=5, min_total_s=0.3 if quick else 1.5)
        med = t["median_s"]
        res[mode] = dict(t, ms=1e3 * med, seq_per_s=B / med, tokens_per_s=B * T / med,
                         flops=flops, gflops_per_s=flops / med / 1e9)
    return res


SEQ2SEQ = dict(source_vocab=8000, target_vocab=8000, embed=128, hidden=256, batch=64, source_len=10, target_len=10,
               lr=0.002, label_smoothing=0.1, clip=5.0)


def seq2seq_fwd_flops(c):
    """Seq2SeqThroughput.Create's count: encoder, keys, bridge, and per target step the decoder cell, attention, combine, output."""
    E, H, S, V, B = c["embed"], c["hidden"], c["source_len"], c["target_vocab"], c["batch"]
    he, de, steps = H // 2, H, c["target_len"] + 1
    encoder = 2 * 2 * S * (E + he) * 4 * he + 2 * S * de * H
    bridge = 2 * 2 * de * H
    decoder = steps * (2 * (E + 2 * H) * 4 * H + 2 * 2 * S * H + 2 * (de + H) * H + 2 * H * V)
    return B * (encoder + bridge + decoder)


def bench_seq2seq(quick):
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "torch_translation", os.path.join(here, "..", "..", "examples", "Translation", "torch_translation.py"))
    tt = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tt)
    c = SEQ2SEQ
    assert c["embed"] == c["hidden"] // 2, "the Translation model's embeddings are hidden / 2 wide"
    torch.manual_seed(0)
    model = tt.Seq2Seq(c["source_vocab"], c["target_vocab"], c["hidden"])
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    B, S, T, V = c["batch"], c["source_len"], c["target_len"], c["target_vocab"]
    source = torch.randint(1, c["source_vocab"], (B, S))
    lengths = torch.full((B,), S)
    target = torch.randint(3, V, (B, T))
    target_in = torch.cat([torch.full((B, 1), 1), target], dim=1)     # BOS, y_1..y_T
    target_out = torch.cat([target, torch.full((B, 1), 2)], dim=1)     # y_1..y_T, EOS
    lossf = nn.CrossEntropyLoss(label_smoothing=c["label_smoothing"])

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(source, lengths, target_in)
        loss = lossf(logits.reshape(-1, V), target_out.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), c["clip"])
        opt.step()

    def infer():
        with torch.inference_mode():
            logits = model(source, lengths, target_in)
            lossf(logits.reshape(-1, V), target_out.reshape(-1))

    fwd = seq2seq_fwd_flops(c)
    tokens = B * (T + 1)
    res = {"config": dict(c, parameters=sum(p.numel() for p in model.parameters()))}
    for mode, fn, flops in (("train_step_adam", step, 3 * fwd), ("infer", infer, fwd)):
        t = time_it(fn, min_reps=5, min_total_s=0.3 if quick else 1.5)
        med = t["median_s"]
        res[mode] = dict(t, ms=1e3 * med, seq_per_s=B / med, tokens_per_s=tokens / med,
                         flops=flops, gflops_per_s=flops / med / 1e9)
    return res


def bench_gemm(quick):
    """Plain float32 matmuls, to see what the BLAS itself reaches on this machine."""
    out = {}
    shapes = [("square_1024", 1024, 1024, 1024),
              ("input_proj_2048x128_x_128x512", 2048, 128, 512),
              ("recurrent_32x128_x_128x512", 32, 128, 512),
              ("recurrent_64x512_x_512x2048", 64, 512, 2048),
              ("recurrent_1x128_x_128x512", 1, 128, 512)]
    for name, M, K, N in shapes:
        a = torch.randn(M, K)
        b = torch.randn(K, N)
        c = torch.empty(M, N)
        t = time_it(lambda: torch.mm(a, b, out=c), min_reps=5, min_total_s=0.2 if quick else 0.5,
                    max_reps=2000)
        out[name] = dict(M=M, K=K, N=N, median_us=1e6 * t["median_s"],
                         gflops_per_s=2 * M * K * N / t["median_s"] / 1e9, reps=t["reps"],
                         foreign_cpu_frac=t["foreign_cpu_frac"])
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--label", default=None, help="name of this run (default: the BLAS used)")
    ap.add_argument("--json", default=None, help="write results here")
    ap.add_argument("--quick", action="store_true", help="shorter timing loops")
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2); compare against the best of 1 and 2")
    ap.add_argument("--only", default=None, help="run only the benchmarks whose name contains this text")
    ap.add_argument("--no-peak", action="store_true", help="do not compile and run fma_peak.c")
    args = ap.parse_args()

    def wanted(name):
        return args.only is None or args.only in name

    torch.set_num_threads(THREADS)
    torch.set_grad_enabled(True)
    libs = loaded_libs()
    model, mhz, avx512 = cpu_info()
    ghz = (mhz or 0) / 1000.0
    peak = THREADS * 32 * ghz  # Zen4: 2 FMA pipes x 8 fp32 lanes (256-bit) x 2 flops = 32 flop/cycle/core
    measured = None if args.no_peak else measure_peak()
    info = {
        "label": args.label or blas_name(libs),
        "torch_version": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "blas": blas_name(libs),
        "sgemm_provider": sgemm_provider(),
        "loaded_libs": libs,
        "torch_config": torch.__config__.show(),
        "cpu_capability": cpu_capability(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(detected)"),
        "onednn_max_cpu_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "(detected)"),
        "torch_parallel_info": torch.__config__.parallel_info(),
        "cpu": model, "cpu_mhz": mhz, "cores_used": THREADS, "avx512": avx512,
        "peak_fp32_gflops_estimate": peak,
        "peak_formula": f"{THREADS} cores x 32 FP32 FLOP/cycle x {ghz:.3f} GHz (nominal clock from /proc/cpuinfo)",
        "measured_peak": measured,
        "peak_fp32_gflops_at_measured_clock": (THREADS * 32 * measured["clock_ghz_2threads"]
                                               if measured and "clock_ghz_2threads" in measured else None),
        "flop_model": "forward = sum over layer-directions of 2*batch*seq*(layer_input+hidden)*gates*hidden; "
                      "train (fwd+bwd) = 3x forward",
    }
    print(f"# {info['label']}  torch {info['torch_version']}  threads {info['threads']}  "
          f"ATen capability {info['cpu_capability']}  OPENBLAS_CORETYPE {info['openblas_coretype']}  "
          f"ONEDNN_MAX_CPU_ISA {info['onednn_max_cpu_isa']}  "
          f"peak ~{peak:.0f} GFLOP/s at nominal clock; measured {measured}", flush=True)

    snap_start = cpu_snapshot()
    results = {"info": info, "gemm": bench_gemm(args.quick) if wanted("gemm") else {}, "layers": {}, "charlm": None,
               "seq2seq": None}
    for name, g in results["gemm"].items():
        print(f"gemm {name:32s} {g['median_us']:10.1f} us  {g['gflops_per_s']:7.1f} GFLOP/s", flush=True)
    for cell in ("lstm", "gru"):
        for cfg in (c for c in CONFIGS if wanted(c["name"])):
            r = bench_layer(cell, cfg, args.quick)
            r["config"] = cfg
            results["layers"][f"{cell}/{cfg['name']}"] = r
            for mode in ("train", "infer"):
                m = r[mode]
                print(f"{cell:4s} {cfg['name']:32s} {mode:5s} {m['ms']:10.2f} ms  {m['seq_per_s']:9.1f} seq/s  "
                      f"{m['gflops_per_s']:7.1f} GFLOP/s  (reps {m['reps']}, other processes used "
                      f"{100 * m['foreign_cpu_frac']:.0f}% CPU)", flush=True)
    for name, bench in (("charlm", bench_charlm), ("seq2seq", bench_seq2seq)):
        if not wanted(name):
            continue
        results[name] = bench(args.quick)
        for mode in ("train_step_adam", "infer"):
            m = results[name][mode]
            print(f"{name} {mode:16s} {m['ms']:10.2f} ms  {m['tokens_per_s']:10.0f} tok/s  "
                  f"{m['gflops_per_s']:7.1f} GFLOP/s  (other processes used {100 * m['foreign_cpu_frac']:.0f}% CPU)",
                  flush=True)
    results["foreign_cpu_frac_total"] = foreign_cpu_fraction(snap_start, cpu_snapshot())
    print(f"# other processes used {100 * results['foreign_cpu_frac_total']:.1f}% of the machine's CPU "
          "during this run (should be ~0 for valid numbers)", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)

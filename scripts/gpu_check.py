"""A GPU run kit: one command that runs every CUDA path of pealm in a few minutes and writes report.md and report.json.

    python scripts/gpu_check.py --device cuda --out gpucheck             # GPT-2 124M; at most 7.5 minutes (--budget-s 450)
    python scripts/gpu_check.py --device cpu --tiny --out /tmp/gpucheck   # the same phases on a 2-layer, 64-wide GPT (CI)
    python scripts/gpu_check.py --device cuda --phases bench train --budget-s 240   # rerun some phases

The phases, in this order, each in a process of its own that is stopped when its share of --budget-s is spent:

  env        the device, driver, torch, CUDA, cuDNN, NCCL and triton versions; the card's peak from pealm.bench's table
  bench      bench_train's progression fp32 -> TF32 -> bf16 -> compile -> flash -> vocab 50,304 -> fused AdamW at
             B=16, T=1024, then the last row under DDP on one rank (NCCL): tokens/s, speedup, MFU
  train      `pealm train gpt2` under torchrun on GPT-2 token shards of Tiny Shakespeare, with the full recipe; the
             process group is killed once a checkpoint exists, and the run goes on with --resume
  sample     tokens/s with and without the KV cache, compiled decoding, transformers' generate: same weights, greedy, same tokens
  hellaswag  examples/s of pealm.eval.evaluate_hellaswag on 500 examples

Each phase ends ok, failed (with a one-line reason) or skipped, and the next one starts either way. Both reports are
rewritten after every phase, so a run cut short leaves them too. Exit status 1 when a phase failed, 2 on a usage mistake.
"""
import argparse, json, os, platform, re, signal, statistics, subprocess, sys, time, traceback
from dataclasses import asdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path: sys.path.insert(0, str(REPO)) # the device machine has no `pip install -e .`: use this checkout

PHASES = { # name -> (what it checks, its weight: a phase's timeout is its weight's share of the budget left)
    'env':       ("device, driver and library versions; the card's peak FLOP/s", 2),
    'bench':     ("the speed-up progression of pealm.bench, then DDP on one rank", 10),
    'train':     ("pealm train gpt2 under torchrun: the loss falls, a killed run resumes", 9),
    'sample':    ("sampling tokens/s: KV cache, no cache, compiled decoding, transformers' generate", 2),
    'hellaswag': ("HellaSwag examples/s with evaluate_hellaswag", 2),
}

SIZES = { # what each phase runs: 'full' is GPT-2 124M for a GPU, 'tiny' the CPU stand-in that CI runs
    'full': dict(model=dict(n_layer=12, n_head=12, n_embd=768), # GPT-2 124M
                 batch_size=16, block_size=1024,        # B x T of bench_train's GPU default and of the training recipe
                 bench_steps=10, bench_warmup=2,        # the first warm-up step compiles; 10 timed steps give a steady median
                 bench_rows=None,                       # every row
                 train_steps=200,                       # the target: near the phase's deadline the resumed run gets a Ctrl-C
                 save_every=10,                         # the first checkpoint (and the kill) after 10 steps; each ckpt.pt is 1.5 GB
                 total_batch=524_288,                   # 2**19 tokens per step: 32 micro-batches of 16 x 1024
                 train_flags=['--compile'],             # the rest of the recipe is pealm's default: vocab 50,304; on CUDA bf16, TF32, flash, fused AdamW
                 sample_tokens=500, no_cache_tokens=100, hellaswag_limit=500, hellaswag_batch=16),
    'tiny': dict(model=dict(n_layer=2, n_head=2, n_embd=64), batch_size=4, block_size=64,
                 bench_steps=2, bench_warmup=1,
                 bench_rows=['fp32', 'tf32', 'bf16', 'flash', 'vocab', 'fused'], # no compile: four compilations cost minutes on a CPU
                 train_steps=24, save_every=8, total_batch=1024, # 4 micro-batches of 4 x 64: accumulation still runs
                 train_flags=['--lr', '3e-3', '--warmup-steps', '4'], # a small model learns fast enough to show the loss falling
                 sample_tokens=40, no_cache_tokens=20, hellaswag_limit=20, hellaswag_batch=8),
}
MIN_PHASE_S = 20  # no phase gets less (a process that imports torch and starts CUDA needs a few seconds)
VOCAB_SIZE = 50257 # GPT-2's tokenizer; the padded 50,304 is the recipe's, for training only

class Skip(Exception):
    "A phase that cannot run here, and why (missing data, say): not a failure."

def _first_line(e:BaseException) -> str:
    "`Type: first line of the message`, short enough for a table cell."
    return f"{type(e).__name__}: " + (str(e).strip().splitlines() or [''])[0][:200]

def _error_line(text:str) -> str:
    "The line of a process's output that says why it failed: its first error, else its last line."
    lines = [re.sub(r'^\[(rank|default)\d+\]:\s*', '', l).strip() for l in text.splitlines()]
    errors = [l for l in lines if re.match(r'[\w.]*(Error|Exception)\b', l) and 'ChildFailedError' not in l]
    cli = [l for l in lines if re.match(r'pealm \w+: ', l)]
    return (errors[:1] or cli[-1:] or [l for l in lines if l][-1:] or ['no output'])[0][:300]

def _tail(path:Path, n:int=25) -> str:
    "The last `n` lines of a log file ('' when there is none)."
    try: return "\n".join(path.read_text(errors='replace').splitlines()[-n:])
    except OSError: return ''

def _write_atomic(path:Path, text:str):
    "Write `text` to `path` through a temporary file, so that a reader never sees half of it."
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)

# Processes. torchrun starts its workers in sessions of their own, so killing torchrun's process group leaves them
# running (holding the GPU and the run's lock): we find every descendant in /proc and kill each one by its id.

def _children_of() -> dict[int, list[int]]:
    "Each process's children, read from /proc (empty where there is no /proc)."
    children = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try: ppid = int(stat.read_text().rsplit(')', 1)[1].split()[1])
        except (OSError, IndexError, ValueError): continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    return children

def _children(pid:int) -> list[int]:
    "The processes `pid` started."
    return _children_of().get(pid, [])

def _descendants(pid:int) -> list[int]:
    "Every process below `pid`."
    children, found, stack = _children_of(), [], [pid]
    while stack:
        for child in children.get(stack.pop(), []): found.append(child); stack.append(child)
    return found

def _kill_tree(proc:subprocess.Popen):
    "SIGKILL `proc` (started with start_new_session=True), its process group and every descendant, then reap it."
    for _ in range(2): # twice: a process may have started another while we looked
        for pid in _descendants(proc.pid) + [proc.pid]:
            try: os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError): pass
    try: os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError): pass
    proc.wait()

def _launch(cmd:list, log:Path) -> subprocess.Popen:
    "Start `cmd` in the repository, in a session of its own, its output going to `log`."
    with open(log, 'w') as f:
        return subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO)

# What the phases share.

def _device(spec:dict):
    "The torch.device of `--device` ('auto': cuda when there is one), checked as pealm train checks it."
    import torch
    from pealm.train import resolve_device
    name = spec['device']
    if name == 'auto': name = 'cuda' if torch.cuda.is_available() else 'cpu' # never mps: the check is for CUDA
    return resolve_device(name)

def _sync(dev):
    "Wait for the GPU's queue to drain (nothing on a CPU)."
    import torch
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def _timed(fn, dev) -> tuple:
    "`fn()` and the seconds it took, the device's queue drained before and after."
    _sync(dev); t0 = time.perf_counter()
    out = fn()
    _sync(dev)
    return out, time.perf_counter() - t0

def _gpt(spec:dict, dev, seed:int=0):
    "A GPT of this check's size with seeded random weights, in eval mode on `dev` (vocab 50,257, as OpenAI's)."
    import torch
    from pealm.models.gpt2 import GPT, GPTConfig
    s = SIZES[spec['size']]
    torch.manual_seed(seed)
    return GPT(GPTConfig(block_size=s['block_size'], vocab_size=VOCAB_SIZE, **s['model'])).to(dev).eval()

def _peak(spec:dict, dev, dtype:str) -> float|None:
    "Peak FLOP/s of one device for `dtype` matmuls: the env phase's, else pealm.bench's GPU table or a CPU measurement."
    import torch
    from pealm.bench import gpu_peak_flops, measure_cpu_peak
    known = (spec.get('peak_flops') or {}).get(dtype)
    if known: return known
    if dev.type == 'cuda': return gpu_peak_flops(torch.cuda.get_device_name(dev), dtype)
    return measure_cpu_peak(torch.bfloat16 if dtype == 'bf16' else torch.float32)

def _flops_per_token(spec:dict) -> float:
    "pealm.bench's training FLOPs per token, 6N + 12*L*H*Q*T, of this check's GPT with the unpadded vocabulary."
    import torch
    from pealm.bench import flops_per_token
    from pealm.models.gpt2 import GPT, GPTConfig
    s = SIZES[spec['size']]
    with torch.device('meta'): model = GPT(GPTConfig(block_size=s['block_size'], vocab_size=VOCAB_SIZE, **s['model']))
    return flops_per_token(model, s['block_size'])

def _table(rows:list, header=('', '')) -> str:
    "A two-or-more-column markdown table."
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])

class Phase:
    "What a phase worker has to say, saved to a JSON file after every change: a phase that is stopped keeps it."
    def __init__(self, path:Path|str):
        "Nothing said yet: status 'running'."
        self.path, self.data = Path(path), dict(status='running', reason='', result={}, markdown='')
    def update(self, **fields):
        "Change some fields and save them all."
        self.data.update(fields)
        _write_atomic(self.path, json.dumps(self.data, indent=1, default=str))

# Phase 1: env.

def _nvidia_smi(*fields) -> list[str]|None:
    "The first GPU's `fields` from nvidia-smi, or None where it does not answer."
    try: r = subprocess.run(['nvidia-smi', f"--query-gpu={','.join(fields)}", '--format=csv,noheader'],
                            capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired): return None
    if r.returncode or not r.stdout.strip(): return None
    return [x.strip() for x in r.stdout.splitlines()[0].split(',')]

def _cuda_matmul_flops(dev, n:int=8192, repeats:int=10) -> float:
    "MEASURED bf16 matmul FLOP/s on random data: the median of `repeats` n x n products, timed with CUDA events."
    import torch
    a, b = torch.randn(n, n, device=dev, dtype=torch.bfloat16), torch.randn(n, n, device=dev, dtype=torch.bfloat16)
    for _ in range(3): a @ b # warm-up: cuBLAS picks its kernel
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record(); a @ b; end.record(); end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return 2 * n**3 / statistics.median(times)

def _cuda_env(dev) -> tuple[dict, dict]:
    "What the GPU and its software are, and its peaks (pealm.bench's table, plus a measured bf16 matmul)."
    import importlib.metadata, torch
    from pealm.bench import gpu_peak_flops
    p = torch.cuda.get_device_properties(dev)
    smi = _nvidia_smi('driver_version', 'memory.total', 'clocks.max.sm', 'power.limit') or ['n/a'] * 4
    try: nccl = torch.cuda.nccl.version()
    except Exception as e: nccl = f"n/a ({_first_line(e)})" # a torch built without NCCL
    try: triton = importlib.metadata.version('triton')
    except importlib.metadata.PackageNotFoundError: triton = 'not installed (torch.compile cannot build GPU kernels)'
    info = {'GPU': p.name, 'compute capability': f"{p.major}.{p.minor}", 'memory': f"{p.total_memory / 2**30:.1f} GiB",
            'multiprocessors': p.multi_processor_count, 'driver': smi[0], 'max SM clock': smi[2], 'power limit': smi[3],
            'CUDA (torch built for)': torch.version.cuda, 'cuDNN': torch.backends.cudnn.version(),
            'NCCL': '.'.join(map(str, nccl)) if isinstance(nccl, tuple) else nccl, 'triton': triton,
            'bf16 supported': torch.cuda.is_bf16_supported(), 'GPUs visible': torch.cuda.device_count()}
    peaks = {d: gpu_peak_flops(p.name, d) for d in ('bf16', 'tf32', 'fp32')}
    info['measured bf16 matmul'] = f"{_cuda_matmul_flops(dev) / 1e12:.0f} TFLOP/s (8192^3, median of 10)"
    return info, peaks

def _cpu_env(dev) -> tuple[dict, dict]:
    "What the CPU is, and its MEASURED matmul peaks at this process's thread count (as pealm.bench measures them)."
    import torch
    from pealm.bench import device_info, measure_cpu_peak
    d = device_info(dev)
    info = {'CPU': d.name, 'cores': os.cpu_count(), 'torch threads': torch.get_num_threads(),
            'ISA': torch.backends.cpu.get_cpu_capability(), 'bf16 matmuls': d.bf16, 'C++ compiler (for torch.compile)': d.compiler}
    peaks = {'fp32': measure_cpu_peak(torch.float32), 'tf32': None, 'bf16': measure_cpu_peak(torch.bfloat16) if d.bf16 else None}
    return info, peaks

def phase_env(spec:dict, phase:Phase):
    "Versions and peaks; the peaks go on to the later phases' MFU."
    import torch
    dev = _device(spec)
    info = {'device': str(dev), 'python': platform.python_version(), 'torch': torch.__version__}
    more, peaks = (_cuda_env if dev.type == 'cuda' else _cpu_env)(dev)
    info.update(more)
    source = 'NVIDIA spec, dense (pealm.bench.GPU_PEAK_TFLOPS)' if dev.type == 'cuda' else 'MEASURED, best 2048x2048 matmul'
    for dtype, flops in peaks.items():
        info[f'peak {dtype}'] = f"{flops / 1e12:.3g} TFLOP/s ({source})" if flops else 'n/a'
    if dev.type == 'cuda' and not peaks['bf16']:
        info['peak bf16'] = f"n/a: {info['GPU']} is not in pealm.bench.GPU_PEAK_TFLOPS, so MFU is n/a"
    phase.update(result=dict(info=info, peak_flops=peaks, device_type=dev.type), markdown=_table(info.items()))

# Phase 2: bench.

def phase_bench(spec:dict, phase:Phase) -> str|None:
    "pealm.bench.run_benchmark, as scripts/bench_train.py runs it, plus its DDP row on one rank."
    from pealm.bench import run_benchmark
    from scripts.bench_train import plot_results, report_markdown, run_ddp
    s, progress = SIZES[spec['size']], []
    def log(line):
        "Keep run_benchmark's line for each row, also if the phase is stopped."
        progress.append(line); phase.update(result=dict(progress=progress))
    model = 'gpt2' if spec['size'] == 'full' else dict(s['model'], batch_size=s['batch_size'], block_size=s['block_size'])
    report = run_benchmark(model, spec['device'], s['batch_size'], s['block_size'], s['bench_steps'], s['bench_warmup'],
                           s['bench_rows'], ddp=1, run_ddp=run_ddp, log=log)
    rows = [asdict(r) for r in report.results]
    for r in rows:
        r['mfu'] = r['tokens_per_s'] * report.flops_per_token / r['peak_flops'] if r['tokens_per_s'] and r['peak_flops'] else None
    try: plot_results(report.results, Path(spec['out'])/'bench.png', report.caption)
    except Exception as e: progress.append(f"no plot: {_first_line(e)}") # matplotlib missing: the table is what matters
    result = dict(rows=rows, flops_per_token=report.flops_per_token, progress=progress)
    phase.update(result=result, markdown=report_markdown(report))
    failed = [r for r in report.results if r.note.startswith('failed')]
    if failed: return f"{len(failed)} row(s) failed; {failed[0].row}: {failed[0].note}"

# Phase 3: train.

def _make_shards(dest:Path, tokens_per_step:int) -> dict:
    "Tiny Shakespeare as GPT-2 token shards: the last 10% the validation shard, the rest repeated to hold two steps."
    import numpy as np
    from pealm.data import load_text, train_val_split
    from pealm.shards import write_shard
    from pealm.tokenizers import GPT2Tokenizer
    ids = np.array(GPT2Tokenizer().encode(load_text()), dtype=np.int64)
    train, val = train_val_split(ids)
    repeats = -(-(2 * tokens_per_step + 1) // len(train)) # a shard must hold one global batch; 2**19 is more than the text
    write_shard(dest/'shakespeare_val_000000.npy', val)
    write_shard(dest/'shakespeare_train_000001.npy', np.tile(train, repeats))
    return dict(tokens=len(ids), train_tokens=len(train), repeats=repeats, val_tokens=len(val))

def _train_cmd(spec:dict, shards:Path, runs:Path, steps:int, resume:Path|None=None) -> list[str]:
    "The torchrun command line of the first run, or of its resumption (which takes only the flags a resume allows)."
    s = SIZES[spec['size']]
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=1', '-m', 'pealm', 'train', 'gpt2',
           '--input', str(shards), '--steps', str(steps), '--device', spec['device'], '--no-progress']
    if '--compile' in s['train_flags']: cmd.append('--compile') # a resume keeps compile only when asked again
    if resume is not None: return cmd + ['--resume', str(resume)]
    model = [] if spec['size'] == 'full' else [f"--{k.replace('_', '-')}={v}" for k, v in s['model'].items()]
    return cmd + model + [f"--micro-batch-size={s['batch_size']}", f"--block-size={s['block_size']}",
                          f"--total-batch-size={s['total_batch']}", f"--save-every={s['save_every']}",
                          f"--eval-every={s['save_every']}", '--eval-batches=8', '--log-every=1', '--out', str(runs),
                          *[f for f in s['train_flags'] if f != '--compile']]

def _wait_for_checkpoint(proc:subprocess.Popen, runs:Path, log:Path, deadline:float) -> Path:
    "Poll until the run under `runs` has written ckpt.pt; its run directory. An error when the run ends or time is up first."
    while time.time() < deadline:
        found = sorted(runs.glob('gpt2/*/ckpt.pt')) # written atomically: once it is there, it is whole
        if found: return found[0].parent
        if proc.poll() is not None:
            raise RuntimeError(f"the first run exited ({proc.returncode}) before its first checkpoint: {_error_line(log.read_text())}")
        time.sleep(0.2)
    raise TimeoutError(f"no checkpoint before the phase's deadline; last line: {_error_line(log.read_text())}")

def _checkpoint_step(run_dir:Path) -> int:
    "The step of the run's ckpt.pt, read through a memory map (the weights and Adam's moments stay on disk)."
    import torch
    return torch.load(run_dir/'ckpt.pt', map_location='cpu', weights_only=True, mmap=True)['step']

def _metrics(run_dir:Path) -> list[dict]:
    "The records of the run's metrics.jsonl, less a line that a kill tore in half."
    records = []
    for line in (run_dir/'metrics.jsonl').read_text().splitlines():
        try: records.append(json.loads(line))
        except json.JSONDecodeError: pass
    return records

def _step_seconds(records:list, tokens_per_step:int) -> float:
    "Seconds per step, from the logged tokens/s of every step but the first (which compiles)."
    tps = [r['tokens_per_s'] for r in records if r.get('tokens_per_s')]
    return tokens_per_step / statistics.median(tps[1:] or tps)

def _first_run(spec:dict, shards:Path, runs:Path, work:Path) -> dict:
    "Start the run, wait for its first checkpoint, then SIGKILL torchrun's group and its workers: a crash."
    log, t0 = work/'logs'/'train_first.log', time.time()
    proc = _launch(_train_cmd(spec, shards, runs, SIZES[spec['size']]['train_steps']), log)
    try: run_dir = _wait_for_checkpoint(proc, runs, log, spec['deadline'])
    finally: alive = proc.poll() is None; _kill_tree(proc)
    if not alive: raise RuntimeError(f"the first run finished (exit {proc.returncode}) before it could be killed")
    records, seconds = _metrics(run_dir), time.time() - t0
    return dict(run_dir=run_dir, seconds=seconds, killed_after_step=max(r['step'] for r in records), ckpt_step=_checkpoint_step(run_dir),
                tokens_per_s=SIZES[spec['size']]['total_batch'] / _step_seconds(records, SIZES[spec['size']]['total_batch']), records=records)

def _stop_when_due(proc:subprocess.Popen, run_dir:Path, from_step:int, stop_at:float, deadline:float) -> float|None:
    "Wait for the run to end; after `stop_at`, once it has trained past `from_step`, Ctrl-C it. Seconds left then, or None."
    while proc.poll() is None and time.time() < deadline:
        if time.time() >= stop_at and any(r['step'] > from_step for r in _metrics(run_dir)):
            for pid in _children(proc.pid): # torchrun's workers: pealm's trainer finishes the step, saves and returns
                try: os.kill(pid, signal.SIGINT)
                except ProcessLookupError: pass
            return deadline - time.time()
        time.sleep(0.5)
    return None

def _resumed_run(spec:dict, first:dict, shards:Path, runs:Path, work:Path) -> dict:
    "Continue the killed run with --resume, to the target or until the deadline nears; then SIGINT stops it cleanly."
    s = SIZES[spec['size']]
    step_s = _step_seconds(first['records'], s['total_batch'])
    stop_at = spec['deadline'] - (20 + 3 * step_s) # time to end the step, write ckpt.pt, plot and exit: 15 s on a busy CPU
    log, t0 = work/'logs'/'train_resume.log', time.time()
    proc = _launch(_train_cmd(spec, shards, runs, s['train_steps'], resume=first['run_dir']), log)
    left = _stop_when_due(proc, first['run_dir'], first['ckpt_step'], stop_at, spec['deadline'])
    try: proc.wait(timeout=max(1.0, spec['deadline'] - time.time()))
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        why = f"did not exit within {left:.0f} s of its Ctrl-C" if left is not None else "trained no step"
        raise TimeoutError(f"the resumed run {why} before the phase's deadline (give more --budget-s); "
                           f"last line: {_error_line(log.read_text())}") from None
    text = log.read_text()
    if proc.returncode: raise RuntimeError(f"the resumed run exited with {proc.returncode}: {_error_line(text)}")
    m = re.search(r"pealm train: step (\d+), val loss ([\d.]+) \(best [\d.]+\), ([\d,]+) tokens/s", text)
    if not m: raise RuntimeError(f"the resumed run printed no result line: {_error_line(text)}")
    return dict(interrupted=left is not None, seconds=time.time() - t0, step=int(m[1]), val_loss=float(m[2]),
                tokens_per_s=float(m[3].replace(',', '')), ckpt_step=_checkpoint_step(first['run_dir']),
                records=_metrics(first['run_dir']))

def _train_checks(first:dict, resumed:dict) -> list[str]:
    "What is wrong with the two runs together: the resume, the steps logged, the loss."
    problems, records = [], resumed['records']
    steps = [r['step'] for r in records]
    if steps != sorted(set(steps)): problems.append("metrics.jsonl has repeated or unordered steps after the resume")
    if not resumed['step'] > first['ckpt_step']: problems.append(f"the resumed run did not get past step {first['ckpt_step']}")
    if resumed['ckpt_step'] != resumed['step']: problems.append(f"ckpt.pt is at step {resumed['ckpt_step']}, the run ended at {resumed['step']}")
    if steps[-1:] != [resumed['step']]: problems.append(f"metrics.jsonl ends at step {steps[-1:]}, the run at {resumed['step']}")
    train = [r['train_loss'] for r in records if r.get('train_loss') is not None]
    val = [r['val_loss'] for r in records if r.get('val_loss') is not None]
    if len(train) < 2 or not train[-1] < train[0]: problems.append(f"the training loss did not fall: {train[:1]} -> {train[-1:]}")
    if len(val) < 2 or not val[-1] < val[0]: problems.append(f"the validation loss did not fall: {val[:1]} -> {val[-1:]}")
    return problems

def _train_markdown(spec:dict, data:dict, first:dict, resumed:dict, result:dict) -> str:
    "The train phase's table."
    s = SIZES[spec['size']]
    records = resumed['records']
    train = [(r['step'], r['train_loss']) for r in records if r.get('train_loss') is not None]
    val = [(r['step'], r['val_loss']) for r in records if r.get('val_loss') is not None]
    mfu = f"{result['mfu']:.1%} of {result['peak_flops'] / 1e12:.3g} TFLOP/s ({result['dtype']})" if result['mfu'] else 'n/a (no peak)'
    rows = [('command', f"`{' '.join(result['command'][2:])}`"),
            ('data', f"Tiny Shakespeare, {data['tokens']:,} GPT-2 tokens: training shard {data['train_tokens']:,} x {data['repeats']}, "
                     f"validation {data['val_tokens']:,}"),
            ('tokens per step', f"{s['total_batch']:,} = {s['batch_size']} x {s['block_size']} x {s['total_batch'] // (s['batch_size'] * s['block_size'])} micro-batches"),
            ('first run', f"SIGKILLed at step {first['killed_after_step']}, {first['seconds']:.0f} s after launch; ckpt.pt at step {first['ckpt_step']}"),
            ('resumed', f"--resume, step {first['ckpt_step']} -> {resumed['step']} of {s['train_steps']} in {resumed['seconds']:.0f} s" +
                        (", then Ctrl-C (SIGINT to the worker) to fit the budget: it saved ckpt.pt and exited 0" if resumed['interrupted'] else "")),
            ('train loss', f"{train[0][1]:.3f} (step {train[0][0]}) -> {train[-1][1]:.3f} (step {train[-1][0]})"),
            ('val loss', f"{val[0][1]:.3f} (step {val[0][0]}) -> {val[-1][1]:.3f} (step {val[-1][0]})"),
            ('tokens/s', f"{resumed['tokens_per_s']:,.0f} (the resumed run, its first step excluded; the first run: "
                         f"{first['tokens_per_s']:,.0f}, the median step after its first)"), ('MFU', mfu),
            ('NCCL', "not here: with one rank pealm's trainer makes no process group; the bench phase's DDP row is the NCCL check")]
    return _table(rows)

def phase_train(spec:dict, phase:Phase) -> str|None:
    "The full recipe under torchrun on one process: shards, a run killed after its first checkpoint, the resume."
    import shutil
    s, work, dev = SIZES[spec['size']], Path(spec['work']), _device(spec) # a wrong --device fails here, not in torchrun
    shards, runs = work/'shards', work/'runs'
    shutil.rmtree(shards, ignore_errors=True); shutil.rmtree(runs, ignore_errors=True) # a rerun starts clean
    data = _make_shards(shards, s['total_batch'])
    phase.update(result=dict(data=data))
    first = _first_run(spec, shards, runs, work)
    phase.update(result=dict(data=data, first={k: v for k, v in first.items() if k != 'records'}))
    resumed = _resumed_run(spec, first, shards, runs, work)
    dtype = 'bf16' if dev.type == 'cuda' else 'fp32' # pealm train's dtype 'auto': bf16 autocast on a GPU that has it
    peak = _peak(spec, dev, dtype)
    mfu = resumed['tokens_per_s'] * _flops_per_token(spec) / peak if peak else None
    result = dict(data=data, first={k: v for k, v in first.items() if k != 'records'}, resumed=resumed, dtype=dtype,
                  peak_flops=peak, mfu=mfu, tokens_per_s=resumed['tokens_per_s'], command=_train_cmd(spec, shards, runs, s['train_steps']))
    if (first['run_dir']/'loss.png').is_file(): shutil.copyfile(first['run_dir']/'loss.png', Path(spec['out'])/'train_loss.png')
    phase.update(result=result, markdown=_train_markdown(spec, data, first, resumed, result))
    problems = _train_checks(first, resumed)
    if problems: return "; ".join(problems)

# Phase 4: sample.

def _hf_generate(model, prompt, new_tokens:int, dev) -> tuple:
    "transformers' greedy `generate` on `model`'s very weights (through save_pretrained): tokens, seconds, version."
    import tempfile, transformers
    from transformers import GPT2LMHeadModel
    transformers.logging.set_verbosity_error(); transformers.logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        hf = GPT2LMHeadModel.from_pretrained(tmp).to(dev).eval()
    hf.generation_config.update(eos_token_id=None, pad_token_id=0) # always generate every token
    gen = lambda k: hf.generate(prompt, attention_mask=prompt.new_ones(prompt.shape), max_new_tokens=k, do_sample=False)
    gen(2) # warm up
    out, dt = _timed(lambda: gen(new_tokens), dev)
    return out, dt, transformers.__version__

def _first_difference(a, b, prompt_len:int) -> str:
    "Where two token rows first differ, as a new-token index ('' when they are equal)."
    import torch
    n = min(a.size(1), b.size(1))
    if torch.equal(a[:, :n], b[:, :n]): return ''
    return f"new token {int((a[:, :n] != b[:, :n]).int().argmax()) - prompt_len}"

def phase_sample(spec:dict, phase:Phase) -> str|None:
    "Greedy tokens/s of pealm with and without its KV cache, and of transformers' generate, on the same random weights."
    import torch
    s, dev = SIZES[spec['size']], _device(spec)
    model, long, short = _gpt(spec, dev), s['sample_tokens'], s['no_cache_tokens']
    prompt = torch.randint(0, VOCAB_SIZE, (1, 10), generator=torch.Generator().manual_seed(0)).to(dev)
    model.generate(prompt, 2, top_k=1); model.generate(prompt, 2, top_k=1, use_cache=False) # warm up
    no_cache, t_no = _timed(lambda: model.generate(prompt, short, top_k=1, use_cache=False), dev)
    cached, t_cache = _timed(lambda: model.generate(prompt, long, top_k=1), dev)
    rows, problems = [('pealm, no cache', short, t_no), ('pealm, KV cache', long, t_cache)], []
    if where := _first_difference(no_cache, cached, prompt.size(1)): problems.append(f"the KV cache changed the tokens at {where}")
    try:
        from pealm.decode import compile_decoding
        compile_decoding(model)
        model.generate(prompt, 3, top_k=1) # compiles
        compiled, t_compiled = _timed(lambda: model.generate(prompt, long, top_k=1), dev)
        del model.next_logits
        rows.append(('pealm, KV cache, compiled decoding (lesson 15a)', long, t_compiled))
        if where := _first_difference(compiled, cached, prompt.size(1)): problems.append(f"compiled decoding changed the tokens at {where}")
    except Exception as e: problems.append(f"compiled decoding failed: {_first_line(e)}")
    try:
        hf_out, t_hf, version = _hf_generate(model, prompt, long, dev)
        rows.append((f"transformers {version} generate (its cache)", long, t_hf))
        if where := _first_difference(hf_out, cached, prompt.size(1)): problems.append(f"transformers' tokens differ at {where}")
    except ImportError as e: problems.append(f"no transformers to compare with ({_first_line(e)})")
    base = short / t_no
    table = _table([(m, k, f"{dt:.2f}", f"{k / dt:,.1f}", f"{k / dt / base:.1f}x") for m, k, dt in rows],
                   ('method', 'new tokens', 'seconds', 'tokens/s', 'speedup vs no cache'))
    same = 'identical' if not problems else '; '.join(problems)
    md = (f"{model.n_params():,} parameters, random weights (seed 0), fp32 on {dev}, prompt of 10 tokens, greedy. "
          f"Tokens: {same}.\n\n{table}")
    phase.update(result=dict(rows=[dict(method=m, new_tokens=k, seconds=dt, tokens_per_s=k / dt) for m, k, dt in rows],
                             identical=not problems), markdown=md)
    if problems: return '; '.join(problems)

# Phase 5: hellaswag.

def phase_hellaswag(spec:dict, phase:Phase):
    "examples/s of evaluate_hellaswag, fp32 as `pealm eval` runs it, on random weights (accuracy is chance: ~0.25)."
    from pealm.eval import evaluate_hellaswag, hellaswag_path
    from pealm.tokenizers import GPT2Tokenizer
    s, dev = SIZES[spec['size']], _device(spec)
    try: path = hellaswag_path()
    except FileNotFoundError as e: raise Skip(str(e)) from None
    model, tokenizer = _gpt(spec, dev), GPT2Tokenizer()
    evaluate_hellaswag(model, tokenizer, path, limit=s['hellaswag_batch'], batch_size=s['hellaswag_batch'], device=dev, progress=False) # warm up
    r, dt = _timed(lambda: evaluate_hellaswag(model, tokenizer, path, limit=s['hellaswag_limit'], batch_size=s['hellaswag_batch'],
                                              device=dev, progress=False), dev)
    result = dict(r, seconds=dt, examples_per_s=r['n'] / dt, batch_size=s['hellaswag_batch'], path=str(path))
    rows = [('examples', r['n']), ('batch', f"{s['hellaswag_batch']} examples (x4 endings)"), ('seconds', f"{dt:.2f}"),
            ('examples/s', f"{r['n'] / dt:,.1f}"), ('acc / acc_norm', f"{r['acc']:.3f} / {r['acc_norm']:.3f} (random weights: chance)")]
    phase.update(result=result, markdown=f"{model.n_params():,} parameters, fp32 on {dev}, {path.name}.\n\n" + _table(rows))

PHASE_FUNCS = dict(env=phase_env, bench=phase_bench, train=phase_train, sample=phase_sample, hellaswag=phase_hellaswag)

# The worker: one phase in this process.

def _worker(name:str, spec:dict) -> int:
    "Run phase `name` and save what it found to spec['phase_file']; the exit status says only whether it crashed."
    phase = Phase(spec['phase_file'])
    phase.update()
    try:
        problem = PHASE_FUNCS[name](spec, phase)
        phase.update(status='failed' if problem else 'ok', reason=problem or '')
    except Skip as e: phase.update(status='skipped', reason=str(e))
    except Exception as e:
        traceback.print_exc()
        phase.update(status='failed', reason=_first_line(e))
    return 0

# The parent: every phase in turn, each in its own process, and the reports.

def run_phase(name:str, spec:dict, timeout:float, work:Path) -> dict:
    "Run one phase in a child process for at most `timeout` seconds; its record (status, reason, seconds, result...)."
    phase_file, log = work/'phases'/f'{name}.json', work/'logs'/f'{name}.log'
    phase_file.unlink(missing_ok=True)
    spec = dict(spec, phase_file=str(phase_file), deadline=time.time() + timeout - 5) # 5 s to report before the kill
    t0 = time.perf_counter()
    proc = _launch([sys.executable, str(Path(__file__).resolve()), '--worker', name, '--spec', json.dumps(spec)], log)
    try: proc.wait(timeout=timeout); stopped = None
    except subprocess.TimeoutExpired: _kill_tree(proc); stopped = f"timed out after {timeout:.0f} s (its share of --budget-s)"
    except KeyboardInterrupt: _kill_tree(proc); stopped = 'interrupted'
    record = json.loads(phase_file.read_text()) if phase_file.is_file() else dict(status='running', reason='', result={}, markdown='')
    if stopped: record.update(status='failed', reason=stopped + (f"; it had: {record['reason']}" if record['reason'] else ''))
    elif record['status'] == 'running':
        record.update(status='failed', reason=f"the phase's process died (exit {proc.returncode}): {_error_line(_tail(log, 200))}")
    record.update(seconds=round(time.perf_counter() - t0, 1), timeout_s=round(timeout, 1), log=str(log))
    if record['status'] == 'failed': # the phase's own log, and those of the processes it started (train_first.log, ...)
        record['log_tail'] = "\n".join(f"==> {f.name}\n{_tail(f)}" for f in [log, *sorted(log.parent.glob(f'{name}_*.log'))] if _tail(f))
    if stopped == 'interrupted': raise KeyboardInterrupt(record)
    return record

def _summary(phases:dict) -> str:
    "'4 ok, 1 failed, 0 skipped'."
    counts = {k: sum(p['status'] == k for p in phases.values()) for k in ('ok', 'failed', 'skipped')}
    return ", ".join(f"{n} {k}" for k, n in counts.items())

def _device_name(report:dict) -> str:
    "The device in words, from the env phase when it ran."
    info = report['phases'].get('env', {}).get('result', {}).get('info', {})
    return info.get('GPU') or info.get('CPU') or report['device']

def write_reports(out:Path, report:dict):
    "report.json (everything) and report.md (the tables, and the log's tail for a failed phase), atomically."
    report['summary'], report['ok'] = _summary(report['phases']), not any(p['status'] == 'failed' for p in report['phases'].values())
    _write_atomic(out/'report.json', json.dumps(report, indent=1, default=str) + "\n")
    lines = [f"# GPU check: {_device_name(report)} ({report['size']}): {report['summary']}", "",
             f"`{report['command']}`, started {report['started']}, {report['wall_s']:.0f} s of a {report['budget_s']:.0f} s budget; "
             f"torch {report['torch']}, pealm at {report['commit']}.", "",
             _table([(f"[{n}](#{n})", p['status'], p.get('seconds', ''), p.get('timeout_s', ''), p['reason'].replace('|', '/'))
                     for n, p in report['phases'].items()], ('phase', 'status', 'seconds', 'timeout (s)', 'reason'))]
    for name, p in report['phases'].items():
        if p['status'] == 'pending' or not (p.get('markdown') or p.get('log_tail') or p.get('result')): continue
        lines += ["", f"## {name}", "", f"{PHASES[name][0]}: **{p['status']}**" + (f" ({p['reason']})" if p['reason'] else ''), ""]
        if p.get('markdown'): lines += [p['markdown']]
        elif p.get('result', {}).get('progress'): lines += ["```", *p['result']['progress'], "```"]
        if p.get('log_tail'): lines += ["", f"The end of its logs (in {Path(p['log']).parent}):", "", "```", p['log_tail'], "```"]
    _write_atomic(out/'report.md', "\n".join(lines) + "\n")

def _commit() -> str:
    "The checkout's commit, where git and .git are there ('unknown' on a copy without them)."
    try: r = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True, cwd=REPO, timeout=10)
    except (OSError, subprocess.TimeoutExpired): return 'unknown'
    return r.stdout.strip() if r.returncode == 0 else 'unknown'

def _parse(argv) -> argparse.Namespace:
    "The command line, checked: one line and exit status 2 for a mistake."
    p = argparse.ArgumentParser(prog='gpu_check.py', description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    p.add_argument('--device', default='auto', help="auto (cuda when there is one), cpu, cuda or cuda:N (default: auto)")
    p.add_argument('--tiny', action='store_true', help="a 2-layer, 64-wide GPT, short sequences, few steps and examples (CPU, CI)")
    p.add_argument('--out', default='runs/gpu_check', help="where report.md, report.json and the plots go (default: runs/gpu_check)")
    p.add_argument('--work', help="shards, runs and logs (default: OUT/work); on the device machine, outside $OUT")
    p.add_argument('--phases', nargs='+', metavar='PHASE', help=f"some of {', '.join(PHASES)} (default: all, in that order)")
    p.add_argument('--budget-s', type=float, help="seconds for all the phases together (default: 450, or 600 with --tiny: a shared CPU is slow)")
    p.add_argument('--worker', help=argparse.SUPPRESS) # one phase, in a child process
    p.add_argument('--spec', help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if not re.fullmatch(r'auto|cpu|cuda(:\d+)?', args.device): p.error(f"--device {args.device!r}: use auto, cpu, cuda or cuda:N")
    phases = [x for item in args.phases or PHASES for x in item.split(',') if x]
    if bad := [x for x in phases if x not in PHASES]: p.error(f"unknown phase {bad[0]!r}: use some of {', '.join(PHASES)}")
    args.phases = [x for x in PHASES if x in phases]
    if args.budget_s is not None and not args.budget_s > 0: p.error(f"--budget-s must be > 0, got {args.budget_s}")
    args.budget_s = args.budget_s or (600.0 if args.tiny else 450.0)
    return args

def _new_report(args, argv) -> dict:
    "The report before any phase has run: every phase pending, or skipped when --phases leaves it out."
    import importlib.metadata
    try: torch_version = importlib.metadata.version('torch')
    except importlib.metadata.PackageNotFoundError: torch_version = 'not installed'
    phases = {n: dict(status='pending' if n in args.phases else 'skipped', reason='' if n in args.phases else 'not in --phases',
                      result={}, markdown='') for n in PHASES}
    return dict(command=' '.join(['python scripts/gpu_check.py', *argv]), started=time.strftime('%Y-%m-%d %H:%M:%S'),
                device=args.device, size='tiny' if args.tiny else 'full', budget_s=args.budget_s, wall_s=0.0,
                torch=torch_version, commit=_commit(), python=sys.executable, phases=phases)

def _stop_on_sigterm(signum, frame):
    "SIGTERM (a `timeout` around this command): stop like Ctrl-C, so the phase's processes are killed and the reports written."
    raise KeyboardInterrupt

def main(argv=None) -> int:
    "Run the selected phases in turn, each in its own process; exit status 1 when one failed."
    argv = sys.argv[1:] if argv is None else argv
    args = _parse(argv)
    if args.worker: return _worker(args.worker, json.loads(args.spec))
    out = Path(args.out).resolve(); work = Path(args.work).resolve() if args.work else out/'work'
    for d in (out, work/'logs', work/'phases'): d.mkdir(parents=True, exist_ok=True)
    os.environ['PYTHONPATH'] = os.pathsep.join(filter(None, [str(REPO), os.environ.get('PYTHONPATH')])) # for every child
    os.environ.setdefault('PYTHONUNBUFFERED', '1') # logs as they happen, also of a process that is killed
    spec = dict(device=args.device, size='tiny' if args.tiny else 'full', out=str(out), work=str(work))
    report, t0 = _new_report(args, argv), time.perf_counter()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    write_reports(out, report)
    try:
        for i, name in enumerate(args.phases):
            left = args.budget_s - (time.perf_counter() - t0)
            share = left * PHASES[name][1] / sum(PHASES[n][1] for n in args.phases[i:])
            timeout = min(left, max(share, MIN_PHASE_S))
            if left < MIN_PHASE_S: record = dict(status='skipped', reason='the budget ran out', result={}, markdown='')
            else: record = run_phase(name, spec, timeout, work)
            if name == 'env' and record['status'] == 'ok': spec['peak_flops'] = record['result']['peak_flops']
            report['phases'][name], report['wall_s'] = record, time.perf_counter() - t0
            write_reports(out, report)
            print(f"{name}: {record['status']} ({record.get('seconds', 0):.0f} s)" + (f": {record['reason']}" if record['reason'] else ''), flush=True)
    except KeyboardInterrupt as e:
        if e.args and isinstance(e.args[0], dict): report['phases'][name] = e.args[0]
        report['wall_s'] = time.perf_counter() - t0
        write_reports(out, report)
        print(f"gpu_check.py: interrupted; reports in {out}", file=sys.stderr)
        return 130
    print(f"{report['summary']} in {report['wall_s']:.0f} s; {out/'report.md'}")
    return 0 if report['ok'] else 1

if __name__ == '__main__': sys.exit(main())

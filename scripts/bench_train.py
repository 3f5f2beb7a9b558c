"""Training speed of GPT-2, one speed-up at a time: fp32, TF32, bf16, torch.compile, flash attention,
vocab 50,304, fused AdamW, then DDP. Each row keeps the speed-ups above it. Prints a markdown table (tokens/s,
speedup, MFU).

    python scripts/bench_train.py                     # CPU: the tiny model; a GPU: GPT-2 124M, B=16, T=1024
    python scripts/bench_train.py --rows fp32 flash vocab fused --steps 3      # a subset (here: no compile)
    python scripts/bench_train.py --device cuda --ddp 8 --out-md gpu.md --plot gpu.png

The measuring is `pealm.bench` (nbs/20_benchmarks.ipynb); this file renders it (the table, the plot) and
runs the DDP row: it starts itself under `torchrun --standalone --nproc_per_node=N` with a hidden
`--worker SPEC` argument, and each rank times `pealm.bench.time_row(..., ddp=True)`.
A mistake prints one line and exits 2.
"""
import argparse, json, os, re, subprocess, sys, warnings
from pathlib import Path
import torch
from pealm.data import PealmError
from pealm.cli import _Parser # one-line argparse errors, as `pealm` gives them
from pealm.bench import MODELS, ROWS, RowResult, Speedups, measure_cpu_peak, mfu, run_benchmark, time_row

SCRIPT = Path(__file__).resolve()

# The table and the plot.

def format_table(
    results:list[RowResult], # the rows, in order
    flops_per_token:float,   # F of the unpadded model: the useful work per token
    peak_source:str='',      # where the peaks come from, for the header
) -> str:
    "A markdown table: tokens/s, speedup over the first measured row, MFU, the peak used, notes."
    base = next((r.tokens_per_s for r in results if r.tokens_per_s), None)
    lines = [f"| # | configuration | tokens/s | speedup | MFU | peak TFLOP/s{peak_source} | notes |",
             "| ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        num = list(ROWS).index(r.row) + 1 if r.row in ROWS else r.row.upper()
        if r.tokens_per_s is None: cells = ['n/a', 'n/a', 'n/a', 'n/a']
        else: cells = [f"{r.tokens_per_s:,.0f}", f"{r.tokens_per_s / base:.2f}x",
                       f"{mfu(r.tokens_per_s, flops_per_token, r.peak_flops):.1%}" if r.peak_flops else 'n/a',
                       f"{r.peak_flops / 1e12:.3g}" if r.peak_flops else 'n/a']
        lines.append(f"| {num} | {r.label} | " + " | ".join(cells) + f" | {r.note} |")
    return "\n".join(lines)

def report_markdown(report) -> str:
    "A `pealm.bench.Report` as markdown: its title, then its table."
    return report.title + "\n\n" + format_table(report.results, report.flops_per_token, report.peak_source)

def plot_results(
    results:list[RowResult], # the rows, in order
    path=None,               # where to save a PNG; None: only return the figure
    title:str='',            # above the bars
):
    "A horizontal bar chart of tokens/s per row; n/a rows are labelled n/a."
    from matplotlib.figure import Figure # a bare Figure: saving a file never touches a notebook's backend
    fig = Figure(figsize=(8, 0.5 * len(results) + 1.2), layout='constrained')
    ax = fig.subplots()
    labels = [r.label.split(':')[0] for r in results][::-1]
    values = [r.tokens_per_s or 0 for r in results][::-1]
    colors = ['tab:gray' if r.row == 'ddp' else 'tab:blue' for r in results][::-1]
    bars = ax.barh(labels, values, color=colors)
    ax.bar_label(bars, [f"{v:,.0f}" if v else "n/a" for v in values], padding=3)
    ax.set_xlabel('tokens/s')
    ax.set_xlim(0, max(values + [1]) * 1.2)
    if title: ax.set_title(title, fontsize=9)
    if path: fig.savefig(path, dpi=100)
    return fig

# The DDP row: this script under torchrun, a `ddp_worker` per rank; rank 0 prints its result on a tagged line.

_TAG = 'PEALM_BENCH_RESULT '

def ddp_command(
    script,     # a file that runs `ddp_worker(json.loads(SPEC))` when called with `--worker SPEC`
    nproc:int,  # ranks
    spec:dict,  # what to time: see `ddp_worker`
) -> list[str]:
    "The torchrun command line that runs `script --worker SPEC` on `nproc` ranks of this machine."
    return [sys.executable, '-m', 'torch.distributed.run', '--standalone', f'--nproc_per_node={nproc}',
            str(script), '--worker', json.dumps(spec)]

def ddp_worker(
    spec:dict, # speedups (a dict of Speedups), model_args, batch_size, block_size, steps, warmup, device,
               # seed, threads, peak_flops (of one rank; None on a CPU: measured)
):
    "One torchrun rank: time `spec`'s configuration under DDP; rank 0 prints the result as one JSON line."
    import torch.distributed as dist
    cuda = spec['device'] == 'cuda'
    device = torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0))) if cuda else torch.device('cpu')
    if cuda: torch.cuda.set_device(device)
    if spec.get('threads'): torch.set_num_threads(spec['threads'])
    dist.init_process_group('nccl' if cuda else 'gloo') # also for one rank: DDP needs a process group
    try:
        speedups, world = Speedups(**spec['speedups']), dist.get_world_size()
        peak = spec.get('peak_flops') # per rank; on a CPU every rank measures its own, all at once
        if peak is None and not cuda:
            dist.barrier()
            peak = measure_cpu_peak(torch.bfloat16 if speedups.bf16 else torch.float32)
        t = time_row(speedups, spec['model_args'], spec['batch_size'], spec['block_size'], spec['steps'],
                     spec['warmup'], device, spec['seed'], ddp=True)
        result = dict(world=world, backend=dist.get_backend(), threads=torch.get_num_threads(),
                      tokens_per_s=t.tokens_per_s * world, peak_flops=peak and peak * world,
                      first_s=t.first_s, loss=t.losses[-1])
        if dist.get_rank() == 0: print(_TAG + json.dumps(result), flush=True)
    finally: dist.destroy_process_group()

def run_ddp(
    nproc:int,               # ranks
    spec:dict,               # what to time: see `ddp_worker`
    timeout:float|None=None, # seconds before giving up
    script=SCRIPT,           # the file torchrun starts: this one
) -> dict:
    "Run `ddp_command` and return rank 0's result; PealmError with the failing line when it does not finish."
    env = dict(os.environ, OMP_NUM_THREADS=str(spec.get('threads') or 1))
    command = ddp_command(script, nproc, spec)
    r = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)
    for line in r.stdout.splitlines():
        if _TAG in line: return json.loads(line.split(_TAG, 1)[1])
    out = [re.sub(r'^\[rank\d+\]:\s*', '', l).strip() for l in (r.stderr + r.stdout).splitlines()]
    errors = [l for l in out if re.match(r'[\w.]*(Error|Exception)\b', l) and 'ChildFailedError' not in l]
    # the first rank's error, or the last line
    last = (errors[:1] or [l for l in out if l][-1:] or ['no output'])[0]
    raise PealmError(f"torchrun with {nproc} ranks failed (exit {r.returncode}): {last}")

# The command line.

def main(argv=None) -> int:
    # the bench turns the compile caches off on purpose
    warnings.filterwarnings("ignore", message="dynamo_pgo force disabled")
    p = _Parser(prog="bench_train.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--model", choices=list(MODELS), help="default: gpt2 on a GPU, tiny on a CPU")
    p.add_argument("--batch-size", type=int, help="B sequences per step and process (default: the model's)")
    p.add_argument("--block-size", type=int, help="T tokens per sequence (default: the model's)")
    p.add_argument("--steps", type=int, help="timed steps per row (default: 20 on a GPU, 5 on a CPU)")
    p.add_argument("--warmup", type=int, help="untimed steps first (default: 5 on a GPU, 2 on a CPU)")
    p.add_argument("--rows", nargs="+", metavar="ROW",
                   help=f"rows to run, of {', '.join(ROWS)} (default: all; fp32 always)")
    p.add_argument("--ddp", type=int, default=0, metavar="N",
                   help="add a DDP row with N ranks (default: 0, none)")
    p.add_argument("--peak-tflops", type=float,
                   help="peak TFLOP/s of one device for MFU (default: spec table or measured)")
    p.add_argument("--threads", type=int, help="torch threads per process (default: torch's; 1 per DDP rank)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the random batches")
    p.add_argument("--out-md", metavar="FILE", help="also write the table to this markdown file")
    p.add_argument("--plot", metavar="FILE", default="bench_train.png",
                   help="bar plot of tokens/s ('' for none)")
    p.add_argument("--worker", help=argparse.SUPPRESS) # one torchrun rank of the DDP row
    args = p.parse_args(argv)
    if args.worker:
        ddp_worker(json.loads(args.worker))
        return 0
    rows = [r for item in args.rows for r in item.split(",") if r] if args.rows else None
    log = lambda line: print(line, file=sys.stderr, flush=True)
    try:
        report = run_benchmark(args.model, args.device, args.batch_size, args.block_size, args.steps,
                               args.warmup, rows, args.ddp, args.peak_tflops, args.threads,
                               run_ddp=run_ddp, seed=args.seed, log=log)
    except (PealmError, FileNotFoundError) as e:
        print(f"bench_train.py: {e}", file=sys.stderr)
        return 2
    md = report_markdown(report)
    print(md)
    if args.out_md: Path(args.out_md).write_text(md + "\n")
    if args.plot:
        plot_results(report.results, args.plot, report.caption)
        log(f"plot: {args.plot}")
    return 0

if __name__ == "__main__": sys.exit(main())

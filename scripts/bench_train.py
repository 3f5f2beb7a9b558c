"""Training speed of GPT-2, one speed-up at a time: fp32, TF32, bf16, torch.compile, flash attention, vocab 50,304,
fused AdamW, then DDP. Each row keeps the speed-ups above it. Prints a markdown table (tokens/s, speedup, MFU).

    python scripts/bench_train.py                               # CPU: the tiny model; a GPU: GPT-2 124M, B=16, T=1024
    python scripts/bench_train.py --rows fp32 flash vocab fused --steps 3      # a subset (here: no compile)
    python scripts/bench_train.py --device cuda --ddp 8 --out-md gpu.md --plot gpu.png

The work is done by `pealm.bench` (nbs/20_benchmarks.ipynb). For the DDP row the script starts itself under
`torchrun --standalone --nproc_per_node=N` with a hidden `--worker SPEC` argument. A mistake prints one line and exits 2.
"""
import argparse, json, sys, warnings
from pathlib import Path
from pealm.data import PealmError
from pealm.bench import MODELS, ROWS, ddp_worker, plot_results, run_benchmark

def main(argv=None) -> int:
    warnings.filterwarnings("ignore", message="dynamo_pgo force disabled") # the bench turns the compile caches off on purpose
    p = argparse.ArgumentParser(prog="bench_train.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--model", choices=list(MODELS), help="default: gpt2 on a GPU, tiny on a CPU")
    p.add_argument("--batch-size", type=int, help="B sequences per step and process (default: the model's)")
    p.add_argument("--block-size", type=int, help="T tokens per sequence (default: the model's)")
    p.add_argument("--steps", type=int, help="timed steps per row (default: 20 on a GPU, 5 on a CPU)")
    p.add_argument("--warmup", type=int, help="untimed steps first (default: 5 on a GPU, 2 on a CPU)")
    p.add_argument("--rows", nargs="+", metavar="ROW", help=f"rows to run, of {', '.join(ROWS)} (default: all; fp32 always)")
    p.add_argument("--ddp", type=int, default=0, metavar="N", help="add a DDP row with N ranks (default: 0, none)")
    p.add_argument("--peak-tflops", type=float, help="peak TFLOP/s of one device for MFU (default: spec table or measured)")
    p.add_argument("--threads", type=int, help="torch threads per process (default: torch's; 1 per DDP rank)")
    p.add_argument("--seed", type=int, default=0, help="seeds the weights and the random batches")
    p.add_argument("--out-md", metavar="FILE", help="also write the table to this markdown file")
    p.add_argument("--plot", metavar="FILE", default="bench_train.png", help="bar plot of tokens/s ('' for none)")
    p.add_argument("--worker", help=argparse.SUPPRESS) # one torchrun rank of the DDP row
    args = p.parse_args(argv)
    if args.worker:
        ddp_worker(json.loads(args.worker))
        return 0
    rows = [r for item in args.rows for r in item.split(",") if r] if args.rows else None
    log = lambda line: print(line, file=sys.stderr, flush=True)
    try:
        report = run_benchmark(args.model, args.device, args.batch_size, args.block_size, args.steps, args.warmup, rows,
                               args.ddp, args.peak_tflops, args.threads, Path(__file__).resolve(), args.seed, log)
    except (PealmError, FileNotFoundError) as e:
        print(f"bench_train.py: {e}", file=sys.stderr)
        return 2
    md = report.markdown()
    print(md)
    if args.out_md: Path(args.out_md).write_text(md + "\n")
    if args.plot:
        plot_results(report.results, args.plot, report.caption)
        log(f"plot: {args.plot}")
    return 0

if __name__ == "__main__": sys.exit(main())

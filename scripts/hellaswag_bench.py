"""HellaSwag speed on this CPU: pealm's evaluate_hellaswag before and after issue 13, and lm-evaluation-harness.

    python scripts/hellaswag_bench.py --repeat 3 --lm-eval-python ../lmeval-venv/bin/python   # prints a markdown table

The model is GPT-2 124M's architecture with random weights (seed 0; the time does not depend on them), in float32,
on the first --limit validation examples, all with the same number of threads. Rows:
- pealm old: `evaluate_hellaswag` as of --old-commit (build-nanogpt's completion style only: 4 rows per example,
  batches of --old-batch-size examples padded to the longest row, the head computed at every position), read with
  `git show`;
- pealm new: `evaluate_hellaswag` now, both styles (the harness's and build-nanogpt's: 8 requests per example),
  contexts shared through the KV cache, rows sorted by length, --batch-size examples (4 sequences each) per pass;
- pealm new, harness style only: `score_requests` on the harness's 4 requests per example, the harness's work;
- lm-eval: lm-evaluation-harness's own hellaswag task on the same weights (a Hugging Face directory with GPT-2's
  tokenizer, as scripts/hellaswag_harness_ref.py builds it), with --harness-batch-size; needs --lm-eval-python, a
  Python with lm-eval and accelerate (see scripts/hellaswag_harness_ref.py). Its time excludes loading the model.
Each runs --repeat times, the runs interleaved, after a short warm-up; the table shows the fastest, in wall and CPU
seconds, with the load average at its end, because other processes share this machine. A benchmark to read, not a test.
"""
import argparse, json, os, platform, subprocess, sys, tempfile, time, types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

def cpu_model() -> str:
    try: return next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration): return platform.processor() or "unknown CPU"

def timed(f) -> tuple[float, float]:
    "Wall and CPU seconds of `f()`."
    t, c = time.perf_counter(), time.process_time()
    f()
    return time.perf_counter() - t, time.process_time() - c

def old_eval(commit:str):
    "pealm/eval.py as of `commit`, as a module."
    src = subprocess.run(["git", "-C", str(REPO), "show", f"{commit}:pealm/eval.py"], capture_output=True, text=True, check=True).stdout
    mod = types.ModuleType("pealm_eval_old"); exec(compile(src, f"{commit}:pealm/eval.py", "exec"), mod.__dict__)
    return mod

def harness_worker(args) -> int:
    "Run by the lm-eval Python: time the harness on `args.model_dir`, print JSON."
    import torch
    torch.set_num_threads(args.threads)
    from hellaswag_harness_ref import TASK, gpt2_tokenizer, task_dir
    import lm_eval
    from lm_eval.models.huggingface import HFLM
    from lm_eval.tasks import TaskManager
    gpt2_tokenizer(Path(args.gpt2_files), Path(args.model_dir))
    with tempfile.TemporaryDirectory() as tmp:
        lines = Path(args.data).read_text(encoding="utf-8").splitlines()[:args.limit]
        data = Path(tmp)/"subset.jsonl"; data.write_text("\n".join(lines) + "\n")
        tm = TaskManager(include_path=str(task_dir(data, Path(tmp))))
        lm = HFLM(pretrained=args.model_dir, dtype="float32", batch_size=args.harness_batch_size, device="cpu")
        run = lambda n: lm_eval.simple_evaluate(model=lm, tasks=[TASK], task_manager=tm, limit=n, log_samples=False)
        run(4) # warm-up: builds the dataset cache
        wall, cpu = timed(lambda: run(args.limit))
    print(json.dumps(dict(wall=wall, cpu=cpu)))
    return 0

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--limit", type=int, default=100, help="examples (default 100)")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch threads for every run (default: all cores)")
    p.add_argument("--batch-size", type=int, nargs="+", default=[8, 16], help="pealm new: examples per forward pass, a row for each (default: 8, the default of evaluate_hellaswag, and 16, of pealm eval)")
    p.add_argument("--old-batch-size", type=int, default=8, help="pealm old: examples per forward pass (default 8, as its timing cell)")
    p.add_argument("--repeat", type=int, default=1, help="runs of each, interleaved; the fastest is shown (default 1)")
    p.add_argument("--old-commit", default="6fa05b3", help="the commit of pealm old (default 6fa05b3, before issue 13)")
    p.add_argument("--lm-eval-python", help="a Python with lm-eval 0.4.x and accelerate; without it, no lm-eval row")
    p.add_argument("--harness-batch-size", type=int, default=16, help="lm-eval's --batch_size (default 16; its own default is 1)")
    p.add_argument("--data", default=str(REPO.parent/"shared"/"data"/"hellaswag_val.jsonl"), help="hellaswag_val.jsonl")
    p.add_argument("--gpt2-files", default=str(REPO.parent/"shared"/"data"), help="directory with gpt2_encoder.json, gpt2_vocab.bpe")
    p.add_argument("--harness-worker", metavar="MODEL_DIR", dest="model_dir", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.model_dir: return harness_worker(args)

    import torch
    from pealm.eval import evaluate_hellaswag, harness_requests, iter_hellaswag, score_requests
    from pealm.models.gpt2 import GPT, GPTConfig
    from pealm.tokenizers import GPT2Tokenizer
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, tok, n = GPT(GPTConfig()).eval(), GPT2Tokenizer(), args.limit
    examples = list(iter_hellaswag(args.data, n))
    harness_reqs = [q for e in examples for q in harness_requests(e, tok)]
    runs = {f"pealm old ({args.old_commit}): completion style, batch {args.old_batch_size} examples": lambda m=old_eval(args.old_commit):
                timed(lambda: m.evaluate_hellaswag(model, tok, args.data, limit=n, batch_size=args.old_batch_size, progress=False))}
    for bs in args.batch_size:
        runs[f"pealm new: both styles, batch {bs} examples"] = \
            lambda bs=bs: timed(lambda: evaluate_hellaswag(model, tok, args.data, limit=n, batch_size=bs, progress=False))
        runs[f"pealm new: harness style only, batch {bs} examples"] = lambda bs=bs: timed(lambda: score_requests(model, harness_reqs, 4 * bs))
    tmp = tempfile.TemporaryDirectory()
    if args.lm_eval_python:
        model.save_pretrained(tmp.name)
        runs[f"lm-eval {_lm_eval_version(args.lm_eval_python)}: harness style, batch {args.harness_batch_size} requests"] = \
            lambda: harness_run(args, tmp.name)
    best = {}
    evaluate_hellaswag(model, tok, args.data, limit=2, progress=False) # warm-up
    for i in range(args.repeat):
        for name, run in runs.items():
            wall, cpu = run()
            if name not in best or wall < best[name][0]: best[name] = (wall, cpu, os.getloadavg()[0])
            print(f"  {i + 1}/{args.repeat} {name}: {wall:.1f} s", file=sys.stderr, flush=True)
    tmp.cleanup()
    rows = [(name, *best[name]) for name in runs]
    per100 = 100 / n
    print(f"HellaSwag, GPT-2 124M architecture (random weights, float32), first {n} validation examples, "
          f"{args.threads} threads, {cpu_model()} ({os.cpu_count()} cores), torch {torch.__version__}\n")
    print(f"| run (fastest of {args.repeat}) | s / 100 examples | CPU s / 100 examples | load average |\n| --- | --- | --- | --- |")
    for name, wall, cpu, load in rows: print(f"| {name} | {wall * per100:.1f} | {cpu * per100:.1f} | {load:.1f} |")
    return 0

def harness_run(args, model_dir:str) -> tuple[float, float]:
    "Wall and CPU seconds of lm-eval on `model_dir`, in a subprocess of `args.lm_eval_python`."
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), TQDM_DISABLE="1", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    cmd = [args.lm_eval_python, __file__, "--harness-worker", model_dir, "--limit", str(args.limit), "--threads", str(args.threads),
           "--harness-batch-size", str(args.harness_batch_size), "--data", args.data, "--gpt2-files", args.gpt2_files]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode: raise SystemExit(f"lm-eval failed:\n{r.stderr[-3000:]}")
    h = json.loads(r.stdout.strip().splitlines()[-1])
    return h["wall"], h["cpu"]

def _lm_eval_version(python:str) -> str:
    r = subprocess.run([python, "-c", "import lm_eval; print(lm_eval.__version__)"], capture_output=True, text=True)
    return r.stdout.strip() or "?"

if __name__ == "__main__": sys.exit(main())

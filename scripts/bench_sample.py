"""Sampling speed of GPT-2 on CPU: pealm without and with its KV cache, compiled decoding, and transformers' `generate`.

The model is GPT-2 124M with random weights (seeded): speed does not depend on their values. Or, with
--weights FILE, a committed pealm GPT-2 such as weights/gpt2-shakespeare/model.safetensors (keep the prompt and
new tokens within its context: 10 + 100 < 128 for that one). transformers gets the very
same weights through `GPT.save_pretrained` -> `GPT2LMHeadModel.from_pretrained`. Decoding is greedy, so
all methods must produce the same tokens, which is checked. Prints the CPU and a markdown table.

Decoding one sequence is memory-bound: each new token reads every weight once. So the script also measures, in the
same run, how fast this machine reads memory (`pealm.decode.read_bandwidth`) and the bytes one step reads
(`decode_bytes`), and gives each cached row's fraction of that bound: tokens/s x bytes per token / bandwidth.

    python scripts/bench_sample.py [--new-tokens 500] [--no-cache-tokens 100] [--threads 2] [--batch 8]
    python scripts/bench_sample.py --weights weights/gpt2-shakespeare/model.safetensors --new-tokens 100 --threads 1

Without the cache every token re-reads the whole context, so its time grows with the length: it is
measured on fewer tokens (`--no-cache-tokens`), which flatters it, and its tokens/s is the baseline.
"""
import argparse, platform, tempfile, time
from pathlib import Path
import torch
from pealm.models.gpt2 import GPT, GPTConfig
from pealm.decode import compile_decoding, decode_bytes, read_bandwidth

def cpu_name() -> str:
    "The CPU's model name, from /proc/cpuinfo where there is one."
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def timed(fn):
    "`fn()` and the seconds it took."
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--new-tokens', type=int, default=500, help='tokens to generate with a cache')
    p.add_argument('--no-cache-tokens', type=int, default=100, help='tokens to generate without the cache')
    p.add_argument('--prompt-tokens', type=int, default=10, help='length of the (random) prompt')
    p.add_argument('--threads', type=int, default=2, help='torch.set_num_threads')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--no-transformers', action='store_true', help="skip transformers' generate")
    p.add_argument('--no-compile', action='store_true', help='skip compiled decoding (it needs a C++ compiler)')
    p.add_argument('--weights', help='a pealm GPT-2 weights file (default: GPT-2 124M, random weights)')
    p.add_argument('--batch', type=int, default=1, help='also time B sequences at once with the cache (tokens/s per sequence and in total)')
    args = p.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.weights:
        from pealm.checkpoint import load_model
        model, _ = load_model(args.weights, expect='gpt2', device='cpu')
        model.eval()
        what = f"{args.weights} ({model.n_params():,} parameters)"
    else:
        model = GPT(GPTConfig()).eval()
        what = f"GPT-2 124M ({model.n_params():,} parameters, random weights, seed {args.seed})"
    prompt = torch.randint(0, min(model.config.vocab_size, 50257), (1, args.prompt_tokens))
    print(f"CPU: {cpu_name()}, torch {torch.__version__}, torch threads: {torch.get_num_threads()}")
    print(f"{what}, prompt of {args.prompt_tokens} random tokens, greedy decoding")
    model.generate(prompt, 2, top_k=1); model.generate(prompt, 2, top_k=1, use_cache=False) # warm up

    rows = [] # (method, tokens, seconds)
    short = args.no_cache_tokens
    no_cache, dt = timed(lambda: model.generate(prompt, short, top_k=1, use_cache=False))
    rows.append(('pealm, no cache', short, dt))
    cached_short, dt = timed(lambda: model.generate(prompt, short, top_k=1))
    rows.append(('pealm, KV cache', short, dt))
    cached, dt = timed(lambda: model.generate(prompt, args.new_tokens, top_k=1))
    rows.append(('pealm, KV cache', args.new_tokens, dt))
    n = min(short, args.new_tokens)
    upto = args.prompt_tokens + n
    assert torch.equal(no_cache[:, :upto], cached[:, :upto]), "the cache changed the tokens"
    assert torch.equal(cached_short, cached[:, :cached_short.size(1)]), "runs differ"
    if not args.no_compile:
        compile_decoding(model)
        _, dt = timed(lambda: model.generate(prompt, 3, top_k=1))
        print(f"compiling the decode step took {dt:.1f} s (once per process; not in the table)")
        compiled, dt = timed(lambda: model.generate(prompt, args.new_tokens, top_k=1))
        rows.append(('pealm, KV cache, compiled decoding', args.new_tokens, dt))
        assert torch.equal(compiled, cached), "compiled decoding changed the tokens"
        del model.next_logits # the batch table uses lesson 14's path, as compiled decoding does for batches

    if not args.no_transformers:
        import transformers
        from transformers import GPT2LMHeadModel
        transformers.logging.set_verbosity_error(); transformers.logging.disable_progress_bar()
        with tempfile.TemporaryDirectory() as tmp:
            model.save_pretrained(tmp)
            hf = GPT2LMHeadModel.from_pretrained(tmp).eval()
        hf.generation_config.update(eos_token_id=None, pad_token_id=0) # always generate every token
        gen = lambda k: hf.generate(prompt, max_new_tokens=k, do_sample=False)
        gen(2) # warm up
        hf_out, dt = timed(lambda: gen(args.new_tokens))
        rows.append((f"transformers {transformers.__version__} generate (its cache)", args.new_tokens, dt))
        same = torch.equal(hf_out, cached)
        print(f"transformers' tokens equal pealm's: {same}" + ("" if same else
              f" (first difference at new token {int((hf_out != cached).int().argmax()) - args.prompt_tokens})"))

    if args.batch > 1: batch_rows(model, args, hf if not args.no_transformers else None)
    bandwidth, step_bytes = read_bandwidth(), decode_bytes(model)
    print(f"\nmemory read bandwidth (sum of 512 MB, {torch.get_num_threads()} threads): {bandwidth / 1e9:.1f} GB/s; "
          f"one decode step reads {step_bytes / 1e6:.1f} MB of weights: at most {bandwidth / step_bytes:.1f} tokens/s")
    base = rows[0][1] / rows[0][2]
    hf_rate = rows[-1][1] / rows[-1][2] if not args.no_transformers else None
    print("\n| method | new tokens | seconds | tokens/s | vs no cache | vs transformers | of the bandwidth bound |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for method, k, dt in rows:
        vs_hf = f"{k/dt/hf_rate:.2f}x" if hf_rate else ""
        bound = "" if 'no cache' in method else f"{k/dt * step_bytes / bandwidth:.0%}"
        print(f"| {method} | {k} | {dt:.2f} | {k/dt:.1f} | {k/dt/base:.1f}x | {vs_hf} | {bound} |")
    print(f"\n(no cache measured on {short} tokens: at {args.new_tokens} its tokens/s would be lower still)")

def batch_rows(model, args, hf):
    "Time --batch sequences at once (random prompts), pealm's cache and transformers', and print a second table."
    prompts = torch.randint(0, min(model.config.vocab_size, 50257), (args.batch, args.prompt_tokens))
    k = args.new_tokens
    rows = []
    ours, dt = timed(lambda: model.generate(prompts, k, top_k=1))
    rows.append(('pealm, KV cache', dt))
    if hf is not None:
        theirs, dt = timed(lambda: hf.generate(prompts, max_new_tokens=k, do_sample=False))
        rows.append((f"transformers generate", dt))
        print(f"batch {args.batch}: transformers' tokens equal pealm's: {torch.equal(theirs, ours)}")
    print(f"\n| method, batch {args.batch} | new tokens each | seconds | tokens/s per sequence | tokens/s in total |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for method, dt in rows: print(f"| {method} | {k} | {dt:.2f} | {k/dt:.1f} | {args.batch*k/dt:.1f} |")

if __name__ == '__main__': main()

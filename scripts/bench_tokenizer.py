"""Encoding speed of pealm's pure-Python BPE against tiktoken (Rust), on all of Tiny Shakespeare.

Correctness first: `BPETokenizer.gpt2()` must give exactly tiktoken's `gpt2` ids, which is checked before
anything is timed. Then each encoder encodes the whole text `--repeat` times and the best time counts (the
least disturbed by other work on the machine). Prints the CPU and a markdown table.

    python scripts/bench_tokenizer.py [--repeat 3] [--input FILE]

Rows: tiktoken (one thread: `encode_ordinary` on one string); `BPETokenizer.gpt2()` with an empty chunk cache
(a fresh tokenizer each time: every distinct chunk goes through the merge loop) and with a full one (the same
tokenizer again: the regex and the Python loop over chunks are what is left); and a 4,096-token BPE trained on
the text, empty cache. Needs tiktoken's gpt2 files (TIKTOKEN_CACHE_DIR offline).
"""
import argparse, platform, time
from pathlib import Path
import tiktoken
from pealm.data import load_text
from pealm.tokenizers import BPETokenizer

def cpu_name() -> str:
    "The CPU's model name, from /proc/cpuinfo where there is one."
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'): return line.split(':', 1)[1].strip()
    except OSError: pass
    return platform.processor() or platform.machine()

def best_time(make_encode, text:str, repeat:int) -> tuple[float, list[int]]:
    "The fastest of `repeat` runs of `make_encode()(text)` (`make_encode` itself untimed), and the ids."
    best, ids = float('inf'), None
    for _ in range(repeat):
        encode = make_encode()
        t0 = time.perf_counter()
        ids = encode(text)
        best = min(best, time.perf_counter() - t0)
    return best, ids

def copy(tok:BPETokenizer) -> BPETokenizer:
    "A new `tok`, with an empty chunk cache."
    return BPETokenizer(tok.merges, tok.special_tokens, tok.pattern, tok.byte_order)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--repeat', type=int, default=3, help='runs per encoder; the fastest counts')
    p.add_argument('--input', help='a UTF-8 text file (default: Tiny Shakespeare)')
    args = p.parse_args(argv)
    try:
        text = load_text(args.input)
        enc, ours = tiktoken.get_encoding('gpt2'), BPETokenizer.gpt2()
    except (OSError, ValueError) as e: raise SystemExit(f'bench_tokenizer: {e}') # PealmError is a ValueError
    n_bytes = len(text.encode('utf-8'))

    # 1) correctness: the same ids as tiktoken, and the text back
    reference = enc.encode_ordinary(text)
    ids = ours.encode_ordinary(text)
    assert ids == reference, 'BPETokenizer.gpt2() differs from tiktoken: fix that before timing it'
    assert ours.decode(ids) == text
    t0 = time.perf_counter()
    trained = BPETokenizer.train(text, 4096)
    train_s = time.perf_counter() - t0
    assert trained.decode(trained.encode_ordinary(text)) == text

    # 2) speed
    rows = [('tiktoken gpt2 (Rust)', *best_time(lambda: enc.encode_ordinary, text, args.repeat)),
            ('BPETokenizer.gpt2(), empty cache', *best_time(lambda: copy(ours).encode_ordinary, text, args.repeat)),
            ('BPETokenizer.gpt2(), full cache', *best_time(lambda: ours.encode_ordinary, text, args.repeat)),
            ('BPETokenizer 4,096 (Shakespeare), empty cache',
             *best_time(lambda: copy(trained).encode_ordinary, text, args.repeat))]
    base = rows[0][1]
    print(f'CPU: {cpu_name()}; Python {platform.python_version()}, tiktoken {tiktoken.__version__}')
    print(f'text: {len(text):,} characters, {n_bytes:,} bytes; best of {args.repeat} runs;'
          f' gpt2 ids identical to tiktoken ({len(reference):,} tokens);'
          f' training the 4,096-token BPE took {train_s:.1f} s\n')
    print('| encoder | tokens | seconds | MB/s | M characters/s | time vs tiktoken |')
    print('|---|---:|---:|---:|---:|---:|')
    for name, seconds, ids in rows:
        print(f'| {name} | {len(ids):,} | {seconds:.3f} | {n_bytes / seconds / 1e6:.2f} | {len(text) / seconds / 1e6:.2f}'
              f' | {seconds / base:.1f}x |')

if __name__ == '__main__': main()

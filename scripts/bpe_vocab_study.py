"""Which tokenizer should a small GPT on Tiny Shakespeare use? Our own BPE at a few vocabulary sizes against GPT-2's.

    python scripts/bpe_vocab_study.py --out /work/runs/bpe_study.json > /work/runs/bpe_study.log 2>&1   # 14 min wall on a busy 2-core box

How to read the table: every row is the same GPT (4 layers, 4 heads, 128 channels, dropout 0.1) trained from scratch
for the same budget of CPU seconds on one thread, then scored on the whole validation split (the last 10% of the
text, which neither the BPE nor the model saw). Compare the last column, nats per character: it does not depend on
how the text was cut into tokens, so lower is better whatever the vocabulary. Nats per token does depend on it
(a bigger vocabulary packs more characters into each token and so has more to predict per token), so never compare
that column across rows. "BPE s" is the time to learn the merges; it is not part of the model's budget.

What is held equal, and how:
- The text is split first; each BPE learns its merges from the training text only.
- Each tokenizer's block size T covers about the same characters (--window-chars, default 400):
  T = round(window_chars / characters per token of the training text).
- Budget: --budget-s CPU seconds of this process (time.process_time) spent in training steps; building the model,
  encoding and the final scoring are outside it. On one thread CPU seconds are wall seconds on an idle core, and
  they do not grow when another job shares the machine.
- Learning rate: a time-based schedule. `pealm.train.get_lr` runs over a nominal 1,000 steps, and the step it is
  given is the fraction of the budget spent so far times 1,000: linear warmup for the first --warmup-frac of the
  budget, then cosine decay from --lr to lr/10 at the end of the budget, however many real steps that allowed.
- The rest is lesson 17's: AdamW from `configure_optimizer` (weight decay 0.1, betas 0.9/0.99), gradient clipping at
  1.0, batches of 16 random windows from `RandomWindows`, the same seed for every row.
- GPT-2's 50,257 tokens get 50,304 embedding rows (a multiple of 64); the BPE sizes asked for are used as they are.

    python scripts/bpe_vocab_study.py --budget-s 5 --vocab-sizes 512    # a smoke test: about a minute

A mistake (missing data, a bad argument) prints one line and exits 2.
"""
import argparse, json, math, platform, sys, time
from pathlib import Path
import torch
from pealm.data import PealmError, load_text, train_val_split
from pealm.models.gpt2 import GPT, GPTConfig
from pealm.textloss import text_loss
from pealm.tokenizers import BPETokenizer, GPT2Tokenizer
from pealm.train import RandomWindows, TrainConfig, configure_optimizer, get_lr

SCHEDULE_STEPS = 1000 # resolution of the time-based schedule: get_lr's nominal steps over the whole budget

def cpu_model() -> str:
    "The CPU's name from /proc/cpuinfo, else what `platform` says."
    try: lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError: lines = []
    names = [l.split(":", 1)[1].strip() for l in lines if l.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown"

def make_tokenizers(
    train_text:str,         # the BPE learns its merges from this only
    vocab_sizes:list[int],  # one BPE per size
) -> list[tuple]:
    "(name, tokenizer, embedding rows, seconds to train it) for each BPE size, then GPT-2's."
    out = []
    for v in vocab_sizes:
        t0 = time.perf_counter()
        tok = BPETokenizer.train(train_text, v)
        out.append((f"BPE {v}", tok, tok.vocab_size, time.perf_counter() - t0))
        print(f"BPE {v}: {tok.vocab_size:,} tokens learned in {out[-1][3]:.1f} s", file=sys.stderr, flush=True)
    gpt2 = GPT2Tokenizer()
    out.append(("GPT-2", gpt2, math.ceil(gpt2.vocab_size / 64) * 64, None))
    return out

def build_model(
    vocab_rows:int, # embedding rows
    T:int,          # context length
    args,           # n_layer, n_head, n_embd, dropout, seed
) -> GPT:
    "A fresh GPT of the study's size, seeded the same for every row."
    torch.manual_seed(args.seed)
    config = GPTConfig(block_size=T, vocab_size=vocab_rows, n_layer=args.n_layer, n_head=args.n_head,
                       n_embd=args.n_embd, dropout=args.dropout)
    return GPT(config)

def lr_at(
    spent:float,      # CPU seconds of training so far
    budget:float,     # the whole budget
    cfg:TrainConfig,  # lr, min_lr, warmup_steps over SCHEDULE_STEPS
) -> float:
    "The time-based schedule: lesson 17's warmup and cosine, indexed by the share of the budget spent."
    return get_lr(min(SCHEDULE_STEPS, int(SCHEDULE_STEPS * spent / budget)), cfg)

def train_for(
    model:GPT,              # trained in place
    ids:torch.Tensor,       # 1-D training tokens
    T:int,                  # block size
    args,                   # budget_s, lr, warmup_frac, batch_size, seed
) -> tuple[int, float]:
    "Train until `args.budget_s` CPU seconds have gone into steps; the steps done and the wall seconds they took."
    cfg = TrainConfig(steps=SCHEDULE_STEPS, warmup_steps=round(args.warmup_frac * SCHEDULE_STEPS), batch_size=args.batch_size,
                      block_size=T, lr=args.lr, seed=args.seed, device="cpu")
    opt = configure_optimizer(model, cfg)
    data = RandomWindows(ids, cfg.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    steps = 0
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    spent = 0.0
    while spent < args.budget_s:
        for group in opt.param_groups: group["lr"] = lr_at(spent, args.budget_s, cfg)
        x, y = data.next_batches(cfg.batch_size, T, 1)[0]
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        steps += 1
        spent = time.process_time() - cpu0
    if not math.isfinite(loss.item()): raise PealmError(f"training diverged (train loss {loss.item()}); try a lower --lr")
    return steps, time.perf_counter() - wall0

def run_row(
    name:str,         # the row's label
    tok,              # its tokenizer
    vocab_rows:int,   # embedding rows (GPT-2's padded)
    bpe_s,            # seconds the BPE took to learn, or None
    train_text:str,   # for the tokens and the characters per token
    val_text:str,     # scored at the end
    args,             # the study's settings
) -> dict:
    "Tokenize, size the window, train for the budget, score on the validation text; one row of the table."
    ids = torch.tensor(tok.encode(train_text), dtype=torch.long)
    chars_per_token = len(train_text) / len(ids)
    T = max(8, round(args.window_chars / chars_per_token))
    model = build_model(vocab_rows, T, args)
    steps, wall_s = train_for(model, ids, T, args)
    model.eval()
    with torch.no_grad(): score = text_loss(model, tok, val_text, batch_size=32)
    return dict(tokenizer=name, vocab=tok.vocab_size, vocab_rows=vocab_rows, bpe_s=bpe_s, chars_per_token=chars_per_token,
                block_size=T, params=model.n_params(), steps=steps, tokens_seen=steps * args.batch_size * T,
                train_tokens=len(ids), wall_s=wall_s, val_nats_per_token=score["val_loss"],
                val_nats_per_char=score["nats_per_char"], val_tokens=score["tokens"], val_chars=score["chars"])

def table(rows:list[dict]) -> str:
    "The rows as a markdown table."
    head = ("| tokenizer | vocab | BPE s | chars/token (train) | block T | parameters | steps in budget | "
            "training tokens seen | val nats/token | val nats/char |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    lines = [head]
    for r in rows:
        bpe = "–" if r["bpe_s"] is None else f"{r['bpe_s']:.1f}"
        lines.append(f"| {r['tokenizer']} | {r['vocab']:,} | {bpe} | {r['chars_per_token']:.2f} | {r['block_size']} | "
                     f"{r['params']:,} | {r['steps']:,} | {r['tokens_seen']:,} | {r['val_nats_per_token']:.4f} | "
                     f"**{r['val_nats_per_char']:.4f}** |")
    return "\n".join(lines)

def parse(argv) -> argparse.Namespace:
    "The command line, checked."
    p = argparse.ArgumentParser(prog="bpe_vocab_study.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--budget-s", type=float, default=150, help="CPU seconds of training per tokenizer (default 150)")
    p.add_argument("--vocab-sizes", type=int, nargs="+", default=[512, 2048, 8192], help="BPE vocabulary sizes, one row each")
    p.add_argument("--n-embd", type=int, default=128)
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate; cosine to lr/10 (default 2e-3)")
    p.add_argument("--warmup-frac", type=float, default=0.1, help="share of the budget spent warming up (default 0.1)")
    p.add_argument("--window-chars", type=int, default=400, help="characters a block should cover (default 400)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--input", help="text file (default: Tiny Shakespeare, or $PEALM_TINYSHAKESPEARE)")
    p.add_argument("--out", help="write the rows, with the machine and settings, as JSON here")
    args = p.parse_args(argv)
    if args.budget_s <= 0 or args.threads < 1 or args.window_chars < 1: raise PealmError("--budget-s, --threads and --window-chars must be positive")
    if not 0 <= args.warmup_frac < 1: raise PealmError(f"--warmup-frac must be in [0, 1), got {args.warmup_frac}")
    if min(args.vocab_sizes) < 257: raise PealmError("each BPE vocab size must be at least 257 (256 bytes + <|endoftext|>)")
    return args

def study(args) -> dict:
    "Every row, with the machine and the settings it ran under."
    torch.set_num_threads(args.threads)
    meta = dict(command=" ".join(["python"] + sys.argv), cpu=cpu_model(), torch=torch.__version__, threads=torch.get_num_threads(),
                settings={k: v for k, v in vars(args).items() if k != "out"}, schedule="time-based (share of the CPU budget)")
    train_text, val_text = train_val_split(load_text(args.input))
    print(f"{meta['cpu']}, torch {meta['torch']}, {meta['threads']} thread(s), {args.budget_s:g} CPU-s per tokenizer", file=sys.stderr)
    rows = []
    for name, tok, rows_v, bpe_s in make_tokenizers(train_text, args.vocab_sizes):
        rows.append(run_row(name, tok, rows_v, bpe_s, train_text, val_text, args))
        r = rows[-1]
        print(f"{name}: T {r['block_size']}, {r['steps']:,} steps, val {r['val_nats_per_char']:.4f} nats/char", file=sys.stderr, flush=True)
    return dict(**meta, rows=rows)

def main(argv=None) -> int:
    t0 = time.perf_counter()
    try:
        args = parse(argv)
        result = study(args)
        result["total_wall_s"] = time.perf_counter() - t0
        if args.out: Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    except (PealmError, OSError) as e:
        print(f"bpe_vocab_study.py: {e}", file=sys.stderr)
        return 2
    print(f"CPU: {result['cpu']}; torch {result['torch']}; {result['threads']} thread(s); "
          f"{args.budget_s:g} CPU-s of training per row; model {args.n_layer}L/{args.n_head}H/{args.n_embd}, "
          f"dropout {args.dropout:g}, batch {args.batch_size}, lr {args.lr:g}; windows of ~{args.window_chars} characters\n")
    print(table(result["rows"]))
    print(f"\ntotal wall time {result['total_wall_s']/60:.1f} min")
    return 0

if __name__ == "__main__": sys.exit(main())

"""How many sequences per step should the character transformer take? A small, quick stand-in for the real run.

The stand-in keeps what matters for the question, the number of passes over the data, and shrinks the rest by
four: a quarter of Tiny Shakespeare's training split and a model 64 wide instead of 128 (a quarter of the
parameters per block). Every row trains for the same number of epochs, so the same characters, only grouped into
more or fewer steps, then scores its best checkpoint on the whole validation split. Prints a markdown table.

    python scripts/char_batch_study.py                            # batch 16, 32, 64 at lr 2e-3: about 10 minutes on 2 cores
    python scripts/char_batch_study.py --batch-sizes 16 32 --lr 1e-3 --epochs 10

A mistake prints one line and exits 2.
"""
import argparse, sys, tempfile, time
import torch
from pealm.checkpoint import load_model
from pealm.models.registry import build_model
from pealm.models.base import dataset_loss
from pealm.data import PealmError, load_text, train_val_split
from pealm.tokenizers import CharTokenizer
from pealm.train import TrainConfig, Trainer

def run_row(train_ids, val_ids, tokenizer, batch_size:int, args, out_dir:str) -> dict:
    "Train one stand-in model with `batch_size` sequences per step; its steps, speed and best whole-split val loss."
    steps = max(1, round(args.epochs * len(train_ids) / (batch_size * args.block_size)))
    torch.manual_seed(args.seed)
    model = build_model("char-transformer", vocab_size=tokenizer.vocab_size, block_size=args.block_size,
                        n_layer=args.n_layer, n_head=args.n_head, n_embd=args.n_embd)
    cfg = TrainConfig(steps=steps, batch_size=batch_size, block_size=args.block_size, lr=args.lr, min_lr=args.lr / 10,
                      warmup_steps=args.warmup_steps, eval_every=max(1, steps // 10), eval_batches=40, seed=args.seed,
                      device="cpu", out_dir=out_dir, progress=False, quiet=True)
    t0 = time.time()
    result = Trainer(model, train_ids, val_ids, cfg, tokenizer, "char-transformer").fit()
    seconds = time.time() - t0
    best, _ = load_model(result.run_dir/"best.pt")
    val, _ = dataset_loss(best.eval(), val_ids)
    return dict(batch_size=batch_size, steps=steps, tokens_per_s=result.tokens_per_s, seconds=seconds, val_loss=val)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="char_batch_study.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64], help="sequences per step, one row each")
    p.add_argument("--fraction", type=float, default=0.25, help="share of the training split to train on (default 0.25)")
    p.add_argument("--epochs", type=float, default=20, help="passes over that share, the same for every row (default 20)")
    p.add_argument("--n-embd", type=int, default=64); p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4); p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate, cosine to lr/10 (default 2e-3)")
    p.add_argument("--warmup-steps", type=int, default=50)
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--input", help="text file (default: Tiny Shakespeare, or $PEALM_TINYSHAKESPEARE)")
    args = p.parse_args(argv)
    try:
        if not 0 < args.fraction <= 1: raise PealmError(f"--fraction must be in (0, 1], got {args.fraction}")
        if min(args.batch_sizes) < 1 or args.epochs <= 0: raise PealmError("batch sizes and --epochs must be positive")
        text = load_text(args.input)
        tokenizer = CharTokenizer.from_text(text)
        train_ids, val_ids = train_val_split(torch.tensor(tokenizer.encode(text), dtype=torch.long))
        train_ids = train_ids[:int(len(train_ids) * args.fraction)]
        print(f"{len(train_ids):,} training characters, {args.epochs:g} epochs, model {args.n_layer}L/{args.n_head}H/{args.n_embd}, "
              f"lr {args.lr:g}, {torch.get_num_threads()} threads", file=sys.stderr)
        rows = []
        with tempfile.TemporaryDirectory() as out_dir:
            for b in args.batch_sizes:
                rows.append(run_row(train_ids, val_ids, tokenizer, b, args, out_dir))
                print(f"batch {b}: val {rows[-1]['val_loss']:.4f}", file=sys.stderr, flush=True)
    except (PealmError, FileNotFoundError) as e:
        print(f"char_batch_study.py: {e}", file=sys.stderr)
        return 2
    print("| batch | steps | tokens/s | minutes, evaluations included | val loss (whole split) |\n|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['batch_size']} | {r['steps']:,} | {r['tokens_per_s']:,.0f} | {r['seconds']/60:.1f} | {r['val_loss']:.4f} |")
    return 0

if __name__ == "__main__": sys.exit(main())

"""How should the character MLP (lesson 12a) train? Short runs that change one setting at a time, scored on a held-out split.

Every row starts from the same base (the lesson's model, 16 windows of 128 characters a step, AdamW with warmup and
cosine decay to lr/10, weight decay 0.1) and changes the settings it names. Rows train with pealm's training engine
on the lesson's *train* split (the first 80% of Tiny Shakespeare) and are scored on its *validation* split (the next
10%), in non-overlapping windows as `pealm eval` scores; the last 10%, the course's reported split, is never looked at.
Prints a markdown table.

    python scripts/char_mlp_study.py                                  # the default rows: about 15 minutes on a quiet core
    python scripts/char_mlp_study.py --steps 500 --row lr=3e-3 --row "context=4 n_embd=48"

A mistake prints one line and exits 2.
"""
import argparse, sys, tempfile, time
from dataclasses import fields
import torch
from pealm.cli import dataset_loss
from pealm.data import PealmError, load_text, train_val_split
from pealm.models.mlp import CharMLP, CharMLPConfig
from pealm.tokenizers import CharTokenizer
from pealm.train import TrainConfig, Trainer

DEFAULT_ROWS = ["", "seed=1", "seed=2", "lr=3e-3", "lr=3e-2", "batch_size=32 steps=500", "n_embd=24", "n_embd=48",
                "context=12 n_embd=24", "n_layer=1", "n_hidden=256 n_layer=3"] # "" is the base; the seeds show the noise
MODEL_FIELDS = {f.name for f in fields(CharMLPConfig)}
TRAIN_FIELDS = {f.name for f in fields(TrainConfig)}

def parse_row(spec:str) -> tuple[dict, dict]:
    "'lr=3e-3 context=12' -> (model settings, train settings)."
    model, train = {}, {}
    for item in spec.split():
        key, sep, value = item.partition("=")
        if not sep or key not in MODEL_FIELDS | TRAIN_FIELDS:
            raise PealmError(f"--row {spec!r}: {item!r} is not SETTING=VALUE with a CharMLPConfig or TrainConfig field")
        try: number = int(value)
        except ValueError:
            try: number = float(value)
            except ValueError: raise PealmError(f"--row {spec!r}: {key} needs a number, got {value!r}") from None
        (model if key in MODEL_FIELDS else train)[key] = number
    return model, train

def run_row(spec:str, train_ids, val_ids, tokenizer, args, out_dir:str) -> dict:
    "Train one row from the base with `spec`'s changes; its size, speed and whole-split validation loss."
    model_settings, train_settings = parse_row(spec)
    base = dict(steps=args.steps, batch_size=16, lr=1e-2, warmup_steps=100, weight_decay=0.1, beta2=0.99, seed=args.seed)
    torch.manual_seed(train_settings.get("seed", args.seed)) # a row's seed sets the initial weights and the batches
    model = CharMLP(CharMLPConfig(vocab_size=tokenizer.vocab_size, **model_settings))
    cfg = TrainConfig(**{**base, **train_settings, "eval_every": 10**9, "eval_batches": 1, "device": "cpu",
                         "out_dir": out_dir, "progress": False, "quiet": True})
    t0 = time.time()
    result = Trainer(model, train_ids, val_ids, cfg, tokenizer, "char-mlp").fit()
    seconds = time.time() - t0
    val, _ = dataset_loss(model.eval(), val_ids)
    return dict(row=spec or "base", params=model.n_params(), steps=cfg.steps, seconds=seconds,
                tokens_per_s=result.tokens_per_s, val_loss=val)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="char_mlp_study.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--row", action="append", help="settings that differ from the base, e.g. 'lr=3e-3 context=12' (repeatable; "
                   "default: " + ", ".join(repr(r) for r in DEFAULT_ROWS) + ")")
    p.add_argument("--steps", type=int, default=1000, help="steps per row unless the row sets them (default 1000)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--input", help="text file (default: Tiny Shakespeare, or $PEALM_TINYSHAKESPEARE)")
    args = p.parse_args(argv)
    try:
        rows = args.row if args.row else DEFAULT_ROWS
        for spec in rows: parse_row(spec) # every mistake before the first run
        if args.steps < 1: raise PealmError(f"--steps must be >= 1, got {args.steps}")
        text = load_text(args.input)
        tokenizer = CharTokenizer.from_text(text)
        train_val_ids, _ = train_val_split(torch.tensor(tokenizer.encode(text), dtype=torch.long)) # the last 10% stays unseen
        train_ids, val_ids = train_val_split(train_val_ids, val_frac=1/9)
        print(f"train {len(train_ids):,} / val {len(val_ids):,} characters, {torch.get_num_threads()} threads", file=sys.stderr)
        results = []
        with tempfile.TemporaryDirectory() as out_dir:
            for spec in rows:
                results.append(run_row(spec, train_ids, val_ids, tokenizer, args, out_dir))
                r = results[-1]
                print(f"{r['row']}: val {r['val_loss']:.4f} in {r['seconds']:.0f} s", file=sys.stderr)
    except PealmError as e:
        print(f"char_mlp_study.py: {e}", file=sys.stderr)
        return 2
    print("| row | parameters | steps | seconds | tokens/s | val loss |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['row']} | {r['params']:,} | {r['steps']:,} | {r['seconds']:.0f} | {r['tokens_per_s']:,.0f} | {r['val_loss']:.4f} |")
    return 0

if __name__ == "__main__": sys.exit(main())

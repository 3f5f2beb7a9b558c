"""Download HellaSwag into pealm's cache and check it.

    python scripts/hellaswag.py                          # the validation split, from GitHub
    python scripts/hellaswag.py --split train val test   # several splits
    python scripts/hellaswag.py --from hellaswag_val.jsonl --data-dir data/hellaswag   # a local copy

The work is done by `pealm.eval.download_hellaswag` (nbs/21_eval.ipynb); a mistake prints one line and exits 2.
"""
import argparse, sys
from pealm.data import PealmError
from pealm.eval import HELLASWAG_SIZES, default_hellaswag_dir, download_hellaswag, verify_hellaswag

def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="hellaswag.py", description="Download HellaSwag (rowanz/hellaswag jsonl) and verify it.")
    p.add_argument("--split", nargs="+", choices=list(HELLASWAG_SIZES), default=["val"], help="split(s) to fetch (default: val)")
    p.add_argument("--data-dir", metavar="DIR", help=f"where hellaswag_SPLIT.jsonl goes (default: {default_hellaswag_dir()})")
    p.add_argument("--from", dest="src", metavar="FILE", help="copy and verify this local file instead of downloading")
    args = p.parse_args(argv)
    if args.src and len(args.split) > 1: p.error("--from FILE takes one --split")
    try:
        for split in args.split:
            path = download_hellaswag(split, args.data_dir, src=args.src)
            print(f"hellaswag {split}: {verify_hellaswag(path, split):,} examples in {path}")
    except (PealmError, FileNotFoundError) as e:
        print(f"hellaswag.py: {e}", file=sys.stderr)
        return 2
    return 0

if __name__ == "__main__": sys.exit(main())

"""nbdev_clean, keeping the execution counts: a committed notebook should show that it ran.

    python scripts/clean_nbs.py nbs/15a_fast_decode.ipynb ...   # after executing a notebook, instead of nbdev_clean
    python scripts/clean_nbs.py --renumber nbs/*.ipynb          # also number code cells 1, 2, ... in order

`nbdev_clean` strips metadata nbdev does not allow, output ids and the like (settings.ini), and always sets every
execution count to None, so a saved run shows `In [ ]:` everywhere, as if it never ran. This script runs
`nbdev_clean` on each notebook, then puts back the counts each cell had before.

`--renumber` is for a notebook that was executed top to bottom (as `nbdev_test` and nbclient run it) and whose counts
a plain `nbdev_clean` has since cleared: it gives the code cells the counts such a run gives them, 1, 2, 3, ... in
order. Cells with no outputs keep their count only if they had one.
"""
import argparse, json, subprocess, sys
from pathlib import Path

def counts(nb:dict) -> dict:
    "Cell id -> (the cell's execution count, the execution counts of its outputs)."
    return {c["id"]: (c.get("execution_count"), [o.get("execution_count") for o in c.get("outputs", [])])
            for c in nb["cells"] if c["cell_type"] == "code"}

def restore(nb:dict, saved:dict):
    "Put the saved counts back on the cells (and their execute_result outputs) that still have the same id."
    for c in nb["cells"]:
        if c["cell_type"] != "code" or c["id"] not in saved: continue
        count, output_counts = saved[c["id"]]
        c["execution_count"] = count
        for o, n in zip(c.get("outputs", []), output_counts):
            if "execution_count" in o: o["execution_count"] = n

def renumber(nb:dict):
    "Counts 1, 2, ... for the code cells in order, as a top-to-bottom run gives them."
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for n, c in enumerate(code, start=1):
        c["execution_count"] = n
        for o in c.get("outputs", []):
            if "execution_count" in o: o["execution_count"] = n

def clean(path:Path, number:bool):
    "nbdev_clean `path`, then write it back with its execution counts."
    saved = counts(json.loads(path.read_text(encoding="utf-8")))
    subprocess.run(["nbdev_clean", "--fname", str(path)], check=True)
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    renumber(nb) if number else restore(nb, saved)
    # the layout nbdev_clean writes: one-space indent, unicode kept, a final newline
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--renumber", action="store_true", help="number the code cells 1, 2, ... in order")
    args = p.parse_args(argv)
    for path in args.notebooks:
        if not path.is_file():
            print(f"clean_nbs: no notebook at {path}", file=sys.stderr)
            return 2
        clean(path, args.renumber)
    return 0

if __name__ == "__main__":
    sys.exit(main())

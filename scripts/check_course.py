"""What each lesson shows and asks: figures, exercises, and error outputs in the committed notebooks.

    python scripts/check_course.py            # a table per lesson; fails if any committed output is an error
    python scripts/check_course.py --strict   # also fails if a teaching lesson has no figure or no exercises

A figure is a saved output with an image (PNG, JPEG or SVG). Exercises are a markdown heading "## Exercises".
A saved run keeps its execution counts (scripts/clean_nbs.py, not a bare nbdev_clean): "unnumbered" counts the code
cells with outputs but no count, which --strict refuses.
An error output is an output of type "error", or a stderr stream holding "Traceback". The CLI reference (22_cli)
and the README (index) are not teaching lessons, so they need neither a figure nor exercises.
"""
import argparse, json, sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
NOT_TEACHING = ("index", "22_cli")

def figures(nb:dict) -> int:
    "Saved outputs that hold an image."
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    return sum(any(t in o.get("data", {}) for t in IMAGE_TYPES) for o in outputs)

def has_exercises(nb:dict) -> bool:
    "Whether a markdown cell opens an '## Exercises' section."
    heads = ("".join(c["source"]).lstrip() for c in nb["cells"] if c["cell_type"] == "markdown")
    return any(h.startswith("## Exercises") for h in heads)

def errors(nb:dict) -> list[str]:
    "The ids of cells whose saved outputs are errors or tracebacks."
    bad = []
    for c in nb["cells"]:
        for o in c.get("outputs", []):
            text = "".join(o.get("text", "")) if o.get("output_type") == "stream" and o.get("name") == "stderr" else ""
            if o.get("output_type") == "error" or "Traceback" in text: bad.append(c.get("id", "?"))
    return bad

def unnumbered(nb:dict) -> int:
    "Code cells with saved outputs but no execution count: a run whose counts were cleared."
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code" and c.get("outputs") and c.get("execution_count") is None)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--strict", action="store_true", help="fail if a teaching lesson lacks a figure or exercises")
    args = p.parse_args(argv)
    failures = []
    print("| lesson | figures | exercises | error outputs | unnumbered |\n|---|---:|---|---|---:|")
    for path in sorted((REPO/"nbs").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        name, n_fig, ex, bad, n_unnumbered = path.stem, figures(nb), has_exercises(nb), errors(nb), unnumbered(nb)
        print(f"| {name} | {n_fig} | {'yes' if ex else 'no'} | {', '.join(bad) or '-'} | {n_unnumbered} |")
        if args.strict and n_unnumbered:
            failures.append(f"{name}: {n_unnumbered} cells with outputs but no execution count (use scripts/clean_nbs.py)")
        if bad: failures.append(f"{name}: error output in cell {bad[0]}")
        teaching = name not in NOT_TEACHING
        if args.strict and teaching and not n_fig: failures.append(f"{name}: no figure")
        if args.strict and teaching and not ex: failures.append(f"{name}: no exercises")
    for f in failures: print(f"check_course: {f}", file=sys.stderr)
    return 1 if failures else 0

if __name__ == "__main__":
    sys.exit(main())

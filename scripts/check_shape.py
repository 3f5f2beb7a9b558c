"""The shape of the exported code: lines per module, the longest functions, joined statements, long lines.

    python scripts/check_shape.py            # a report
    python scripts/check_shape.py --strict   # also exit 1 on a joined statement (`a; b`), a bare
                                             # `Class.method = function` or a function over --max-lines

Counts come from the modules nbdev exports (pea/, pealm/), which are the notebooks' exported cells:
- lines: physical lines of each module;
- function length: from `def` to its last line, for every function and method;
- joined statements: `;` between statements on one line (found with `tokenize`, so not inside strings);
- long lines: over 110 columns;
- bare attachments: module-level `Name.attr = other_function`, where fastcore's `@patch` is the convention;
- crowded cells: exported cells (the `# %%` blocks of a module) that define more than one top-level function or class.
"""
import argparse, ast, io, sys, tokenize
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODULES = sorted(p for d in ("pea", "pealm") for p in (REPO/d).rglob("*.py") if p.name != "__init__.py")

def functions(tree:ast.AST) -> list[tuple[str, int]]:
    "(qualified name, lines) of every function and method."
    out = []
    def walk(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append((prefix + child.name, child.end_lineno - child.lineno + 1))
                walk(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef): walk(child, prefix + child.name + ".")
    walk(tree)
    return out

def joined(source:str) -> list[int]:
    "Line numbers where a `;` separates two statements."
    return [t.start[0] for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.OP and t.string == ";"]

def bare_attachments(tree:ast.Module) -> list[str]:
    "Module-level `Class.attr = function_name` assignments."
    defined = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in defined:
            for target in node.targets:
                if isinstance(target, ast.Attribute): found.append(f"{ast.unparse(target)} = {node.value.id}")
    return found

def crowded_cells(source:str) -> list[str]:
    "The `# %%` blocks of an exported module that define more than one top-level function or class, with their names."
    found = []
    for block in source.split("\n# %% ")[1:]:
        header, _, body = block.partition("\n")
        try: tree = ast.parse(body)
        except SyntaxError: continue
        defs = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        if len(defs) > 1: found.append(f"{header.split('#')[-1].strip()}: {', '.join(defs)}")
    return found

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--strict", action="store_true")
    p.add_argument("--max-lines", type=int, default=50, help="longest function allowed with --strict")
    p.add_argument("--top", type=int, default=8, help="how many of the longest functions to list")
    args = p.parse_args(argv)
    rows, all_functions, problems = [], [], []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        name = str(path.relative_to(REPO))
        semis, bare = joined(source), bare_attachments(tree)
        long_lines = sum(len(line) > 110 for line in source.splitlines())
        crowded = crowded_cells(source)
        rows.append((name, len(source.splitlines()), len(semis), long_lines, len(bare), len(crowded)))
        all_functions += [(n, length, name) for n, length in functions(tree)]
        problems += [f"{name}:{line}: joined statements (;)" for line in semis]
        problems += [f"{name}: bare attachment {b}; use @patch" for b in bare]
    print("| module | lines | joined (;) | lines > 110 | bare attachments | cells with several defs |\n"
          "|---|---:|---:|---:|---:|---:|")
    for row in rows: print("| " + " | ".join(str(x) for x in row) + " |")
    totals = [sum(r[i] for r in rows) for i in range(1, 6)]
    print("| **all** | " + " | ".join(str(t) for t in totals) + " |")
    longest = sorted(all_functions, key=lambda f: -f[1])
    print(f"\nlongest functions: " + ", ".join(f"{n} {k} ({m})" for n, k, m in longest[:args.top]))
    over = [f for f in longest if f[1] > args.max_lines]
    print(f"functions over {args.max_lines} lines: {len(over)}")
    problems += [f"{m}: {n} is {k} lines (over {args.max_lines})" for n, k, m in over]
    if args.strict and problems:
        for line in problems: print(f"check_shape: {line}", file=sys.stderr)
        return 1
    return 0

if __name__ == "__main__":
    sys.exit(main())

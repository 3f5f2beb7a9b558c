"""Report forward imports: a lesson (or the module it exports) importing a module of a later lesson.

    python scripts/check_imports.py          # one line per forward import; exit 1 if there is any

The course order is the sorted notebook names in nbs/; each notebook's `#| default_exp` names its module.
Both the notebook's code cells and the exported module's source are checked.
"""
import ast, json, sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent

def lesson_modules() -> dict:
    "module name -> (order, notebook name), from each notebook's `#| default_exp`."
    found = {}
    for order, nb in enumerate(sorted((root/"nbs").glob("[0-9]*.ipynb"))):
        for cell in json.loads(nb.read_text())["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "code" and src.startswith("#| default_exp"):
                found[src.split()[2]] = (order, nb.stem)
    return found

def imported(source:str) -> set:
    "The pea/pealm modules `source` imports, anywhere in it (function bodies included)."
    try: tree = ast.parse(source)
    except SyntaxError: return set() # a cell of shell or magic lines
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import): names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0: names.add(node.module)
    return {n for n in names if n.split(".")[0] in ("pea", "pealm")}

def notebook_source(nb:Path) -> str:
    cells = json.loads(nb.read_text())["cells"]
    lines = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return "\n".join("\n".join(l for l in s.splitlines() if not l.lstrip().startswith(("%", "!"))) for s in lines)

def forward_imports() -> list[str]:
    "One line per import of a later lesson's module."
    modules, problems = lesson_modules(), []
    by_notebook = {nb: (order, mod) for mod, (order, nb) in modules.items()}
    for order, nb in enumerate(sorted((root/"nbs").glob("[0-9]*.ipynb"))):
        sources = {f"nbs/{nb.name}": notebook_source(nb)}
        if nb.stem in by_notebook:
            mod = by_notebook[nb.stem][1]
            path = root/(mod.replace(".", "/") + ".py")
            if path.is_file(): sources[str(path.relative_to(root))] = path.read_text()
        for where, source in sources.items():
            for name in sorted(imported(source)):
                if name in modules and modules[name][0] > order:
                    problems.append(f"{where} imports {name} (lesson {modules[name][1]}), a later lesson")
    return problems

if __name__ == "__main__":
    problems = forward_imports()
    print("\n".join(problems) if problems else "no forward imports")
    print(f"{len(problems)} forward imports")
    sys.exit(1 if problems else 0)

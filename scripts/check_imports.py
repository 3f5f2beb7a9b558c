"""Report forward imports: a lesson (or the module it exports) importing a module of a later lesson.

    python scripts/check_imports.py          # one line per forward import; exit 1 if there is any
    python scripts/check_imports.py --map    # the map: each lesson, its module, the course modules it imports
    python scripts/check_imports.py --check-map CONTRIBUTING.md   # exit 1 if the map written there is out of date

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

MAP_START, MAP_END = "<!-- import map: scripts/check_imports.py --map -->", "<!-- end of import map -->"

def import_map() -> str:
    "A markdown table: each lesson, the module it exports, and the course modules that module imports."
    modules = lesson_modules()
    rows = ["| lesson | module | imports (lesson) |", "| --- | --- | --- |"]
    for mod, (order, nb) in sorted(modules.items(), key=lambda kv: kv[1][0]):
        path = root/(mod.replace(".", "/") + ".py")
        uses = sorted((n for n in imported(path.read_text()) if n in modules and n != mod), key=lambda n: modules[n][0])
        listed = ", ".join(f"`{n}` ({modules[n][1].split('_')[0]})" for n in uses) or "nothing of the course"
        rows.append(f"| {nb} | `{mod}` | {listed} |")
    return "\n".join(rows)

def check_map(doc:Path) -> str|None:
    "None if `doc` holds the current import map between the markers, else what is wrong."
    text = doc.read_text()
    if MAP_START not in text or MAP_END not in text: return f"{doc} has no import map (between {MAP_START!r} and {MAP_END!r})"
    written = text.split(MAP_START, 1)[1].split(MAP_END, 1)[0].strip()
    if written != import_map(): return f"the import map in {doc} is out of date: paste the output of scripts/check_imports.py --map"
    return None

if __name__ == "__main__":
    if sys.argv[1:2] == ["--map"]:
        print(import_map())
        sys.exit(0)
    if sys.argv[1:2] == ["--check-map"]:
        problem = check_map(Path(sys.argv[2]))
        print(problem or f"the import map in {sys.argv[2]} is current")
        sys.exit(1 if problem else 0)
    problems = forward_imports()
    print("\n".join(problems) if problems else "no forward imports")
    print(f"{len(problems)} forward imports")
    sys.exit(1 if problems else 0)

"""Check a site built by scripts/build_site.py, without a browser.

    python scripts/check_site.py _site              # exit 0 and a one-line summary, or exit 1 and one line per problem
    python scripts/check_site.py _site --nbs nbs    # the notebooks it was built from (default: this repo's nbs/)

It checks that:
- index.html and one NN_name.html per lesson (every nbs/*.ipynb but index) exist;
- every page links to index.html and to every lesson (the sidebar), each lesson page to every other lesson;
- a lesson whose notebook shows figures (saved PNG, JPEG or SVG outputs in cells that are not hidden, markdown
  images) has at least as many <img>/<svg> in its page;
- a lesson whose notebook has maths ($...$, $$...$$, \\begin{...}) has rendered maths (KaTeX's class="katex"), and
  no page has a formula KaTeX could not parse (class="katex-error");
- the site works offline: no <script>, <link>, <img>, <iframe>, <source>, <video>, <audio>, <embed> or <object>
  loads an http(s):// or protocol-relative (//host) URL, no inline script or style and no CSS file under the site
  mentions one (@import or url()), and every local file those refer to exists.
"""
from __future__ import annotations
import argparse, json, re, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
LOADS = {"script": "src", "img": "src", "iframe": "src", "source": "src", "video": "src", "audio": "src",
         "embed": "src", "object": "data", "link": "href"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
REMOTE = re.compile(r"^(?:https?:)?//", re.I)
CSS_URL = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)|url\(\s*['"]?([^'")\s]+)""", re.I)
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(.*?)\s*$")
MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\s](?:[^$\n]*?[^$\s\\])?\$|\\begin\{[a-z]+\*?\}", re.S)

class Page(HTMLParser):
    "What the checks need from one page: links, loads, figures, inline script and style text, maths."
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs, self.loads, self.figures, self.inline, self.katex, self.errors = set(), [], 0, [], 0, 0
        self._text, self._open = None, []  # open elements, each with whether it is (inside) KaTeX's maths
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if "katex" in cls: self.katex += 1
        if "katex-error" in cls: self.errors += 1
        in_math = "katex" in cls or bool(self._open and self._open[-1][1])
        if tag in ("img", "svg") and not in_math: self.figures += 1  # KaTeX draws some symbols with <svg>
        if tag not in VOID: self._open.append((tag, in_math))
        if tag == "a" and a.get("href"): self.hrefs.add(a["href"])
        if tag in LOADS and a.get(LOADS[tag]): self.loads.append((tag, a[LOADS[tag]]))
        if tag == "img" and a.get("srcset"): self.loads += [("img", s.split()[0]) for s in a["srcset"].split(",")]
        if a.get("style"): self.inline.append(("style attribute", a["style"]))
        if tag in ("script", "style"): self._text = [tag, ""]
    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self._open):
            while self._open and self._open.pop()[0] != tag: pass
        if self._text and tag == self._text[0]:
            self.inline.append(tuple(self._text)); self._text = None
    def handle_data(self, data):
        if self._text: self._text[1] += data

def hidden(cell:dict) -> bool:
    "nbdev's `#| hide` / `#| include: false`, or a remove-cell tag: build_site leaves the cell out."
    tags = {t.replace("_", "-") for t in cell.get("metadata", {}).get("tags", [])}
    if tags & {"hide", "remove-cell"}: return True
    if cell["cell_type"] != "code": return False
    for line in "".join(cell["source"]).splitlines():
        if not line.strip(): continue
        m = DIRECTIVE.match(line)
        if not m: break
        d = m.group(1).lower().replace(" ", "")
        if d == "hide" or d == "include:false": return True
    return False

def shown_outputs(cell:dict) -> list:
    src = "".join(cell["source"]).splitlines()
    lead = [m.group(1).lower().replace(" ", "") for l in src for m in [DIRECTIVE.match(l)] if m]
    tags = {t.replace("_", "-") for t in cell.get("metadata", {}).get("tags", [])}
    if "output:false" in lead or "remove-output" in tags: return []
    return cell.get("outputs", [])

def expected(nb:dict) -> tuple[int, bool]:
    "How many figures the page should show, and whether it has maths."
    figs, maths = 0, False
    for c in nb["cells"]:
        if hidden(c): continue
        if c["cell_type"] == "markdown":
            src = "".join(c["source"])
            src = re.sub(r"```.*?```|`[^`\n]*`", "", src, flags=re.S)  # code is not maths
            figs += len(re.findall(r"!\[[^\]]*\]\([^)]+\)|<img\b", src))
            maths = maths or bool(MATH.search(src))
        for o in shown_outputs(c) if c["cell_type"] == "code" else []:
            figs += any(t in o.get("data", {}) for t in FIGURE_TYPES)
    return figs, maths

def local(site:Path, page:Path, url:str) -> Path|None:
    "The file a relative URL names, or None for a data:, anchor or other non-file URL."
    if not url or url.startswith(("#", "data:", "mailto:", "javascript:")) or re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I):
        return None
    path = unquote(urlsplit(url).path)
    return (page.parent/path).resolve() if path else None

def check_css(site:Path, where:str, base:Path, text:str, problems:list):
    for m in CSS_URL.finditer(text):
        url = m.group(1) or m.group(2)
        if REMOTE.match(url): problems.append(f"{where}: CSS loads {url} from the network")
        elif (f := local(site, base, url)) and not f.exists(): problems.append(f"{where}: CSS refers to missing {url}")

def check(site:Path, nbs:Path) -> tuple[list, str]:
    problems = []
    if not site.is_dir(): return [f"{site}: not a folder (build it: python scripts/build_site.py --out {site})"], ""
    lessons = sorted(p.stem for p in nbs.glob("*.ipynb") if p.stem != "index")
    if not lessons: problems.append(f"{nbs}: no lessons")
    pages, n_fig, n_math = 0, 0, 0
    missing = {s for s in ["index", *lessons] if not (site/f"{s}.html").exists()}  # said once, not per link
    for stem in ["index", *lessons]:
        path = site/f"{stem}.html"
        if not path.exists():
            problems.append(f"{stem}: {path.name} is missing"); continue
        pages += 1
        page = Page(); page.feed(path.read_text(encoding="utf-8")); page.close()
        hrefs = {urlsplit(h).path for h in page.hrefs}
        for other in ["index", *lessons]:
            if other != stem and f"{other}.html" not in hrefs: problems.append(f"{stem}: no link to {other}.html")
        for h in sorted(page.hrefs):
            f = local(site, path, h)
            if f and f.suffix == ".html" and not f.exists() and f.stem not in missing: problems.append(f"{stem}: link to missing {h}")
        for tag, url in page.loads:
            if REMOTE.match(url): problems.append(f"{stem}: <{tag}> loads {url} from the network")
            elif (f := local(site, path, url)) and not f.exists(): problems.append(f"{stem}: <{tag}> refers to missing {url}")
        for kind, text in page.inline:
            if kind == "script" and re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I):
                problems.append(f"{stem}: an inline <script> mentions a network URL")
            if kind != "script": check_css(site, f"{stem}: inline {kind}", path, text, problems)
        nb_path = nbs/f"{stem}.ipynb"
        if nb_path.exists():
            figs, maths = expected(json.loads(nb_path.read_text(encoding="utf-8")))
            if page.figures < figs: problems.append(f"{stem}: {figs} figures in the notebook, {page.figures} <img>/<svg> in the page")
            if maths and not page.katex: problems.append(f"{stem}: the notebook has maths, the page none rendered")
            n_fig += figs
        if page.errors: problems.append(f"{stem}: {page.errors} formulas KaTeX could not render (class katex-error)")
        n_math += page.katex
    for css in sorted(site.rglob("*.css")):  # each stylesheet once, whichever pages use it
        check_css(site, str(css.relative_to(site)), css, css.read_text(encoding="utf-8"), problems)
    return problems, f"{pages} pages, {len(lessons)} lessons, {n_fig} figures, {n_math} formulas, nothing loaded from the network"

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("site", type=Path, help="the built site (e.g. _site)")
    p.add_argument("--nbs", type=Path, default=REPO/"nbs", help="the notebooks it was built from (default nbs/)")
    args = p.parse_args(argv)
    problems, summary = check(args.site.resolve(), args.nbs.resolve())
    for line in problems: print(f"check_site: {line}")
    if not problems: print(f"check_site: ok: {summary}")
    return 1 if problems else 0

if __name__ == "__main__":
    sys.exit(main())

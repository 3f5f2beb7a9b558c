"""Build the course as a static HTML site that works offline, from the notebooks' saved outputs.

    python scripts/build_site.py                      # writes _site/ (index.html + one page per lesson)
    python scripts/build_site.py --out DIR            # somewhere else
    python scripts/build_site.py --katex-dir DIR      # an installed npm `katex` package instead of installing one
    python scripts/check_site.py _site                # then check it (see that script)

Open _site/index.html in a browser, or serve it: `python -m http.server -d _site`.

What it does, with nothing but nbconvert (a dev extra) and node/npm:
- every nbs/*.ipynb except index.ipynb is a lesson page, NN_name.html, in file-name order (which is course order);
  nbs/index.ipynb is index.html. The notebooks are NOT executed: the pages show the outputs saved in them.
- every page has a sidebar listing every lesson (and previous / next links at the bottom); `NN_name` in backticks
  and links to NN_name.ipynb become links to that lesson's page.
- figures are inline: PNGs and SVGs as data: URIs, markdown images (the README's ../weights/*/loss.png) too.
- nbdev directives: a code cell with `#| hide` or `#| include: false` is left out, `#| echo: false` shows only
  the output, `#| output: false` only the code; the `#| ...` lines themselves are stripped from the code shown,
  and a cell left empty by that (`#| default_exp`) is dropped. Cell tags remove-cell / remove-input /
  remove-output (or with underscores, or `hide`) do the same. In / Out prompts are not shown.
- ipywidgets cannot run in a static page: a widget's output is replaced by a one-line note.
- maths: KaTeX, rendered at BUILD time. `npm install katex@KATEX_VERSION` into a temporary folder (the npm
  registry; npm's own cache makes later builds fast), then one `node` process turns every $...$, $$...$$ and
  \\begin{env}...\\end{env} that nbconvert's markdown parser finds into HTML + MathML. The pages carry no
  JavaScript at all; they need only assets/katex/katex.min.css and its woff2 fonts, copied into the site.
  A formula KaTeX cannot parse is shown in red (class katex-error) and listed at the end of the build.
- the JupyterLab CSS, the code-highlighting CSS and the site's own CSS are written once under assets/.
Nothing is fetched at build time but the npm package (none with --katex-dir); no page loads anything from the
network. A missing tool (nbconvert, node, npm) is one line on stderr and exit status 2.
"""
from __future__ import annotations
import argparse, copy, html, json, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KATEX_VERSION = "0.16.47"
SITE_NAME = "pea & pealm"
FIGURE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")
WIDGET_NOTE = ('<div class="site-note">An interactive widget was here. Widgets need a running kernel: '
               'open this notebook in Jupyter to use it.</div>')

def die(msg:str, code:int=2):
    print(f"build_site: error: {msg}", file=sys.stderr)
    sys.exit(code)

# --- notebooks --------------------------------------------------------------------------------------------------
DIRECTIVE = re.compile(r"^\s*#\s*\|\s*(.*?)\s*$")

def directives(source:str) -> tuple[dict, str]:
    "nbdev's leading `#| name: value` comment lines as {name: value}, and the source without them."
    lines, found = source.splitlines(), {}
    i = 0
    while i < len(lines) and (not lines[i].strip() or DIRECTIVE.match(lines[i])):
        m = DIRECTIVE.match(lines[i])
        if m and m.group(1):
            name, value = re.match(r"([^\s:]+)\s*:?\s*(.*)", m.group(1)).groups()
            found[name.lower()] = value.strip().lower() or "true"
        i += 1
    return found, "\n".join(lines[i:])

def prepare(nb):
    "Hide what nbdev hides, strip directives, and stand a note in for widgets. Changes nb in place."
    cells = []
    for cell in nb.cells:
        tags = {t.replace("_", "-") for t in cell.get("metadata", {}).get("tags", [])}
        if tags & {"hide", "remove-cell"}: continue
        if cell.cell_type == "code":
            d, src = directives(cell.source)
            if "hide" in d or d.get("include") == "false": continue
            cell.source = src
            if d.get("output") == "false" or "remove-output" in tags: cell.outputs = []
            if d.get("echo") == "false" or "remove-input" in tags or not src.strip():
                cell.metadata.setdefault("transient", {})["remove_source"] = True
            if not src.strip() and not cell.outputs: continue
            for out in cell.outputs:
                if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                    out.data = {"text/html": WIDGET_NOTE}
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb

def title_of(nb, fallback:str) -> str:
    "The first markdown heading's text (markdown source), or the file name."
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if m: return m.group(1)
    return fallback

def inline_md(text:str) -> str:
    "A title's markdown, enough of it for the sidebar: escaped, with `code`."
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))

def plain(text:str) -> str:
    return text.replace("`", "")

def lesson_number(stem:str) -> str:
    return stem.split("_", 1)[0]

# --- maths ------------------------------------------------------------------------------------------------------
KATEX_JS = r"""
const katex = require(process.argv[2]);
const rl = require('readline').createInterface({input: process.stdin, terminal: false});
rl.on('line', line => {
  const {tex, display} = JSON.parse(line);
  const warnings = [];
  const opts = {displayMode: display, throwOnError: true, output: 'htmlAndMathml',
                strict: (code, msg) => { warnings.push(msg); return 'ignore'; }};
  let out, error = null;
  try { out = katex.renderToString(tex, opts); }
  catch (e) { error = String(e.message || e); out = katex.renderToString(tex, {...opts, throwOnError: false}); }
  process.stdout.write(JSON.stringify({html: out, error, warnings}) + '\n');
});
"""

class KaTeX:
    "One node process, asked one formula per line; answers are cached."
    def __init__(self, katex_dir:Path, work:Path):
        script = work/"katex_render.js"
        script.write_text(KATEX_JS, encoding="utf-8")
        self.proc = subprocess.Popen([shutil.which("node"), str(script), str(katex_dir)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        self.cache, self.problems, self.count, self.page = {}, [], 0, ""

    def __call__(self, tex:str, display:bool) -> str:
        self.count += 1
        key = (tex, display)
        if key not in self.cache:
            self.proc.stdin.write(json.dumps({"tex": tex, "display": display}) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
            if not line: die("node stopped while rendering maths with KaTeX")
            self.cache[key] = json.loads(line)
        r = self.cache[key]
        short = " ".join(tex.split())[:80]
        if r["error"]: self.problems.append(f"{self.page}: KaTeX cannot render ${short}$: {r['error']}")
        for w in r["warnings"]: self.problems.append(f"{self.page}: KaTeX warning for ${short}$: {w}")
        return r["html"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

def install_katex(work:Path) -> Path:
    "npm install katex into work/ and return the package folder."
    if not shutil.which("npm"): die("npm is not installed (it installs KaTeX for the maths; or pass --katex-dir)")
    cmd = ["npm", "install", "--prefix", str(work), "--no-audit", "--no-fund", "--no-save", "--loglevel=error", "--prefer-offline",
           "--no-package-lock", f"katex@{KATEX_VERSION}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    pkg = work/"node_modules"/"katex"
    if r.returncode or not (pkg/"dist"/"katex.min.css").exists():
        lines = [re.sub(r"^npm (?:error|ERR!) ?", "", l).strip() for l in r.stderr.splitlines()]
        said = [l for l in lines if l and not l.startswith(("A complete log", "at ", "code ", "syscall ", "errno ", "}"))]
        die(f"npm could not install katex@{KATEX_VERSION}: {(said or lines or ['no output'])[0]}")
    return pkg

def copy_katex(pkg:Path, dest:Path):
    "katex.min.css with only its woff2 fonts (every current browser reads woff2), and those fonts."
    (dest/"fonts").mkdir(parents=True, exist_ok=True)
    css = (pkg/"dist"/"katex.min.css").read_text(encoding="utf-8")
    css = re.sub(r',url\(fonts/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)
    (dest/"katex.min.css").write_text(css, encoding="utf-8")
    for f in (pkg/"dist"/"fonts").glob("*.woff2"): shutil.copy2(f, dest/"fonts"/f.name)

# --- nbconvert --------------------------------------------------------------------------------------------------
PAGE_TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block header -%}
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{{ resources.site.title }}</title>
<link rel="stylesheet" href="assets/katex/katex.min.css">
<link rel="stylesheet" href="assets/jupyter.css">
<link rel="stylesheet" href="assets/site.css">
</head>
{%- endblock header -%}
{%- block body_header -%}
<body data-jp-theme-light="true" data-jp-theme-name="JupyterLab Light">
<div class="site">
{{ resources.site.nav }}
<main class="jp-Notebook site-main" id="content">
{%- endblock body_header -%}
{% block body_footer %}
{{ resources.site.pager }}
</main>
</div>
</body>
{% endblock body_footer %}
{% block footer %}
</html>
{% endblock footer %}
{#- the lab template passes highlighted code through bleach (clean_html), a third of the build's time; Pygments
    has escaped it already -#}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
{#- a text/latex output ($...$ or \begin{...}): the lab template leaves it for MathJax; here KaTeX renders it -#}
{% block data_latex scoped %}
<div class="jp-RenderedLatex jp-OutputArea-output {{ extra_class }}" data-mime-type="text/latex">
{{ output.data['text/latex'] | markdown2html }}
</div>
{%- endblock data_latex %}
"""

def make_exporter(katex:KaTeX, lessons:set):
    from jinja2 import DictLoader, pass_context
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class Renderer(IPythonRenderer):
        def block_math(self, body): return katex(body, True)
        def inline_math(self, body): return katex(body, False)
        def latex_environment(self, name, body): return katex(f"\\begin{{{name}}}{body}\\end{{{name}}}", True)
        def multiline_math(self, text): return text
        def codespan(self, text):
            stem = text.removesuffix(".ipynb")
            if stem in lessons: return f'<a class="site-xref" href="{stem}.html"><code>{text}</code></a>'
            return super().codespan(text)
        def link(self, text, url, title=None):
            text = re.sub(r'<a class="site-xref" href="[^"]*">(.*?)</a>', r"\1", text)
            return super().link(text, url, title)
        def _src_to_base64(self, src):
            "Embed any image inside the repository (nbconvert's own allows only the notebook's folder)."
            if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I): return None
            path = (Path(self.path)/src).resolve()
            if REPO not in path.parents or not path.is_file(): return None
            import base64, mimetypes
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"

    class SiteExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            "HTMLExporter's, less its last step: a BeautifulSoup pass over the whole page (see finish_page)."
            try:
                from nbconvert.exporters.templateexporter import TemplateExporter
                from nbconvert.filters.highlight import Highlight2HTML
                from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
                info = nb.metadata.get("language_info", {})
                self.register_filter("highlight_code", Highlight2HTML(
                    pygments_lexer=info.get("pygments_lexer", info.get("name")), parent=self))
                resources = self._init_resources(resources)
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            except (ImportError, AttributeError):  # another nbconvert: its own way, slower
                return super().from_notebook_node(nb, resources, **kw)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            r = Renderer(escape=False, attachments=cell.get("attachments", {}), embed_images=True, path=path,
                         anchor_link_text="¶", exclude_anchor_links=False)
            return MarkdownWithMath(renderer=r).render(source)

    return SiteExporter(template_name="lab", extra_loaders=[DictLoader({"site.html.j2": PAGE_TEMPLATE})],
                        template_file="site.html.j2", exclude_input_prompt=True, exclude_output_prompt=True,
                        embed_images=True)

def jupyter_css(exporter, pygments_css:list) -> str:
    "JupyterLab's notebook CSS and light theme, as the lab template inlines them in every page, once."
    for d in exporter.template_paths:
        if (Path(d)/"static"/"index.css").exists():
            static = Path(d)/"static"
            return "\n".join([(static/"index.css").read_text(encoding="utf-8"),
                              (static/"theme-light.css").read_text(encoding="utf-8"), *pygments_css])
    die("nbconvert's lab template has no static/index.css (reinstall nbconvert)")

SITE_CSS = """
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { scroll-padding-top: 1rem; }
body { margin: 0; background: var(--jp-layout-color0); color: var(--jp-content-font-color1);
       font-family: var(--jp-content-font-family); }
.site { display: grid; grid-template-columns: 17rem minmax(0, 1fr); min-height: 100vh; }
.site-nav { position: sticky; top: 0; height: 100vh; overflow-y: auto; box-sizing: border-box;
            padding: 1rem 0.75rem 2rem; background: #f6f7f9; border-right: 1px solid var(--jp-border-color2);
            font-family: var(--jp-ui-font-family); font-size: 13px; line-height: 1.35; }
.site-nav .site-home { display: block; font-weight: 700; font-size: 16px; padding: 0.25rem 0.5rem 0.75rem;
                       color: var(--jp-content-font-color0); text-decoration: none; }
.site-nav ol { list-style: none; margin: 0; padding: 0; }
.site-nav li a { display: flex; gap: 0.5rem; padding: 0.3rem 0.5rem; border-radius: 4px;
                 color: var(--jp-content-font-color1); text-decoration: none; }
.site-nav li a:hover { background: #e8ebf0; }
.site-nav li a[aria-current="page"] { background: #dde6f5; color: #0b3d91; font-weight: 600; }
.site-nav .num { flex: 0 0 2.2em; color: var(--jp-content-font-color2); font-variant-numeric: tabular-nums; }
.site-nav code { font-size: 0.95em; }
.site-main { box-sizing: border-box; max-width: 62rem; width: 100%; padding: 1.5rem 2rem 3rem;
             overflow: visible; outline: none; }
.site-main .jp-Cell { padding: 0.25rem 0; }
.site-main .jp-InputArea-editor { border-radius: 4px; }
a.anchor-link { display: none; }
.jp-RenderedHTMLCommon :is(h1, h2, h3, h4):hover a.anchor-link { display: inline; text-decoration: none;
                                                               margin-left: 0.3em; color: #999; }
.jp-InputArea { overflow: hidden; }
.jp-InputArea-editor { overflow: hidden; }
.cm-editor.cm-s-jupyter .highlight pre { padding: var(--jp-code-padding) 4px; margin: 0; font-family: inherit;
  font-size: inherit; line-height: inherit; color: inherit; }
.jp-OutputArea-output pre { line-height: inherit; font-family: inherit; overflow-x: auto; }
.cm-editor .highlight pre { overflow-x: auto; }
.jp-RenderedText pre { color: var(--jp-content-font-color1); font-size: var(--jp-code-font-size); }
.jp-Collapser { display: none; }
.jp-RenderedImage img, .jp-RenderedSVG img, .jp-RenderedHTMLCommon img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon .katex-display { overflow-x: auto; overflow-y: hidden; padding: 0.2em 0; }
.jp-RenderedHTMLCommon .katex { font-size: 1.1em; }
.katex-error { background: #fee; }
a.site-xref code { color: #0b57d0; }
a.site-xref:hover code { text-decoration: underline; }
.jp-RenderedMarkdown div.highlight, .jp-RenderedMarkdown > pre { margin: 0.6em 0 1em; }
.jp-RenderedMarkdown div.highlight pre, .jp-RenderedMarkdown > pre { padding: 0.5em 0.75em; border-radius: 4px;
  background: var(--jp-cell-editor-background); border: 1px solid var(--jp-cell-editor-border-color);
  overflow-x: auto; }
.site-note { padding: 0.5rem 0.75rem; border-left: 3px solid #c8a400; background: #fff9db; font-size: 13px; }
.site-pager { display: flex; justify-content: space-between; gap: 1rem; margin-top: 3rem; padding-top: 1rem;
              border-top: 1px solid var(--jp-border-color2); font-family: var(--jp-ui-font-family); font-size: 14px; }
.site-pager a { text-decoration: none; color: #0b57d0; }
.site-pager .next { margin-left: auto; text-align: right; }
@page { margin: 0.5in; }
@media (max-width: 860px) {
  .site { display: block; }
  .site-nav { position: static; height: auto; border-right: 0; border-bottom: 1px solid var(--jp-border-color2); }
  .site-main { padding: 1rem; }
}
@media print {
  .site { display: block; } .site-nav, .site-pager { display: none; }
  .jp-Cell-inputWrapper, .jp-Cell-outputWrapper { display: block; }
}
"""

# --- the site ---------------------------------------------------------------------------------------------------
def nav_html(pages:list, current:str) -> str:
    items = []
    for p in pages[1:]:
        cur = ' aria-current="page"' if p["stem"] == current else ""
        items.append(f'<li><a href="{p["stem"]}.html"{cur}><span class="num">{lesson_number(p["stem"])}</span>'
                     f'<span>{inline_md(p["title"])}</span></a></li>')
    cur = ' aria-current="page"' if current == "index" else ""
    return (f'<nav class="site-nav" aria-label="Lessons"><a class="site-home" href="index.html"{cur}>'
            f'{html.escape(SITE_NAME)}</a><ol>{"".join(items)}</ol></nav>')

def pager_html(pages:list, i:int) -> str:
    parts = []
    if i > 0:
        p = pages[i-1]
        label = "Home" if p["stem"] == "index" else f'{lesson_number(p["stem"])} {inline_md(p["title"])}'
        parts.append(f'<a class="prev" href="{p["stem"]}.html">&larr; {label}</a>')
    if i + 1 < len(pages):
        p = pages[i+1]
        parts.append(f'<a class="next" href="{p["stem"]}.html">{lesson_number(p["stem"])} {inline_md(p["title"])} &rarr;</a>')
    return f'<nav class="site-pager" aria-label="Previous and next">{"".join(parts)}</nav>'

def finish_page(page:str) -> str:
    "What HTMLExporter does with BeautifulSoup, with regexes: alt text on images, focusable cells."
    page = re.sub(r"<img (?![^>]*\balt=)", '<img alt="A figure from the notebook" ', page)
    page = re.sub(r'(<div class="jp-Cell-inputWrapper")', r'\1 tabindex="0"', page)
    return re.sub(r'(<div class="[^"]*\bjp-OutputArea-output\b[^"]*")', r'\1 tabindex="0"', page)

def fix_links(page:str, stems:set, problems:list, name:str) -> str:
    "Links to NN_name.ipynb go to NN_name.html; relative links to anything else outside the site are reported."
    def repl(m):
        url = m.group(2)
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:|#|data:)", url, re.I): return m.group(0)
        path, _, frag = url.partition("#")
        stem = Path(path).stem
        if path.endswith(".ipynb") and stem in stems:
            return f'{m.group(1)}"{stem}.html{"#" + frag if frag else ""}"'
        if not (path.endswith(".html") and stem in stems) and not path.startswith("assets/"):
            problems.append(f"{name}: relative link {url!r} points outside the site")
        return m.group(0)
    return re.sub(r'(\shref=)"([^"]*)"', repl, page)

def build(out:Path, nbs:Path, katex_dir:Path|None) -> dict:
    try:
        import nbformat
        from nbconvert import HTMLExporter  # noqa: F401
    except ImportError as e:
        die(f"{e.name} is not installed (pip install -e '.[dev]' brings nbconvert)")
    if not shutil.which("node"): die("node is not installed (it renders the maths with KaTeX; apt-get install nodejs npm)")
    paths = sorted(p for p in nbs.glob("*.ipynb") if p.stem != "index")
    if not (nbs/"index.ipynb").exists(): die(f"{nbs/'index.ipynb'} not found")
    if not paths: die(f"no lessons in {nbs}")

    if out.exists() and any(out.iterdir()) and not (out/"assets"/"site.css").exists():
        die(f"refusing to replace {out}: it is not empty and not a site this script built")
    if out in (REPO, nbs) or out in REPO.parents or nbs.is_relative_to(out):
        die(f"refusing to write the site over {out}")

    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pealm-site-") as tmp:
        work = Path(tmp)
        pkg = katex_dir or install_katex(work)
        if not (pkg/"dist"/"katex.min.css").exists(): die(f"{pkg} is not a katex package (no dist/katex.min.css)")
        katex_version = json.loads((pkg/"package.json").read_text())["version"]
        t_npm = time.perf_counter() - t0

        pages = [{"stem": "index", "path": nbs/"index.ipynb"}] + [{"stem": p.stem, "path": p} for p in paths]
        for p in pages:
            p["nb"] = nbformat.read(p["path"], as_version=4)
            p["title"] = title_of(p["nb"], p["stem"]) if p["stem"] != "index" else SITE_NAME
        stems = {p["stem"] for p in pages}
        lessons = stems - {"index"}

        tmp_out = work/"site"  # moved to out only once it is complete
        (tmp_out/"assets").mkdir(parents=True)
        katex = KaTeX(pkg, work)
        exporter = make_exporter(katex, lessons)
        problems, pygments_css, figures = [], None, 0
        for i, p in enumerate(pages):
            katex.page = p["stem"]
            nb = prepare(copy.deepcopy(p["nb"]))
            figures += sum(any(t in o.get("data", {}) for t in FIGURE_TYPES)
                           for c in nb.cells if c.cell_type == "code" for o in c.outputs)
            title = SITE_NAME if p["stem"] == "index" else \
                f'{lesson_number(p["stem"])} · {plain(p["title"])} — {SITE_NAME}'
            resources = {"metadata": {"path": str(p["path"].parent), "name": p["stem"]},
                         "site": {"title": html.escape(title), "nav": nav_html(pages, p["stem"]),
                                  "pager": pager_html(pages, i)}}
            body, res = exporter.from_notebook_node(nb, resources=resources)
            if pygments_css is None: pygments_css = list(res.get("inlining", {}).get("css", []))
            body = fix_links(finish_page(body), stems, problems, p["stem"])
            (tmp_out/f'{p["stem"]}.html').write_text(body, encoding="utf-8")
        katex.close()
        (tmp_out/"assets"/"jupyter.css").write_text(jupyter_css(exporter, pygments_css), encoding="utf-8")
        (tmp_out/"assets"/"site.css").write_text(SITE_CSS, encoding="utf-8")
        copy_katex(pkg, tmp_out/"assets"/"katex")
        (tmp_out/".nojekyll").write_text("")
        if out.exists(): shutil.rmtree(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tmp_out), str(out))

    seconds = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return dict(pages=len(pages), lessons=len(lessons), maths=katex.count, distinct_maths=len(katex.cache),
                figures=figures, katex=katex_version, seconds=seconds, npm_seconds=t_npm, bytes=size,
                problems=katex.problems + problems)

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=REPO/"_site", help="the site's folder, replaced whole (default _site/)")
    p.add_argument("--nbs", type=Path, default=REPO/"nbs", help="the notebooks (default nbs/)")
    p.add_argument("--katex-dir", type=Path, help="an installed npm katex package folder (skips npm install)")
    args = p.parse_args(argv)
    r = build(args.out.resolve(), args.nbs.resolve(), args.katex_dir.resolve() if args.katex_dir else None)
    for line in r["problems"]: print(f"build_site: warning: {line}", file=sys.stderr)
    print(f"build_site: {r['pages']} pages ({r['lessons']} lessons + index), {r['figures']} figures, "
          f"{r['maths']} formulas ({r['distinct_maths']} distinct) with KaTeX {r['katex']}, "
          f"{r['bytes']/2**20:.1f} MiB in {args.out}, {r['seconds']:.1f} s (npm {r['npm_seconds']:.1f} s)")
    return 0

if __name__ == "__main__":
    sys.exit(main())

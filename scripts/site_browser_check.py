"""The built course site in a real browser: the index and two lessons open in headless Chromium, and their
figures and maths are really drawn.

    python scripts/build_site.py --out _site
    python scripts/site_browser_check.py _site                  # screenshots in a new temporary folder
    python scripts/site_browser_check.py _site --out shots      # screenshots in shots/
    python scripts/site_browser_check.py _site --lesson 12a_mlp --lesson 17_train   # other lessons

scripts/check_site.py reads the HTML; this script looks at what a browser makes of it. It serves SITE_DIR from a
local HTTP server on a free loopback port (http.server in a thread; every request that got an error is a
failure), then starts Debian's Chromium, headless, at 1280x900, driven by Selenium through the system chromedriver
(/usr/bin/chromedriver; Selenium Manager is never run, nothing is downloaded, and the browser cannot resolve any
host but the loopback one, so a page that needs the network shows it). Then:

  index      has a <title> and an <h1>, and its sidebar (nav.site-nav) links to every lesson page: as many
             links as there are NN*.html pages in the site, each to one of them; screenshot index.png
  lessons    02_viz (Graphviz SVGs) and 15a_fast_decode (matplotlib PNGs and KaTeX maths), or --lesson; a
             lesson that is not in the site is replaced by another lesson whose page has figures. For each:
             every <img> in the page has loaded (complete, naturalWidth > 0) and at least one figure (a loaded
             <img> or an inline <svg>, not KaTeX's own) has a nonzero rendered size; where the page has maths
             (or its notebook in nbs/ does), KaTeX's .katex elements are there, drawn with KaTeX's fonts
             (loaded, none failed) and there is no .katex-error; the first figure is scrolled into view and the
             window saved as NN_name.png

One `ok: ...` line per check, with its numbers, or one `FAIL: ...` line per problem, then a summary line; exit 0
when all pass, 1 when one fails, 2 (one line) when Chromium, chromedriver or Selenium is missing. The HTTP server,
chromedriver and Chromium are stopped at the end, on failure too. It takes some 10-30 s.
"""
from __future__ import annotations
import argparse, functools, http.server, os, re, signal, subprocess, sys, tempfile, threading, time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
from browser_check import (CheckFailed, Procs, Stop, _quietly, quit_driver, start_chromium,  # noqa: E402  (the browser,
                           wait)                                                    # its processes, a clean-up that cannot hang)
import check_site  # noqa: E402  (the HTML parser that counts a page's figures, and the notebooks' expected maths)

REPO = SCRIPTS.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL = "sudo apt-get install chromium chromium-driver"
WINDOW = (1280, 900)
LESSONS = ("02_viz", "15a_fast_decode")  # Graphviz SVGs; matplotlib PNGs and KaTeX maths
LESSON_PAGE = re.compile(r"^\d\d.*\.html$")


class Checks:
    def __init__(self): self.passed, self.failed = 0, 0
    def ok(self, msg): self.passed += 1; print(f"ok: {msg}", flush=True)
    def fail(self, msg): self.failed += 1; print(f"FAIL: {msg}", flush=True)


# --- the HTTP server ---

class Server:
    "SITE_DIR on http://127.0.0.1:PORT/ in a thread; the requests that got an error status are kept."
    def __init__(self, site: Path):
        self.errors = []
        errors = self.errors

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args): pass
            def log_request(self, code="-", size="-"):
                if isinstance(code, int) and code >= 400: errors.append(f"{code} {self.path}")
            def log_error(self, fmt, *args): pass  # send_error calls log_request with the status too

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(5)


# --- the browser ---

def open_chromium(chromium, chromedriver, tmp: Path, procs: Procs):
    "browser_check's Chromium at 1x scale, scrollbars hidden, every host but the loopback server unresolvable."
    return start_chromium(chromium, chromedriver, tmp, procs, window=WINDOW, scale=1, page_timeout=60, script_timeout=30,
                          extra_args=("--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
                          exact_viewport=True)


def open_page(driver, url, what):
    driver.get(url)
    wait(driver, f"{what} to load", lambda d: d.execute_script("return document.readyState") == "complete", 30)
    # fonts (KaTeX's) and image decoding may finish after the load event
    driver.execute_async_script("const done = arguments[arguments.length - 1]; document.fonts.ready.then(() => done(1));")


def browser_errors(driver):
    try: return list(dict.fromkeys(e["message"][:300] for e in driver.get_log("browser")
                                   if e.get("level") == "SEVERE" and "/favicon.ico " not in e["message"]))
    except Exception: return []


JS_INDEX = """
const nav = document.querySelector('nav.site-nav');
const h1 = document.querySelector('main h1, h1');
const links = nav ? Array.from(nav.querySelectorAll('ol a')) : [];
const r = nav ? nav.getBoundingClientRect() : null;
const heading = h1 ? h1.cloneNode(true) : null;
if (heading) heading.querySelectorAll('.anchor-link').forEach(a => a.remove());  // nbconvert's pilcrow link
return {title: document.title, h1: heading ? heading.textContent.trim() : null,
        nav: r ? [Math.round(r.width), Math.round(r.height)] : null,
        links: links.map(a => new URL(a.href).pathname.split('/').pop()),
        home: nav ? !!nav.querySelector('a.site-home[href="index.html"]') : false};
"""

# A figure: an <img>, or an outermost <svg> that is not KaTeX's (it draws some symbols, \\sqrt, with <svg>).
JS_FIGURES = """
const out = [];
for (const e of document.querySelectorAll('main img, main svg')) {
  if (e.closest('.katex, .katex-display')) continue;
  if (e.tagName.toLowerCase() === 'svg' && e.parentElement && e.parentElement.closest('svg')) continue;
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  const img = e.tagName.toLowerCase() === 'img';
  const m = img ? /^data:([^;,]+)/.exec(e.getAttribute('src') || '') : null;
  out.push({kind: img ? 'img' : 'svg', type: img ? (m ? m[1] : (e.getAttribute('src') || '').split('/').pop()) : 'inline svg',
            complete: img ? e.complete : true,
            loaded: img ? (e.complete && e.naturalWidth > 0) : true,
            natural: img ? [e.naturalWidth, e.naturalHeight] : null,
            size: [Math.round(r.width), Math.round(r.height)],
            visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'});
}
return out;
"""

JS_MATHS = """
const all = Array.from(document.querySelectorAll('.katex'));
const shown = all.filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
const html = document.querySelector('.katex .katex-html');
const fonts = Array.from(document.fonts).filter(f => f.family.replace(/["']/g, '').startsWith('KaTeX'));
return {count: all.length, shown: shown.length, errors: document.querySelectorAll('.katex-error').length,
        family: html ? getComputedStyle(html.querySelector('.base') || html).fontFamily : '',
        loaded: fonts.filter(f => f.status === 'loaded').map(f => f.family.replace(/["']/g, '')),
        failed: fonts.filter(f => f.status === 'error').map(f => f.family.replace(/["']/g, ''))};
"""

JS_REMOTE = """
return performance.getEntriesByType('resource').map(e => e.name)
  .filter(u => !u.startsWith(location.origin + '/') && !u.startsWith('data:'));
"""


def screenshot_figure(driver, index, path: Path):
    "Scroll the index-th figure into view (its top near the window's top if it is taller than the window) and save the window."
    driver.execute_script("""
      const figs = Array.from(document.querySelectorAll('main img, main svg')).filter(e =>
        !e.closest('.katex, .katex-display') && !(e.tagName.toLowerCase() === 'svg' && e.parentElement && e.parentElement.closest('svg')));
      const e = figs[arguments[0]], r = e.getBoundingClientRect();
      e.scrollIntoView({block: r.height > window.innerHeight - 40 ? 'start' : 'center'});
      if (r.height > window.innerHeight - 40) window.scrollBy(0, -20);""", index)
    time.sleep(0.3)
    driver.save_screenshot(str(path))
    return path


# --- the checks ---

def check_index(driver, checks, base, site: Path, out: Path):
    pages = sorted(p.name for p in site.glob("*.html") if LESSON_PAGE.match(p.name))
    open_page(driver, f"{base}/index.html", "index.html")
    s = driver.execute_script(JS_INDEX)
    problems = []
    if not s["title"].strip(): problems.append("index.html: the page has no <title>")
    if not s["h1"]: problems.append("index.html: the page has no <h1> heading")
    if not s["nav"] or not all(s["nav"]): problems.append(f"index.html: the sidebar nav.site-nav is missing or not drawn ({s['nav']})")
    if not s["home"]: problems.append("index.html: the sidebar has no home link to index.html")
    linked = s["links"]
    if len(linked) != len(pages):
        problems.append(f"index.html: the sidebar has {len(linked)} lesson links, the site {len(pages)} lesson pages")
    for p in sorted(set(pages) - set(linked)): problems.append(f"index.html: the sidebar does not link to {p}")
    for p in sorted(set(linked) - set(pages)): problems.append(f"index.html: the sidebar links to {p}, which is not a lesson page in the site")
    shot = out / "index.png"; driver.save_screenshot(str(shot))
    if problems: raise CheckFailed(" | ".join(problems))
    checks.ok(f"index.html: title {s['title']!r}, heading {s['h1'][:60]!r}; sidebar {s['nav'][0]}x{s['nav'][1]} px "
              f"links to all {len(pages)} lesson pages ({pages[0]} .. {pages[-1]}); screenshot {shot}")


def notebook_has_maths(stem) -> bool:
    nb = REPO / "nbs" / f"{stem}.ipynb"
    if not nb.exists(): return False
    import json
    try: return check_site.expected(json.loads(nb.read_text(encoding="utf-8")))[1]
    except Exception: return False


def check_lesson(driver, checks, base, stem, out: Path):
    open_page(driver, f"{base}/{stem}.html", f"{stem}.html")
    figs, = wait(driver, f"{stem}.html's images to finish loading",  # a 1-tuple: a page with no figures is truthy too
                 lambda d: (lambda f: (f,) if all(x["complete"] for x in f) else None)(d.execute_script(JS_FIGURES)), 15)
    problems = []
    broken = [i for i, f in enumerate(figs) if f["kind"] == "img" and not f["loaded"]]
    if broken: problems.append(f"{stem}.html: {len(broken)} of {sum(f['kind'] == 'img' for f in figs)} <img> did not load (broken image)")
    drawn = [i for i, f in enumerate(figs) if f["loaded"] and f["visible"]]
    if not drawn:
        problems.append(f"{stem}.html: no figure drawn ({len(figs)} <img>/<svg> in the page, none loaded with a nonzero size)")
    else:
        imgs = [figs[i] for i in drawn if figs[i]["kind"] == "img"]
        svgs = [figs[i] for i in drawn if figs[i]["kind"] == "svg"]
        sizes = ", ".join(f"{f['kind']} {f['type']} {f['size'][0]}x{f['size'][1]}" + (f" (natural {f['natural'][0]}x{f['natural'][1]})" if f["natural"] else "")
                          for f in (figs[i] for i in drawn[:4]))
        more = f", ... {len(drawn) - 4} more" if len(drawn) > 4 else ""
        if not broken:
            checks.ok(f"{stem}.html: {len(drawn)} figures drawn ({len(imgs)} loaded <img>, {len(svgs)} inline <svg>): {sizes}{more}")

    m = driver.execute_script(JS_MATHS)
    wants_maths = m["count"] or m["errors"] or notebook_has_maths(stem)
    if wants_maths:
        if not m["count"]: problems.append(f"{stem}.html: its notebook has maths, the page no rendered KaTeX (.katex)")
        elif not m["shown"]: problems.append(f"{stem}.html: {m['count']} .katex elements, none drawn with a nonzero size")
        if m["errors"]: problems.append(f"{stem}.html: {m['errors']} formula(s) KaTeX could not render (.katex-error)")
        if m["count"] and "KaTeX" not in m["family"]: problems.append(f"{stem}.html: the maths is not in KaTeX's fonts (font-family {m['family']!r}; katex.min.css not applied?)")
        if m["failed"]: problems.append(f"{stem}.html: KaTeX fonts failed to load: {', '.join(sorted(set(m['failed'])))}")
        elif m["count"] and not m["loaded"]: problems.append(f"{stem}.html: no KaTeX font loaded")
        if m["count"] and m["shown"] and not m["errors"] and not m["failed"] and m["loaded"] and "KaTeX" in m["family"]:
            checks.ok(f"{stem}.html: {m['count']} formulas rendered by KaTeX, {m['shown']} drawn, no .katex-error; "
                      f"fonts loaded: {', '.join(sorted(set(m['loaded'])))}")
    remote = driver.execute_script(JS_REMOTE)
    if remote: problems.append(f"{stem}.html: loaded from outside the site: {', '.join(remote[:3])}")
    if drawn:
        shot = screenshot_figure(driver, drawn[0], out / f"{stem}.png")
        f = figs[drawn[0]]
        checks.ok(f"{stem}.html: first figure ({f['kind']} {f['type']} {f['size'][0]}x{f['size'][1]}) scrolled into view; screenshot {shot}")
    else:
        _quietly(lambda: driver.save_screenshot(str(out / f"{stem}-failed.png")))
    if problems: raise CheckFailed(" | ".join(problems))


def pick_lessons(site: Path, wanted) -> tuple[list, list]:
    "The lessons to open: each wanted one that is in the site, others (with figures, maths first) for those that are not."
    pages = sorted(p.stem for p in site.glob("*.html") if LESSON_PAGE.match(p.name))
    chosen = [s for s in wanted if s in pages]
    missing = [s for s in wanted if s not in pages]
    notes = []
    if missing:
        scored = []
        for stem in pages:
            if stem in chosen: continue
            page = check_site.Page(); page.feed((site / f"{stem}.html").read_text(encoding="utf-8")); page.close()
            if page.figures: scored.append((-(page.katex > 0), pages.index(stem), stem))
        for s, (_, _, stem) in zip(missing, sorted(scored)):
            chosen.append(stem); notes.append(f"{s}.html is not in the site: {stem}.html instead")
        for s in missing[len(scored):]: notes.append(f"{s}.html is not in the site, and no other lesson page has figures")
    return chosen, notes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path, help="the built site (python scripts/build_site.py --out DIR)")
    ap.add_argument("--out", type=Path, help="folder for the screenshots (default: a new temporary folder)")
    ap.add_argument("--lesson", action="append", help=f"a lesson to open, e.g. 12a_mlp (repeatable; default {' and '.join(LESSONS)})")
    ap.add_argument("--chromium", default=CHROMIUM, help=f"Chromium binary (default {CHROMIUM})")
    ap.add_argument("--chromedriver", default=CHROMEDRIVER, help=f"chromedriver (default {CHROMEDRIVER})")
    ap.add_argument("--timeout", type=float, default=120, help="seconds for the whole check (default 120)")
    args = ap.parse_args(argv)

    missing = [p for p in (args.chromium, args.chromedriver) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    if missing:
        print(f"site_browser_check: {' and '.join(missing)} not found: {INSTALL}"); return 2
    try: import selenium  # noqa: F401
    except ImportError:
        print("site_browser_check: selenium is not installed: pip install -e '.[dev]' (or pip install selenium)"); return 2
    site = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"site_browser_check: FAIL: {site}/index.html not found (build the site: python scripts/build_site.py --out {args.site})")
        return 1

    t_start = time.monotonic()
    checks, procs = Checks(), Procs()
    tmp = Path(tempfile.mkdtemp(prefix="pealm-site-browser."))
    out = args.out or Path(tempfile.mkdtemp(prefix="pealm-site-shots."))
    out.mkdir(parents=True, exist_ok=True); out = out.resolve()
    server = driver = None

    def stop(signum, frame): raise Stop(f"stopped by {signal.Signals(signum).name}")
    def too_long(signum, frame): raise Stop(f"the whole check took more than --timeout {args.timeout:.0f} s")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, too_long); signal.alarm(int(args.timeout))
    try:
        lessons, notes = pick_lessons(site, args.lesson or LESSONS)
        for n in notes: (checks.ok if "instead" in n else checks.fail)(n)
        server = Server(site)
        version = subprocess.run([args.chromium, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
        driver = open_chromium(args.chromium, args.chromedriver, tmp, procs)
        checks.ok(f"serving {site} on {server.url}; {version} headless at {WINDOW[0]}x{WINDOW[1]} via {args.chromedriver}")
        for name, check in [("index", lambda: check_index(driver, checks, server.url, site, out))] + \
                           [(s, functools.partial(check_lesson, driver, checks, server.url, s, out)) for s in lessons]:
            try: check()
            except (CheckFailed, Exception) as e:
                for line in why(e): checks.fail(line)
        for e in dict.fromkeys(server.errors):  # each failed request once, in order
            if e.endswith(" /favicon.ico"): continue  # Chromium asks for one by itself; no page refers to it
            n = server.errors.count(e)
            checks.fail(f"HTTP {e}{f' ({n} requests)' if n > 1 else ''}: a file the pages refer to is not in the site")
    except KeyboardInterrupt:
        checks.fail("interrupted (Ctrl-C)")
    except (Exception, Stop) as e:
        for line in why(e): checks.fail(line)
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT): signal.signal(sig, signal.SIG_IGN)  # the clean-up is not interrupted
        if checks.failed and driver is not None:
            for m in browser_errors(driver)[:5]: print(f"      browser console: {m}")
        procs.refresh()
        quit_driver(driver)
        if server is not None: _quietly(server.stop)
        left = procs.kill_all()
        if left: checks.fail(f"clean-up: still running after SIGKILL: {', '.join(left)}")
        if checks.failed and (tmp / "chromedriver.log").exists():
            _quietly(lambda: (out / "chromedriver.log").write_bytes((tmp / "chromedriver.log").read_bytes()))
        import shutil; shutil.rmtree(tmp, ignore_errors=True)
    secs = time.monotonic() - t_start
    if checks.failed:
        print(f"site_browser_check: {checks.failed} failed, {checks.passed} passed in {secs:.0f} s; screenshots in {out}"); return 1
    print(f"site_browser_check: all {checks.passed} checks passed in {secs:.0f} s "
          f"(index + {', '.join(lessons)}; server, chromedriver and chromium stopped); screenshots in {out}")
    return 0


def why(e) -> list:
    "One line per problem: our own messages as they are (several joined by ' | '), anything else with its type."
    if isinstance(e, (CheckFailed, Stop)): return str(e).split(" | ")
    msg = (str(e).strip().splitlines() or [""])[0].removeprefix("Message: ")
    return [f"{type(e).__name__}: {msg}"]


if __name__ == "__main__":
    sys.exit(main())

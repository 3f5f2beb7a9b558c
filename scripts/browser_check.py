"""The course's widgets in a real browser, the way a learner uses them: JupyterLab, Chromium, Run All, then a slider
and a button.

    python scripts/browser_check.py                  # screenshots in a new temporary folder, its paths printed
    python scripts/browser_check.py --out shots      # screenshots in shots/

It starts JupyterLab headless on a free loopback port (token auth with a random token, its own temporary config,
data, runtime, settings and workspace folders, no browser opened by jupyter, the environment passed through), then
Debian's Chromium, headless, driven by Selenium through the system chromedriver (/usr/bin/chromedriver; Selenium
Manager is never run and nothing is downloaded). For each of two lessons it opens the notebook, waits for an idle
kernel, clears the outputs and runs every cell from JupyterLab's menus (Edit > Clear Outputs of All Cells,
Run > Run All Cells), waits for the last cell, then:

  02_viz     moves the graph explorer's x2 slider with the arrow keys: the SVG's x2 box shows the slider's new
             value; presses Backward: the SVG's grads change, and w2's grad is x2 * (1 - o^2) as backprop says
  15_sample  types a new prompt into the SamplingWidget and presses Generate: the output box gets the prompt and
             new text, and the status line its token count

The lessons run on copies (in a temporary mirror of the repository whose other entries are links back to it), so
the working tree is never written to. A screenshot of each widget goes to --out. Every process it started (the
Jupyter server and its kernels, chromedriver and Chromium) is stopped at the end, on failure too.

One line per check, PASS or FAIL; exit 0 when all pass, 1 when one fails, 2 (one line) when Chromium, chromedriver
or Selenium is missing.
"""
from __future__ import annotations
import argparse, json, math, os, re, secrets, shutil, signal, socket, subprocess, sys, tempfile, threading, time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL = "apt-get install chromium chromium-driver"
WINDOW, SCALE = (2720, 1440), 0.75  # CSS pixels wide enough for the explorer's whole graph (1825pt); screenshots about 2040x975
NEURON_B = 6.8813735870195432  # lesson 02's neuron: o = tanh(x1*w1 + x2*w2 + b) with x1=2, w1=-3, w2=1


class CheckFailed(Exception): pass


class Stop(BaseException):
    "SIGTERM or --timeout: not an Exception, so that no library's `except Exception` (or its timeout handling) swallows it."


class Checks:
    "PASS/FAIL lines and their count."
    def __init__(self): self.passed, self.failed = 0, 0
    def ok(self, msg): self.passed += 1; print(f"PASS  {msg}", flush=True)
    def fail(self, msg): self.failed += 1; print(f"FAIL  {msg}", flush=True)


# --- processes: everything started is tracked (with its descendants) and killed by process group at the end ---

def _proc_table() -> dict:
    "pid -> (ppid, pgid, starttime) for every process, from /proc."
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit(): continue
        try: stat = Path(f"/proc/{d}/stat").read_text()
        except OSError: continue
        f = stat[stat.rindex(")") + 2:].split()  # the command name in parentheses may hold spaces
        table[int(d)] = (int(f[1]), int(f[2]), int(f[19]))
    return table


class Procs:
    "The processes this script started and all their descendants (a kernel or a renderer may start a session of its own)."
    def __init__(self): self.roots, self.seen = [], {}  # seen: pid -> (starttime, name)

    def add(self, pid, name):
        self.roots.append((pid, name)); self.refresh()

    def refresh(self):
        table = _proc_table()
        children = {}
        for pid, (ppid, _, _) in table.items(): children.setdefault(ppid, []).append(pid)
        for root, name in self.roots:
            stack = [root]
            while stack:
                pid = stack.pop()
                if pid not in table: continue
                if pid != root and pid in self.seen and self.seen[pid][0] != table[pid][2]: continue
                self.seen.setdefault(pid, (table[pid][2], name if pid == root else f"{name} child"))
                stack.extend(children.get(pid, []))

    def alive(self) -> dict:
        table = _proc_table()
        return {pid: (table[pid][1], name) for pid, (start, name) in self.seen.items()
                if pid in table and table[pid][2] == start and pid != os.getpid()}

    def kill_all(self, grace=5.0) -> list:
        "SIGTERM every live tracked process and its process group, then SIGKILL what is left; the names still alive."
        self.refresh()
        own_pgid = os.getpgid(0)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            live = self.alive()
            if not live: break
            for pgid in {g for g, _ in live.values() if g != own_pgid}:
                try: os.killpg(pgid, sig)
                except OSError: pass
            for pid in live:
                try: os.kill(pid, sig)
                except OSError: pass
            end = time.monotonic() + grace
            while time.monotonic() < end and self.alive(): time.sleep(0.1)
        return sorted({name for _, name in self.alive().values()})


# --- JupyterLab ---

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def mirror_repo(root: Path, notebooks) -> Path:
    "A folder that looks like the repository: the lessons copied, every other entry a link back, so relative paths work."
    root.mkdir()
    for p in REPO.iterdir():
        if p.name not in ("nbs", ".git"): (root / p.name).symlink_to(p)
    (root / "nbs").mkdir()
    for p in (REPO / "nbs").iterdir():
        if p.name in notebooks: shutil.copy2(p, root / "nbs" / p.name)
        elif not p.name.startswith(".ipynb_checkpoints"): (root / "nbs" / p.name).symlink_to(p)
    return root


LAB_SETTINGS = {  # user settings in the temporary settings folder: nothing fetched, nothing saved
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/extensionmanager-extension/plugin": {"enabled": False},
}


def start_jupyter(tmp: Path, root: Path, procs: Procs, log_path: Path, timeout=90.0):
    "Start JupyterLab on a free loopback port; (process, base url, token) once /api/status answers."
    token = secrets.token_hex(24)
    dirs = {k: tmp / k for k in ("config", "data", "runtime", "ipython")}
    for d in dirs.values(): d.mkdir(exist_ok=True)
    settings, workspaces = dirs["config"] / "lab" / "user-settings", dirs["config"] / "lab" / "workspaces"
    for plugin, values in LAB_SETTINGS.items():
        f = settings / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True); f.write_text(json.dumps(values))
    env = dict(os.environ, JUPYTER_TOKEN=token, JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
               JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), IPYTHONDIR=str(dirs["ipython"]), JUPYTER_PLATFORM_DIRS="1",
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(workspaces), BROWSER="true")
    env.pop("MPLBACKEND", None)  # CI's Agg is for nbdev_test; in JupyterLab a learner gets the inline backend
    last = None
    for attempt in range(3):  # the port is free when chosen; retry with another if someone takes it first
        port = free_port()
        log = open(log_path, "a")
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False",
             "--ServerApp.terminals_enabled=False", "--LabApp.expose_app_in_browser=True",
             "--LabApp.extension_manager=readonly", "--ServerApp.shutdown_no_activity_timeout=900"]
            + (["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),  # CI containers run as root
            cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        procs.add(proc.pid, "jupyter server")
        url = f"http://127.0.0.1:{port}"
        end = time.monotonic() + timeout
        while time.monotonic() < end and proc.poll() is None:
            try:
                req = urllib.request.Request(f"{url}/api/status", headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5) as r:
                    if r.status == 200: return proc, url, token
            except OSError: pass
            time.sleep(0.3)
        if proc.poll() is None:
            last = f"not answering after {timeout:.0f} s"; break
        lines = log_path.read_text(errors="replace").splitlines()
        said = next((l for l in reversed(lines) if l.startswith(("[C", "[E"))), lines[-1] if lines else "")
        last = f"exited with status {proc.returncode}: {said.strip()}"
        if "already in use" not in said: break
    raise CheckFailed(f"jupyter server {last} (log: {log_path})")


def stop_jupyter(proc, url, token, timeout=20.0):
    "Ask the server to shut down (it stops its kernels first); the caller kills whatever is left."
    if proc is None or proc.poll() is not None: return
    try:
        req = urllib.request.Request(f"{url}/api/shutdown", method="POST", headers={"Authorization": f"token {token}"})
        urllib.request.urlopen(req, timeout=5).close()
        proc.wait(timeout)
    except Exception: pass


# --- the browser ---

def start_chromium(chromium, chromedriver, tmp: Path, procs: Procs, window=WINDOW, scale=SCALE, extra_args=(),
                   page_timeout=120, script_timeout=60, exact_viewport=False):
    "Headless Chromium through chromedriver, offline, its processes tracked in `procs`; `exact_viewport`: the page's\n    own viewport (and so a screenshot) is `window`, not the outer window."
    os.environ["SE_OFFLINE"] = "true"  # belt and braces: Selenium Manager is not used when the driver path is given
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={window[0]},{window[1]}",
              f"--force-device-scale-factor={scale}", f"--user-data-dir={tmp / 'chromium-profile'}", "--no-first-run",
              "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--disable-extensions", "--disable-default-apps", "--disable-gpu", "--mute-audio",
              "--disable-features=Translate,MediaRouter,OptimizationHints", *extra_args):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=chromedriver, log_output=str(tmp / "chromedriver.log"),
                      popen_kw={"start_new_session": True})
    holder = {}
    try:
        holder["driver"] = webdriver.Chrome(service=service, options=opts)
    finally:  # the driver process is tracked even when the session could not be created
        if getattr(service, "process", None) is not None: procs.add(service.process.pid, "chromedriver")
    driver = holder["driver"]
    driver.set_page_load_timeout(page_timeout)
    driver.set_script_timeout(script_timeout)
    procs.refresh()
    if exact_viewport: # --window-size is the window's outer size: grow it by what the browser's frame takes
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        outer = driver.get_window_size()
        if inner != list(window):
            driver.set_window_size(outer["width"] + window[0] - inner[0], outer["height"] + window[1] - inner[1])
    return driver


def quit_driver(driver, timeout=20.0):
    "driver.quit(), in a thread so that a hung browser cannot hang the clean-up."
    if driver is None: return
    t = threading.Thread(target=lambda: _quietly(driver.quit), daemon=True)
    t.start(); t.join(timeout)


def _quietly(f):
    try: f()
    except Exception: pass


# JavaScript run in the page; window.jupyterapp is there because of --LabApp.expose_app_in_browser.
JS_PANEL = """
const app = window.jupyterapp;
if (!app || !app.shell) return null;
const panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === arguments[0]);
if (!panel) return null;
const sc = panel.sessionContext, kernel = sc.session ? sc.session.kernel : null;
let code = 0, ran = 0, pending = 0, errors = [];
panel.content.widgets.forEach((cell, i) => {
  if (cell.model.type !== 'code') return;
  code++;
  const prompt = cell.node.querySelector('.jp-InputPrompt');
  if (prompt && prompt.textContent.includes('*')) pending++;
  else if (cell.model.executionCount !== null && cell.model.executionCount !== undefined) ran++;
  for (const o of cell.model.outputs.toJSON())
    if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`.slice(0, 300));
});
return {id: panel.id, current: app.shell.currentWidget === panel, revealed: panel.context.isReady,
        ready: sc.isReady, status: kernel ? kernel.status : null,
        connection: kernel ? kernel.connectionStatus : null, code, ran, pending, errors};
"""

JS_GRAPH = """
const out = {};
for (const g of arguments[0].querySelectorAll('.widget-html-content svg g.node')) {
  const t = Array.from(g.querySelectorAll('text')).map(e => e.textContent.trim());
  const data = t.find(s => s.startsWith('data ')), grad = t.find(s => s.startsWith('grad '));
  if (data && grad) out[t[0]] = [parseFloat(data.slice(5)), parseFloat(grad.slice(5))];
}
return out;
"""


def wait(driver, what, cond, timeout, poll=0.25):
    "Wait until cond(driver) is truthy and return it; CheckFailed naming `what` after `timeout` s."
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait
    try: return WebDriverWait(driver, timeout, poll_frequency=poll).until(cond)
    except TimeoutException: raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}") from None


def panel_state(driver, path): return driver.execute_script(JS_PANEL, path)


def use_menu(driver, menu, command, panel_path):
    "Click menu bar `menu`, then the item that runs `command`; falls back to the command itself. 'menu' or 'command'."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    driver.execute_script("""const app = window.jupyterapp;
      const p = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === arguments[0]);
      app.shell.activateById(p.id);""", panel_path)
    try:
        bar = wait(driver, f"the {menu} menu", lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
                   if e.text.strip() == menu), None), 15)
        bar.click()
        item = wait(driver, f"{menu} > {command}", lambda d: next((e for e in d.find_elements(
            By.CSS_SELECTOR, f'.lm-Menu li.lm-Menu-item[data-command="{command}"]') if e.is_displayed()), None), 10)
        if item.get_attribute("aria-disabled") == "true": raise CheckFailed(f"{menu} > {command} is disabled")
        item.click()
        return "menu"
    except CheckFailed:
        _quietly(lambda: driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE))
        driver.execute_script("return window.jupyterapp.commands.execute(arguments[0])", command)
        return "command"


def open_and_run(driver, checks, path, url, token, run_timeout):
    "Open notebook `path`, wait for its kernel, clear the outputs and Run All; the panel's DOM element."
    from selenium.webdriver.common.by import By
    t0 = time.monotonic()
    if not driver.current_url.startswith(f"{url}/lab"):
        driver.get(f"{url}/lab/tree/{path}?token={token}")
    else:  # the same JupyterLab page, as a learner opens a second notebook (navigating away would ask to leave)
        driver.execute_script("window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0], factory: 'Notebook'})", path)
    wait(driver, f"{path}'s idle kernel", lambda d: (lambda s: s if s and s["ready"] and s["status"] == "idle"
              and s["connection"] == "connected" else None)(panel_state(d, path)), 120)
    driver.execute_script("window.jupyterapp.shell.collapseLeft()")
    checks.ok(f"{path}: opened in JupyterLab, kernel idle ({time.monotonic() - t0:.1f} s)")
    how = [use_menu(driver, "Edit", "editmenu:clear-all", path)]
    wait(driver, f"{path}'s outputs to clear", lambda d: panel_state(d, path)["ran"] == 0, 20)
    t0 = time.monotonic()
    how.append(use_menu(driver, "Run", "runmenu:run-all", path))
    def finished(d):
        s = panel_state(d, path)
        if s["status"] != "idle" or s["pending"]: return None
        if s["errors"] or s["ran"] == s["code"]: return s
    st = wait(driver, f"Run All of {path}", finished, run_timeout, poll=0.5)
    secs = time.monotonic() - t0
    via = "the menus" if how == ["menu", "menu"] else f"Edit by {how[0]}, Run by {how[1]} (a menu item was not found)"
    if st["errors"]:
        raise CheckFailed(f"{path}: Run All stopped on an error after {secs:.1f} s: " + " | ".join(st["errors"][:3]))
    checks.ok(f"{path}: Run All via {via}: {st['ran']} of {st['code']} code cells ran, no errors, kernel idle ({secs:.1f} s)")
    return driver.find_element(By.ID, st["id"])


def text(element) -> str:
    "An element's textContent, stripped: unlike .text, also for content the browser has not painted yet."
    return (element.get_property("textContent") or "").strip()


def click(driver, element):
    "Scroll `element` to the middle of its notebook, then click it as a mouse would."
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    time.sleep(0.2)
    element.click()


def last_cell_with(panel, css, what):
    from selenium.webdriver.common.by import By
    cells = [c for c in panel.find_elements(By.CSS_SELECTOR, ".jp-Cell") if c.find_elements(By.CSS_SELECTOR, css)]
    if not cells: raise CheckFailed(f"no {what} in the page")
    return cells[-1]


def screenshot(driver, element, path: Path):
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'}); arguments[0].closest('.jp-WindowedPanel-outer')"
                          " && arguments[0].closest('.jp-WindowedPanel-outer').scrollBy(0, -8);", element)
    time.sleep(0.8)  # let the scrolled-in content paint
    driver.save_screenshot(str(path))
    return path


def check_viz(driver, checks, url, token, out, run_timeout):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.common.action_chains import ActionChains
    path = "nbs/02_viz.ipynb"
    panel = open_and_run(driver, checks, path, url, token, run_timeout)
    cell = wait(driver, "the graph explorer's sliders and SVG", lambda d: (lambda c: c if c.find_elements(
        By.CSS_SELECTOR, ".widget-html-content svg g.node") and len(c.find_elements(By.CSS_SELECTOR, ".widget-slider .noUi-handle")) >= 5
        else None)(last_cell_with(panel, ".widget-slider", "graph explorer")), 60)
    graph = lambda: driver.execute_script(JS_GRAPH, cell)
    g0 = graph()
    sliders = {text(s.find_element(By.CSS_SELECTOR, ".widget-label")): s
               for s in cell.find_elements(By.CSS_SELECTOR, ".widget-slider")}
    if "x2" not in sliders or "x2" not in g0 or "w2" not in g0:
        raise CheckFailed(f"explorer: no x2 slider or x2/w2 boxes (sliders {sorted(sliders)}, boxes {sorted(g0)})")
    readout = sliders["x2"].find_element(By.CSS_SELECTOR, ".widget-readout")
    x2_before = float(text(readout))
    checks.ok(f"02_viz explorer: {len(sliders)} sliders ({', '.join(sliders)}), SVG with {len(g0)} value boxes; "
              f"x2 data {g0['x2'][0]:.4f}, w2 grad {g0['w2'][1]:.4f}")

    handle = sliders["x2"].find_element(By.CSS_SELECTOR, ".noUi-handle")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();", handle)
    for _ in range(5):  # five steps of 0.01 to the right, as a learner nudges the focused handle
        ActionChains(driver).send_keys(Keys.ARROW_RIGHT).perform(); time.sleep(0.15)
    def moved(_):
        try: x2 = float(text(readout))
        except ValueError: return None
        g = graph()
        return (x2, g) if x2 != x2_before and "x2" in g and abs(g["x2"][0] - x2) < 5e-5 else None
    x2, g1 = wait(driver, "the SVG's x2 box to show the slider's new value", moved, 30)
    changed = sorted(k for k in g1 if g1[k] != g0.get(k))
    if not changed: raise CheckFailed("02_viz slider: the SVG's numbers did not change")
    checks.ok(f"02_viz slider: arrow keys moved x2 {x2_before:.4f} -> {x2:.4f}; the SVG's numbers changed "
              f"(x2 data {g0['x2'][0]:.4f} -> {g1['x2'][0]:.4f}; boxes changed: {', '.join(changed)})")

    button = next((b for b in cell.find_elements(By.CSS_SELECTOR, "button.jupyter-button") if text(b) == "Backward"), None)
    if button is None: raise CheckFailed("02_viz: no Backward button")
    click(driver, button)
    o = math.tanh(2 * -3 + x2 * 1 + NEURON_B); want = x2 * (1 - o * o)
    def backpropped(_):
        g = graph()
        return g if "w2" in g and "o" in g and abs(g["o"][1] - 1.0) < 5e-5 and abs(g["w2"][1] - want) < 1.5e-4 else None
    g2 = wait(driver, f"the SVG's grads after Backward (w2 grad {want:.4f})", backpropped, 30)
    changed = sorted(k for k in g2 if g2[k][1] != g1.get(k, (None, None))[1])
    checks.ok(f"02_viz Backward: the SVG's grads changed ({', '.join(changed)}); o data {g2['o'][0]:.4f}, "
              f"w2 grad {g1['w2'][1]:.4f} -> {g2['w2'][1]:.4f} = x2*(1-o^2) = {want:.4f}")
    shot = screenshot(driver, cell, out / "02_viz.png")
    checks.ok(f"02_viz screenshot: {shot}")


def check_sample(driver, checks, url, token, out, run_timeout):
    from selenium.webdriver.common.by import By
    path = "nbs/15_sample.ipynb"
    panel = open_and_run(driver, checks, path, url, token, run_timeout)
    def sampler(_):
        cell = last_cell_with(panel, "button.jupyter-button", "Generate button")
        if not any(text(b) == "Generate" for b in cell.find_elements(By.CSS_SELECTOR, "button.jupyter-button")): return None
        boxes = {text(t.find_element(By.CSS_SELECTOR, ".widget-label")): t.find_element(By.TAG_NAME, "textarea")
                 for t in cell.find_elements(By.CSS_SELECTOR, ".widget-textarea")}
        return (cell, boxes) if {"prompt", "output"} <= boxes.keys() else None
    cell, boxes = wait(driver, "the SamplingWidget", sampler, 60)
    button = next(b for b in cell.find_elements(By.CSS_SELECTOR, "button.jupyter-button") if text(b) == "Generate")
    prompt, output = boxes["prompt"], boxes["output"]
    outputs = cell.find_element(By.CSS_SELECTOR, ".jp-OutputArea")
    status = lambda: (re.search(r"(\d+) tokens in [\d.]+ s", text(outputs)) or [None, None])[1]
    before = output.get_property("value")
    checks.ok(f"15_sample widget: prompt {prompt.get_property('value')!r}, output from the notebook's own click "
              f"{before[:40]!r}, status {status()} tokens")

    new_prompt = "ROMEO:"
    prompt.clear(); prompt.send_keys(new_prompt)
    if prompt.get_property("value") != new_prompt: raise CheckFailed(f"15_sample: the prompt box holds {prompt.get_property('value')!r}")
    click(driver, button)
    def generated(_):
        value = output.get_property("value")
        return value if value.startswith(new_prompt) and len(value) > len(new_prompt) and status() else None
    wait(driver, "generated text in the output box", generated, 60)
    last, since = None, time.monotonic()
    while time.monotonic() - since < 1.0:  # settled: the stream has ended
        value = output.get_property("value")
        if value != last: last, since = value, time.monotonic()
        time.sleep(0.2)
    new = last[len(new_prompt):]
    if not new.strip(): raise CheckFailed(f"15_sample: no generated text after the prompt: {last!r}")
    checks.ok(f"15_sample Generate: the output box shows the typed prompt and {len(new)} new characters "
              f"({status()} tokens): {last[:60]!r}")
    shot = screenshot(driver, cell, out / "15_sample.png")
    checks.ok(f"15_sample screenshot: {shot}")


def screenshot_page(driver, path: Path):
    driver.save_screenshot(str(path)); return path


def why(e) -> str:
    "One line for a failure: our own messages as they are, anything else with its type."
    msg = (str(e).strip().splitlines() or [""])[0].removeprefix("Message: ")
    return msg if isinstance(e, (CheckFailed, Stop)) else f"{type(e).__name__}: {msg}"


def browser_errors(driver):
    try: return [e["message"][:300] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
    except Exception: return []


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, help="folder for the screenshots (default: a new temporary folder)")
    ap.add_argument("--chromium", default=CHROMIUM, help=f"Chromium binary (default {CHROMIUM})")
    ap.add_argument("--chromedriver", default=CHROMEDRIVER, help=f"chromedriver (default {CHROMEDRIVER})")
    ap.add_argument("--run-timeout", type=float, default=240, help="seconds for one notebook's Run All (default 240)")
    ap.add_argument("--timeout", type=float, default=540, help="seconds for the whole check (default 540)")
    ap.add_argument("--only", choices=("02_viz", "15_sample"), help="check one lesson only")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, the notebooks as run)")
    args = ap.parse_args(argv)

    missing = [p for p in (args.chromium, args.chromedriver) if not (os.path.isfile(p) and os.access(p, os.X_OK))]
    if missing:
        print(f"browser_check: {' and '.join(missing)} not found: {INSTALL}"); return 2
    try: import selenium  # noqa: F401
    except ImportError:
        print("browser_check: selenium is not installed: pip install selenium"); return 2

    t_start = time.monotonic()
    checks, procs = Checks(), Procs()
    tmp = Path(tempfile.mkdtemp(prefix="pealm-browser-check."))
    out = args.out or Path(tempfile.mkdtemp(prefix="pealm-browser-shots."))
    out.mkdir(parents=True, exist_ok=True); out = out.resolve()
    server = driver = None; url = token = None

    def stop(signum, frame): raise Stop(f"stopped by {signal.Signals(signum).name}")
    def too_long(signum, frame): raise Stop(f"the whole check took more than --timeout {args.timeout:.0f} s")
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, too_long); signal.alarm(int(args.timeout))
    try:
        versions = [subprocess.run([p, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
                    for p in (args.chromium, args.chromedriver)]
        root = mirror_repo(tmp / "repo", {"02_viz.ipynb", "15_sample.ipynb"})
        server, url, token = start_jupyter(tmp, root, procs, tmp / "jupyter.log")
        checks.ok(f"jupyter server: {url} (random token, temporary config, the lessons copied to {root / 'nbs'})")
        driver = start_chromium(args.chromium, args.chromedriver, tmp, procs)
        checks.ok(f"browser: {versions[0]} headless via {args.chromedriver} ({versions[1].split(' (')[0]})")
        for name, check in (("02_viz", check_viz), ("15_sample", check_sample)):
            if args.only and name != args.only: continue
            try:
                check(driver, checks, url, token, out, args.run_timeout)
            except Exception as e:  # this lesson failed: say why, and go on to the next one
                checks.fail(f"{name}: {why(e)}")
                _quietly(lambda: print(f"      screenshot of the failure: {screenshot_page(driver, out / f'{name}-failed.png')}"))
            finally:
                procs.refresh()  # the new kernel and renderers
    except KeyboardInterrupt:
        checks.fail("interrupted (Ctrl-C)")
    except (Exception, Stop) as e:
        checks.fail(why(e))
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT): signal.signal(sig, signal.SIG_IGN)  # the clean-up is not interrupted
        if checks.failed and driver is not None:
            for m in browser_errors(driver)[:5]: print(f"      browser console: {m}")
        procs.refresh()
        quit_driver(driver)
        stop_jupyter(server, url, token)
        started = len(procs.seen)
        left = procs.kill_all()
        if left: checks.fail(f"clean-up: still running after SIGKILL: {', '.join(left)}")
        else: checks.ok(f"clean-up: all {started} processes started (server, kernels, chromedriver, chromium) are gone")
        if checks.failed:
            for log in ("jupyter.log", "chromedriver.log"):
                if (tmp / log).exists(): shutil.copy(tmp / log, out / log); print(f"      log: {out / log}")
        if args.keep: print(f"      temporary folder kept: {tmp}")
        else: shutil.rmtree(tmp, ignore_errors=True)
    secs = time.monotonic() - t_start
    if checks.failed:
        print(f"browser_check: {checks.failed} failed, {checks.passed} passed in {secs:.0f} s"); return 1
    print(f"browser_check: all {checks.passed} checks passed in {secs:.0f} s; screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

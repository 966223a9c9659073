/* Live cells: a chapter's code runs in the reader's browser (tools/live_page.py builds what this reads).
 *
 * Every live code cell gets a Run button and becomes editable.  The first Run loads Pyodide (Python compiled to
 * WebAssembly) from the site itself (_static/live/pyodide/), writes the chapter's snapshot of `micrograd`, the
 * pure-Python `graphviz` and tools/live_kernel.py into its file system, and starts one interpreter for the page.
 * Running a cell first runs the cells above it that have not run yet (hidden and removed cells included), in
 * order.  Its output goes into a `.live-output` element after the cell: printed text, the value's repr, a
 * traceback, or a draw_dot graph drawn as SVG by Graphviz compiled to WebAssembly (_static/live/viz/).
 * Cells that need NumPy, matplotlib, PyTorch or scikit-learn are static: they keep the build's output.
 * Nothing is requested from anywhere but the site; from file:// nothing can be, and the buttons say so.
 */
(function () {
  'use strict';
  const script = document.currentScript;
  const holder = document.getElementById('live-page');
  if (!script || !holder) return;
  const page = JSON.parse(holder.textContent);
  const LIVE = new URL('live/', new URL('.', script.src));
  const fromDisk = location.protocol === 'file:';
  const SERVE_HINT = 'Live code runs when the site is served over HTTP, not opened from disk: run `make serve` ' +
    '(or any static web server in the site\'s folder) and open the page from there.';

  const cells = page.cells.map(c => Object.assign({}, c, {element: document.querySelector('.live-cell-' + c.n),
                                                          ran: false}));
  let chain = Promise.resolve();   // one run at a time, in the order asked
  let runtime = null;              // the promise of {run(source, name) -> outputs}
  let vizPromise = null;

  // -- loading -------------------------------------------------------------------------------------------------

  function loadScript(url) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement('script');
      tag.src = url.href;
      tag.onload = resolve;
      tag.onerror = () => reject(new Error('could not load ' + url.href));
      document.head.appendChild(tag);
    });
  }

  async function fetchJSON(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(url.href + ': HTTP ' + response.status);
    return response.json();
  }

  function writeTree(py, folder, files) {
    for (const [path, text] of Object.entries(files)) {
      const full = folder + '/' + path;
      py.FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
      py.FS.writeFile(full, text);
    }
  }

  function start() {
    if (!runtime) {
      runtime = (async () => {
        const t0 = performance.now();
        const [, chapter, python] = await Promise.all([
          loadScript(new URL('pyodide/pyodide.js', LIVE)),
          fetchJSON(new URL('chapters/' + page.chapter + '.json', LIVE)),
          fetchJSON(new URL('python.json', LIVE)),
        ]);
        const t1 = performance.now();
        const py = await loadPyodide({indexURL: new URL('pyodide/', LIVE).href, fullStdLib: false});
        const t2 = performance.now();
        writeTree(py, '/home/pyodide/live/lib', python);
        writeTree(py, '/home/pyodide/live/snapshot', chapter.snapshot);
        const run = py.runPython([
          'import json, sys',
          "sys.path[:0] = ['/home/pyodide/live/snapshot', '/home/pyodide/live/lib']",
          'import live_kernel',
          '_live_kernel = live_kernel.Kernel()',
          '(lambda source, name: json.dumps(_live_kernel.run(source, name)))',
        ].join('\n'));
        const sources = new Map(chapter.cells.map(c => [c.n, c.source]));
        // How long starting took, in seconds (tools/live_bench.py reports it): fetching the files, starting
        // Pyodide, and writing the package and importing the kernel.
        window.liveStartup = {fetch: (t1 - t0) / 1000, pyodide: (t2 - t1) / 1000,
                              kernel: (performance.now() - t2) / 1000};
        return {run: (source, name) => JSON.parse(run(source, name)), sources};
      })();
      runtime.catch(() => { runtime = null; });  // a failed start may be retried
    }
    return runtime;
  }

  function viz() {
    if (!vizPromise) {
      vizPromise = loadScript(new URL('viz/viz-global.js', LIVE)).then(() => window.Viz.instance());
    }
    return vizPromise;
  }

  // -- the page ------------------------------------------------------------------------------------------------

  // The code as the reader left it.  textContent is the highlighted code's text; once edited, the editor may
  // have put line breaks in as elements, which innerText turns back into newlines (an unedited cell may be
  // folded away, and innerText of what is not rendered is empty).
  function codeOf(cell) {
    const pre = cell.element && cell.element.querySelector('.cell_input pre');
    if (!pre) return null;
    return (pre.dataset.edited ? pre.innerText : pre.textContent).replace(/\n$/, '');
  }

  function outputOf(cell) {
    if (!cell.element) return null;
    let out = cell.element.nextElementSibling;
    if (!(out && out.classList.contains('live-output'))) {
      out = document.createElement('div');
      out.className = 'live-output';
      out.setAttribute('aria-live', 'polite');
      cell.element.insertAdjacentElement('afterend', out);
    }
    return out;
  }

  function add(out, tag, className, text) {
    const element = document.createElement(tag);
    element.className = className;
    element.textContent = text;
    out.appendChild(element);
    return element;
  }

  async function show(cell, outputs, seconds) {
    const out = outputOf(cell);
    if (!out) return;
    out.replaceChildren();
    out.dataset.state = 'running';
    const graphs = [];
    for (const o of outputs) {
      if (o.type === 'stream') add(out, 'pre', o.name === 'stderr' ? 'live-stderr' : 'live-stdout', o.text);
      else if (o.type === 'text') add(out, 'pre', 'live-value', o.text);
      else if (o.type === 'error') add(out, 'pre', 'live-error', o.traceback);
      else if (o.type === 'skipped') add(out, 'p', 'live-note', 'Skipped here: ' + o.text);
      else if (o.type === 'static') add(out, 'p', 'live-note', 'This needs ' + o.module +
                                        ', which the page does not have (' + o.reason + ').');
      else if (o.type === 'graph') {
        const box = add(out, 'div', 'live-graph', '');
        graphs.push(viz().then(v => { box.appendChild(v.renderSVGElement(o.dot)); }));
      }
    }
    await Promise.all(graphs);
    out.dataset.seconds = seconds.toFixed(3);
    out.dataset.state = 'done';
  }

  function say(cell, text, state) {
    const out = outputOf(cell);
    out.replaceChildren();
    add(out, 'p', 'live-note', text);
    out.dataset.state = state;
  }

  async function runOne(py, cell) {
    const source = codeOf(cell) ?? py.sources.get(cell.n);
    const began = performance.now();
    const outputs = py.run(source, 'cell-' + cell.n);
    cell.ran = true;
    await show(cell, outputs, (performance.now() - began) / 1000);
    await new Promise(r => setTimeout(r, 0));  // let the page draw before the next cell
  }

  async function runUpTo(target) {
    if (fromDisk) { say(target, SERVE_HINT, 'unavailable'); return; }
    const out = outputOf(target);
    out.dataset.state = 'loading';
    if (!runtime) add(out, 'p', 'live-note', 'Starting Python in your browser…');
    let py;
    try {
      py = await start();
    } catch (error) {
      say(target, 'Python could not start in this page: ' + error.message, 'failed');
      return;
    }
    for (const cell of cells) {
      if (cell === target) break;
      if (cell.live && !cell.ran) await runOne(py, cell);
    }
    await runOne(py, target);
  }

  const NAMES = {torch: 'PyTorch', numpy: 'NumPy', sklearn: 'scikit-learn', scipy: 'SciPy', pandas: 'pandas',
                 matplotlib: 'matplotlib', IPython: 'IPython'};

  function summary() {
    const live = cells.filter(c => c.live).length;
    const still = cells.filter(c => !c.live);
    const needs = [...new Set(still.filter(c => c.why.startsWith('needs '))
                                   .map(c => c.why.slice(6)).map(m => NAMES[m] || m))];
    const box = document.createElement('p');
    box.className = 'live-summary';
    box.textContent = live + ' of the ' + cells.length + ' code cells on this page ' +
      (live === 1 ? 'is' : 'are') + ' live: edit one and ' +
      'press Run, and it runs in your browser' + (fromDisk ? ' (when the site is served: `make serve`)' : '') +
      '.' + (still.length ? ' The other ' + still.length + (still.length === 1 ? ' is' : ' are') + ' marked static (' +
      (needs.length ? 'they need ' + needs.join(' or ') + '; ' : '') + 'each says why) and ' + (still.length === 1 ? 'shows' : 'show') + ' the output ' +
      'the book was built with.' : '');
    const title = document.querySelector('article h1');
    if (title) title.insertAdjacentElement('afterend', box);
  }

  function decorate() {
    for (const cell of cells) {
      if (!cell.element || !cell.shown) continue;
      const input = cell.element.querySelector('.cell_input');
      const bar = document.createElement('div');
      bar.className = 'live-bar';
      if (cell.live) {
        const pre = input.querySelector('pre');
        if (pre && !fromDisk) {
          pre.contentEditable = 'plaintext-only';
          pre.spellcheck = false;
          pre.setAttribute('aria-label', 'Code of this cell (editable)');
          pre.addEventListener('input', () => { pre.dataset.edited = 'yes'; }, {once: true});
        }
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'live-run';
        button.textContent = '▶ Run';
        button.setAttribute('aria-label', 'Run this cell' + (fromDisk ? ' (needs the site served: make serve)'
                                                           : ' and the cells above it that have not run'));
        if (fromDisk) button.title = SERVE_HINT;
        button.addEventListener('click', () => {
          chain = chain.then(() => runUpTo(cell)).catch(error => say(cell, String(error), 'failed'));
        });
        bar.appendChild(button);
      } else {
        const label = document.createElement('span');
        label.className = 'live-static';
        const why = cell.why.startsWith('needs ') ? 'needs ' + (NAMES[cell.why.slice(6)] || cell.why.slice(6))
                                                  : cell.why;
        label.textContent = 'static: ' + why + ' (the output is the build\'s)';
        bar.appendChild(label);
      }
      input.insertAdjacentElement('afterend', bar);
    }
    summary();
  }

  decorate();
})();

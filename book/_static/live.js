/* Live cells: a chapter's code runs in the reader's browser (tools/sphinx_ext.py builds what this reads).
 *
 * Every live code cell gets a Run button and becomes editable.  Python runs in a Web Worker
 * (book/_static/live-worker.js: Pyodide, served by the site itself), so the page keeps scrolling and answering
 * while a cell runs; a running cell says so and has a Stop button, which ends the worker (the next Run starts a
 * new one and runs the cells above again).
 *
 * Running a cell first runs the cells above it that have not run yet, in order, except a *heavy* one (a long
 * timing or training run) whose names the cell does not need: that one says it was skipped, and runs when its
 * own Run is pressed.  The book's own checks (cells tagged remove-cell) never run here.  A cell's live output
 * replaces the build's output under it: printed text, the value's repr, a traceback, or a draw_dot graph drawn
 * as SVG by Graphviz compiled to WebAssembly (_static/live/viz/).  An edited cell gets a Reset button that
 * brings back the book's code.  Cells that need NumPy, matplotlib, PyTorch or scikit-learn are static: they
 * keep the build's output.
 *
 * Python starts at the reader's first Run, or earlier once the reader shows interest (pointer or keyboard focus
 * on a live cell), and right away on a page of a site whose runtime this browser has loaded before (it is in
 * the browser's cache, so starting costs no download).  Nothing is requested from anywhere but the site; from
 * file:// nothing can be, and the buttons say so.
 */
(function () {
  'use strict';
  const script = document.currentScript;
  const holder = document.getElementById('live-page');
  if (!script || !holder) return;
  const page = JSON.parse(holder.textContent);
  const STATIC = new URL('.', script.src);
  const LIVE = new URL('live/', STATIC);
  const fromDisk = location.protocol === 'file:';
  const SERVE_HINT = 'Live code runs when the site is served over HTTP, not opened from disk: run `make serve` ' +
    '(or any static web server in the site\'s folder) and open the page from there.';
  const STARTED_KEY = 'micrograd-book-live-started';  // this browser has loaded the runtime (it is cached)

  const cells = page.cells.map(c => Object.assign({}, c, {element: document.querySelector('.live-cell-' + c.n),
                                                          ran: false}));
  const byN = new Map(cells.map(c => [c.n, c]));
  let chain = Promise.resolve();   // one run at a time, in the order asked
  let python = null;               // the running worker: {worker, ready, pending}
  let vizPromise = null;

  // -- Python in a worker ---------------------------------------------------------------------------------------

  class Stopped extends Error {}

  function start() {
    if (python) return python.ready;
    const worker = new Worker(new URL('live-worker.js', STATIC));
    const state = {worker, pending: new Map(), next: 0};
    state.ready = new Promise((resolve, reject) => {
      state.fail = reject;
      worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === 'ready') {
          window.liveStartup = message.startup;  // how long starting took (tools/browser.py reports it)
          state.started = true;
          try { localStorage.setItem(STARTED_KEY, '1'); } catch (error) { /* storage may be off */ }
          resolve(state);
        } else if (message.type === 'failed') {
          reject(new Error(message.message));
        } else if (message.type === 'done') {
          const job = state.pending.get(message.id);
          state.pending.delete(message.id);
          if (job) job.resolve(message);
        }
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error('Python in this page failed: ' + (event.message || 'the worker stopped'));
        reject(error);
        for (const job of state.pending.values()) job.reject(error);
        state.pending.clear();
        if (python === state) stop();
      };
    });
    state.ready.catch(() => { if (python === state) stop(); });  // a failed start may be retried
    worker.postMessage({type: 'start', live: LIVE.href, chapter: page.chapter});
    python = state;
    return state.ready;
  }

  function execute(state, cell, source) {
    return new Promise((resolve, reject) => {
      const id = state.next++;
      state.pending.set(id, {resolve, reject});
      state.worker.postMessage({type: 'run', id, n: cell.n, source});
    });
  }

  // End the worker: whatever ran is gone, so every cell must run again.
  function stop() {
    const state = python;
    python = null;
    if (!state) return;
    state.worker.terminate();
    state.fail(new Stopped('stopped'));
    for (const job of state.pending.values()) job.reject(new Stopped('stopped'));
    state.pending.clear();
    for (const cell of cells) cell.ran = false;
  }

  function viz() {
    if (!vizPromise) {
      vizPromise = new Promise((resolve, reject) => {
        const tag = document.createElement('script');
        tag.src = new URL('viz/viz-global.js', LIVE).href;
        tag.onload = resolve;
        tag.onerror = () => reject(new Error('could not load ' + tag.src));
        document.head.appendChild(tag);
      }).then(() => window.Viz.instance());
    }
    return vizPromise;
  }

  // -- the page -------------------------------------------------------------------------------------------------

  // The code as the reader left it, or null for the book's own.  The editor may put line breaks in as elements,
  // which innerText turns back into newlines; but innerText of code folded away (not rendered) is empty, and
  // there textContent is the text.
  function codeOf(cell) {
    const pre = cell.element && cell.element.querySelector('.cell_input pre');
    if (!pre || !pre.dataset.edited) return null;
    return (pre.innerText || pre.textContent).replace(/\n$/, '');
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

  // The live output takes the place of the build's output under the cell.
  async function show(cell, outputs, seconds) {
    const out = outputOf(cell);
    if (!out) return;
    cell.element.classList.add('live-replaced');
    out.replaceChildren();
    const graphs = [];
    for (const o of outputs) {
      if (o.type === 'stream') add(out, 'pre', o.name === 'stderr' ? 'live-stderr' : 'live-stdout', o.text);
      else if (o.type === 'text') add(out, 'pre', 'live-value', o.text);
      else if (o.type === 'error') add(out, 'pre', 'live-error', o.traceback);
      else if (o.type === 'skipped') add(out, 'p', 'live-note', 'Skipped here: ' + o.text);
      else if (o.type === 'note') add(out, 'p', 'live-note', o.text);
      else if (o.type === 'data') add(out, 'p', 'live-note', 'The page\'s Python has no ' + (NAMES[o.module] ||
                                      o.module) + ': ' + o.names.join(', ') + ' hold the values the book computed.');
      else if (o.type === 'static') add(out, 'p', 'live-note', 'This needs ' + o.module +
                                        ', which the page does not have (' + o.reason + ').');
      else if (o.type === 'graph') {
        const box = add(out, 'div', 'live-graph', '');
        box.setAttribute('role', 'img');
        box.setAttribute('aria-label', 'The graph this cell drew');
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

  // While `target` waits or runs: what is happening, for how long, and a Stop button.
  function running(target) {
    const out = outputOf(target);
    out.replaceChildren();
    out.dataset.state = python ? 'running' : 'loading';
    const line = add(out, 'p', 'live-note live-running', '');
    const text = document.createElement('span');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'live-stop';
    button.textContent = '■ Stop';
    button.setAttribute('aria-label', 'Stop running (Python restarts; the cells above run again next time)');
    button.addEventListener('click', () => {
      stop();
      say(target, 'Stopped. Python was restarted: the next Run runs the cells above this one again.', 'stopped');
    });
    line.append(text, ' ', button);
    const began = performance.now();
    let doing = '';
    const tick = () => {
      const seconds = Math.floor((performance.now() - began) / 1000);
      text.textContent = doing + (seconds ? ' (' + seconds + ' s)' : '');
    };
    const timer = setInterval(tick, 1000);
    return {
      set(what) { doing = what; out.dataset.state = python ? 'running' : 'loading'; tick(); },
      done() { clearInterval(timer); },
    };
  }

  async function runOne(state, cell, status) {
    const began = performance.now();
    const result = await execute(state, cell, codeOf(cell));
    cell.ran = true;
    if (cell === status.target) status.done();
    await show(cell, result.outputs, (performance.now() - began) / 1000);
    if (result.broken) {  // the interpreter itself failed: start afresh at the next Run
      stop();
      throw new Stopped('broken');
    }
  }

  async function runUpTo(target) {
    if (fromDisk) { say(target, SERVE_HINT, 'unavailable'); return; }
    const status = running(target);
    status.target = target;
    try {
      if (!python) {
        status.set('Starting Python in your browser (the first time, about 13 MB to download)…');
      } else if (!python.started) {  // another Run started it a moment ago
        status.set('Waiting for Python to start…');
      }
      let state;
      try {
        state = await start();
      } catch (error) {
        if (!(error instanceof Stopped)) say(target, 'Python could not start in this page: ' + error.message, 'failed');
        return;
      }
      const needs = new Set(target.needs);
      const above = cells.filter(c => c.n < target.n && c.live && !c.ran);
      for (const [index, cell] of above.entries()) {
        if (cell.heavy && !needs.has(cell.n)) {
          if (cell.element) {
            say(cell, 'Skipped: a long cell (' + cell.heavy + ' s when the book was built) that the cell you ran ' +
                'does not need. Press its Run to run it.', 'skipped');
          }
          continue;
        }
        status.set('Running the cells above first (' + (index + 1) + ' of ' + above.length + ')…');
        await runOne(state, cell, status);
      }
      status.set('Running…');
      await runOne(state, target, status);
    } catch (error) {
      if (!(error instanceof Stopped)) throw error;
    } finally {
      status.done();
    }
  }

  // Back to the book's code: the cell and every cell after it run again (they may have used the edit).
  function reset(cell, pre, original) {
    pre.innerHTML = original;
    delete pre.dataset.edited;
    for (const other of cells) {
      if (other.n >= cell.n) other.ran = false;
    }
    const out = cell.element.nextElementSibling;
    if (out && out.classList.contains('live-output')) out.remove();
    cell.element.classList.remove('live-replaced');
    cell.resetButton.hidden = true;
  }

  const NAMES = {torch: 'PyTorch', numpy: 'NumPy', sklearn: 'scikit-learn', scipy: 'SciPy', pandas: 'pandas',
                 matplotlib: 'matplotlib', IPython: 'IPython'};

  // One line under the chapter's title, a <details> whose <summary> says what the live cells are and what the
  // first Run costs; the rest (static cells and why, the notebook route, Graphviz) folds open on request.
  function summary() {
    const live = cells.filter(c => c.live).length;
    const still = cells.filter(c => !c.live);
    const one = still.length === 1;
    const needs = [...new Set(still.filter(c => c.why.startsWith('needs '))
                                   .map(c => c.why.slice(6)).map(m => NAMES[m] || m))];
    const box = document.createElement('details');
    box.className = 'live-summary';
    const line = document.createElement('summary');
    const more = document.createElement('p');
    const notebook = 'open the chapter as a notebook (the download button\'s .ipynb, or Colab or Binder)';
    if (!live) {
      line.textContent = 'The code on this page shows the output the book was built with.';
      more.textContent = 'It needs ' + (needs.join(' or ') || 'more than the page\'s Python') +
        ', which the page\'s Python does not have. To run it, ' + notebook + '.';
    } else {
      line.textContent = live + ' of ' + cells.length + ' code cells ' + (live === 1 ? 'runs' : 'run') +
        ' in your browser: edit ' + (live === 1 ? 'it' : 'one') + ', press Run ' +
        '(first Run: about 13 MB).';
      more.textContent = (fromDisk ? 'Opened from disk, the page cannot run ' + (live === 1 ? 'it' : 'them') +
        ': serve the site (`make serve`). ' : '') +
        (still.length ? (one ? 'The other one is' : 'The other ' + still.length + ' are') + ' marked static (' +
          (needs.length ? (one ? 'it needs ' : 'they need ') + needs.join(' or ') + '; ' : '') +
          (one ? 'it says' : 'each says') + ' why) and ' + (one ? 'shows' : 'show') +
          ' the output the book was built with; to run ' + (one ? 'it' : 'them') + ', ' + notebook + '. ' : '') +
        // For readers on metered connections: what the first Run costs (the browser keeps both afterwards).
        'The first Run downloads Python for the page (Pyodide, about 13 MB), and the first graph a run draws ' +
        'adds Graphviz (about 1.3 MB); the browser keeps both for the next pages.';
    }
    box.append(line, more);
    const title = document.querySelector('article h1');
    if (title) title.insertAdjacentElement('afterend', box);
  }

  function warmUp() {
    if (!fromDisk && !python) start().catch(() => {});
  }

  function decorate() {
    for (const cell of cells) {
      if (!cell.element || !cell.shown) continue;
      const input = cell.element.querySelector('.cell_input');
      const bar = document.createElement('div');
      bar.className = 'live-bar';
      if (cell.live) {
        const pre = input.querySelector('pre');
        const back = document.createElement('button');
        back.type = 'button';
        back.className = 'live-reset';
        back.textContent = '↺ Reset';
        back.hidden = true;
        back.setAttribute('aria-label', 'Reset: bring back the book\'s code of this cell');
        cell.resetButton = back;
        if (pre && !fromDisk) {
          const original = pre.innerHTML;
          pre.contentEditable = 'plaintext-only';
          pre.spellcheck = false;
          // The theme gives every code box that does not scroll tabindex=-1, again whenever the page changes
          // (pydata-sphinx-theme's addTabStopsToScrollableElements); an editable cell stays in the Tab order.
          pre.tabIndex = 0;
          new MutationObserver(() => { if (pre.tabIndex !== 0) pre.tabIndex = 0; })
            .observe(pre, {attributes: true, attributeFilter: ['tabindex']});
          pre.setAttribute('role', 'textbox');
          pre.setAttribute('aria-multiline', 'true');
          pre.setAttribute('aria-label', 'Code of this cell (editable)');
          pre.addEventListener('input', () => { pre.dataset.edited = 'yes'; back.hidden = false; });
          back.addEventListener('click', () => reset(cell, pre, original));
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
        bar.append(button, back);
        if (cell.heavy) {
          const note = document.createElement('span');
          note.className = 'live-static';
          note.textContent = 'a long cell: ' + cell.heavy + ' s when the book was built, longer in the page';
          bar.appendChild(note);
        }
        cell.element.addEventListener('pointerenter', warmUp, {once: true});
        cell.element.addEventListener('focusin', warmUp, {once: true});
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
    let started = false;
    try { started = localStorage.getItem(STARTED_KEY) === '1'; } catch (error) { /* storage may be off */ }
    if (started && cells.some(c => c.live)) {
      (window.requestIdleCallback || setTimeout)(warmUp);
    }
  }

  decorate();
})();

/* The Python behind a page's live cells, off the page's thread (book/_static/live.js starts it).
 *
 * It loads Pyodide (Python compiled to WebAssembly) from the site itself (_static/live/pyodide/), writes the
 * chapter's snapshot of `micrograd`, the pure-Python `graphviz` and book/_static/live_kernel.py into Pyodide's
 * file system, and starts one interpreter for the page.  The page can keep scrolling while a cell runs; to stop a
 * cell, the page ends this worker and starts a new one (Pyodide's own interrupt needs cross-origin isolation,
 * which a static host such as GitHub Pages cannot give).
 *
 *   page -> worker   {type: 'start', live: URL of _static/live/, chapter: name}
 *   worker -> page   {type: 'ready', startup: {fetch, pyodide, kernel} in seconds} or {type: 'failed', message}
 *   page -> worker   {type: 'run', id, n, source}   source null: the cell as the book wrote it; a cell with
 *                    `data` (tagged live-data) binds the build's values instead of running
 *   worker -> page   {type: 'done', id, outputs, seconds}
 */
'use strict';

let ready = null;

async function fetchJSON(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(url + ': HTTP ' + response.status);
  return response.json();
}

function writeTree(py, folder, files) {
  for (const [path, text] of Object.entries(files)) {
    const full = folder + '/' + path;
    py.FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
    py.FS.writeFile(full, text);
  }
}

async function start(live, chapterName) {
  const t0 = performance.now();
  const files = Promise.all([fetchJSON(new URL('chapters/' + chapterName + '.json', live)),
                             fetchJSON(new URL('python.json', live))]);
  importScripts(new URL('pyodide/pyodide.js', live).href);
  const [chapter, python] = await files;
  const t1 = performance.now();
  const py = await loadPyodide({indexURL: new URL('pyodide/', live).href, fullStdLib: false});
  const t2 = performance.now();
  writeTree(py, '/home/pyodide/live/lib', python);
  writeTree(py, '/home/pyodide/live/snapshot', chapter.snapshot);
  const run = py.runPython([
    'import json, sys',
    "sys.path[:0] = ['/home/pyodide/live/snapshot', '/home/pyodide/live/lib']",
    'import live_kernel',
    '_live_kernel = live_kernel.Kernel()',
    '(lambda source, name, data: json.dumps(_live_kernel.provide(source, *json.loads(data)) if data',
    '                                 else _live_kernel.run(source, name)))',
  ].join('\n'));
  const cells = new Map(chapter.cells.map(c => [c.n, c]));
  const startup = {fetch: (t1 - t0) / 1000, pyodide: (t2 - t1) / 1000, kernel: (performance.now() - t2) / 1000};
  return {run, cells, startup};
}

self.onmessage = async (event) => {
  const message = event.data;
  if (message.type === 'start') {
    ready = start(message.live, message.chapter);
    try {
      const kernel = await ready;
      self.postMessage({type: 'ready', startup: kernel.startup});
    } catch (error) {
      self.postMessage({type: 'failed', message: String(error && error.message || error)});
    }
  } else if (message.type === 'run') {
    try {
      await runCell(message);
    } catch (error) {  // the interpreter itself failed (out of memory, a stack overflow in WebAssembly)
      const text = String(error && error.message || error);
      const why = /call stack/.test(text)
        ? 'Python in this page ran out of stack: the browser gives it less than Python on a computer has, and ' +
          'freeing a very deep graph needs more. Run this in the notebook instead.'
        : 'Python in this page failed: ' + text;
      self.postMessage({type: 'done', id: message.id, seconds: 0, broken: true, outputs: [{
        type: 'error', ename: 'Error', evalue: text,
        traceback: why + '\nPress Run again to start a new Python (the cells above run again).'}]});
    }
  }
};

async function runCell(message) {
  const kernel = await ready;
  const began = performance.now();
  const cell = kernel.cells.get(message.n);
  let outputs;
  if (cell.data) {  // data made with a module the page does not have: the build's values stand in
    outputs = JSON.parse(kernel.run(cell.source, 'cell-' + message.n,
                                    JSON.stringify([cell.data.values, cell.data.outputs])));
    if (message.source !== null && message.source !== cell.source) {
      outputs.push({type: 'note', text: 'Your change to this cell cannot run here; the names keep the values ' +
                                        'the book was built with. Run it in the notebook to change the data.'});
    }
  } else {
    outputs = JSON.parse(kernel.run(message.source ?? cell.source, 'cell-' + message.n, ''));
  }
  self.postMessage({type: 'done', id: message.id, outputs, seconds: (performance.now() - began) / 1000});
}

// The panel's run requests, sent from a worker so that their promises, responses and abort
// timers live in the worker's heap, not the page's (src/browser/worker_http.rs). Messages are
// arrays, headers one string ("name\nvalue\n…"), so that each costs the page a few values.
// Request: [id, url, method, headers, body (Uint8Array or undefined), timeoutMs].
// Answer: [id, status, headers, body (ArrayBuffer)], or [id, -1, error, timedOut].
const pairs = (text) => {
  const lines = text ? text.split('\n') : [];
  const out = [];
  for (let i = 0; i + 1 < lines.length; i += 2) out.push([lines[i], lines[i + 1]]);
  return out;
};

self.onmessage = async ({ data: [id, url, method, headers, body, timeoutMs] }) => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method, headers: pairs(headers), body, signal: abort.signal });
    const bytes = await response.arrayBuffer();
    const head = [...response.headers].map(([name, value]) => `${name}\n${value}`).join('\n');
    self.postMessage([id, response.status, head, bytes], [bytes]);
  } catch (e) {
    self.postMessage([id, -1, String(e), abort.signal.aborted]);
  } finally {
    clearTimeout(timer);
  }
};

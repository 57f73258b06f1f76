// The panel's run requests, sent from a worker so that their promises, responses and abort
// timers live in the worker's heap, not the page's (src/browser/worker_http.rs). One message
// per request: {id, url, method, headers: [[name, value]…], body?: Uint8Array, timeoutMs}; one
// answer: {id, status, headers, body: ArrayBuffer} or {id, error, timeout}.
self.onmessage = async ({ data: { id, url, method, headers, body, timeoutMs } }) => {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(url, { method, headers, body, signal: abort.signal });
    const bytes = await response.arrayBuffer();
    self.postMessage({ id, status: response.status, headers: [...response.headers], body: bytes }, [bytes]);
  } catch (e) {
    self.postMessage({ id, error: String(e), timeout: abort.signal.aborted });
  } finally {
    clearTimeout(timer);
  }
};

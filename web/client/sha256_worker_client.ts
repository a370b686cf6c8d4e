// Browser only: SHA-256 of files in a dedicated Web Worker (sha256.worker.ts), one file at a
// time, so hashing never blocks the page.
type Pending = {
  resolve: (digest: string) => void;
  reject: (e: Error) => void;
  onProgress: ((done: number, total: number) => void) | undefined;
};

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function ensureWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL("./sha256.worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (event: MessageEvent) => {
    const m = event.data as { id: number; type: string; done?: number; total?: number; digest?: string; message?: string };
    const p = pending.get(m.id);
    if (!p) return;
    if (m.type === "progress") {
      p.onProgress?.(m.done!, m.total!);
    } else if (m.type === "done") {
      pending.delete(m.id);
      p.resolve(m.digest!);
    } else {
      pending.delete(m.id);
      p.reject(new Error(m.message ?? "hashing failed"));
    }
  };
  worker.onerror = (event) => {
    for (const p of pending.values()) p.reject(new Error(`hash worker failed: ${event.message}`));
    pending.clear();
    worker = null;
  };
  return worker;
}

/** The base64 SHA-256 of `blob`, computed in the worker. */
export function hashInWorker(blob: Blob, onProgress?: (done: number, total: number) => void): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    ensureWorker().postMessage({ id, blob });
  });
}

// Exponential backoff with full jitter (the delay is uniform in [0, min(cap, base * 2^attempt)]),
// the schedule AWS recommends for retries against S3 so many clients do not retry in step.

export interface BackoffOptions {
  baseMs?: number;
  capMs?: number;
  /** A value in [0, 1); Math.random by default (tests pass their own). */
  random?: () => number;
}

/** The wait before retry number `attempt` (0 = the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 20_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects with an AbortError when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** True when a browser says it has no network at all (navigator.onLine false); never in Node. */
export function isOffline(): boolean {
  return typeof navigator !== "undefined" && (navigator as { onLine?: boolean }).onLine === false;
}

/** Resolves when the browser is online again (at once when it is), or rejects when `signal` aborts. */
export function waitForOnline(signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException("aborted", "AbortError"));
      return;
    }
    if (!isOffline() || typeof globalThis.addEventListener !== "function") {
      resolve();
      return;
    }
    const done = () => {
      globalThis.removeEventListener("online", onOnline);
      signal?.removeEventListener("abort", onAbort);
    };
    const onOnline = () => {
      done();
      resolve();
    };
    const onAbort = () => {
      done();
      reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    };
    globalThis.addEventListener("online", onOnline);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

// Uploads one file of a batch to the presigned URLs the service issued: a single PUT, or a
// multipart upload with parallel parts. The service hands out URLs for a file's first parts only;
// the others are asked for (/uploads/urls with partNumbers) a page at a time, just before they are
// sent, so no answer grows with the file. Each request is retried on its own (network errors,
// 408/429/5xx: exponential backoff with jitter; 403, an expired or refused URL: fresh URLs
// through /uploads/urls). A request that got no answer while the browser is offline does not spend
// a try: the upload waits for the connection to come back, however long that takes. Resuming is
// the same call with the instructions /uploads/urls returns after a reload: parts the store
// already holds are not sent again.
import type { FileInstructions } from "./api";
import { backoffDelay, type BackoffOptions, isOffline, sleep, waitForOnline } from "./backoff";
import { type PutResult, type PutTransport, xhrTransport } from "./transport";

export interface UploadedPartRef {
  partNumber: number;
  etag: string;
}

export interface RetryInfo {
  partNumber: number | null;
  attempt: number;
  status: number;
  reason: string;
  delayMs: number;
  refreshed: boolean;
}

export interface FileUploadOptions {
  file: Blob;
  clientId: string;
  /** From the create answer or from /uploads/urls. */
  instructions: FileInstructions;
  /** Fresh instructions for this file (/uploads/urls with its clientId), with the URLs of
   *  `partNumbers` when given (at most kPartUrlsPerRequest). */
  refresh: (signal?: AbortSignal, partNumbers?: number[]) => Promise<FileInstructions>;
  transport?: PutTransport;
  /** Parts of one file in flight at once. */
  partConcurrency?: number;
  /** Tries of one request before the file fails. */
  maxAttempts?: number;
  backoff?: BackoffOptions;
  signal?: AbortSignal;
  /** Bytes of this file the store holds or that are on their way. */
  onProgress?: (sent: number, total: number) => void;
  onPartDone?: (part: UploadedPartRef) => void;
  onRetry?: (info: RetryInfo) => void;
}

export interface FileUploadResult {
  clientId: string;
  /** Multipart files still to be assembled: every part for the complete call. */
  parts?: UploadedPartRef[];
}

/** A request that failed for good: the HTTP status (0 = no answer) and S3's error code. */
export class UploadError extends Error {
  readonly status: number;
  readonly s3Code: string | null;
  readonly partNumber: number | null;

  constructor(message: string, status: number, s3Code: string | null, partNumber: number | null) {
    super(message);
    this.name = "UploadError";
    this.status = status;
    this.s3Code = s3Code;
    this.partNumber = partNumber;
  }
}

/** The <Code> of S3's XML error document, or null. */
export function s3ErrorCode(text: string): string | null {
  const match = /<Code>([^<]+)<\/Code>/.exec(text);
  return match ? match[1]! : null;
}

/** Part numbers and byte ranges of a file cut in parts of `partSize` (the last may be shorter). */
export function planParts(size: number, partSize: number): { partNumber: number; start: number; end: number }[] {
  if (partSize <= 0) throw new RangeError("partSize must be positive");
  const count = Math.max(1, Math.ceil(size / partSize));
  return Array.from({ length: count }, (_, i) => ({
    partNumber: i + 1,
    start: i * partSize,
    end: Math.min(size, (i + 1) * partSize),
  }));
}

const kTransient = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/** Part URLs asked for at once: the part about to be sent and the next ones in line. */
export const kPartUrlsPerRequest = 16;

class Restart {
  constructor(readonly instructions: FileInstructions) {}
}

export async function uploadFile(options: FileUploadOptions): Promise<FileUploadResult> {
  let instructions = options.instructions;
  for (;;) {
    try {
      return await uploadOnce(options, instructions);
    } catch (e) {
      // The multipart upload was replaced (it expired or was aborted): start over on the new one.
      if (e instanceof Restart) {
        instructions = e.instructions;
        continue;
      }
      throw e;
    }
  }
}

async function uploadOnce(options: FileUploadOptions, start: FileInstructions): Promise<FileUploadResult> {
  const transport = options.transport ?? xhrTransport;
  const maxAttempts = options.maxAttempts ?? 6;
  const total = options.file.size;
  let current = start;
  if (current.uploaded) {
    options.onProgress?.(total, total);
    return { clientId: options.clientId };
  }

  // Part URLs known so far (from the instructions and every refresh since).
  const urls = new Map<number, string>();
  const remember = (instructions: FileInstructions) => {
    for (const p of instructions.multipart?.parts ?? []) urls.set(p.partNumber, p.url);
  };
  remember(current);
  // One refresh at a time for the whole file: parallel parts that all need URLs wait for the same
  // answer (and ask again when it did not bring theirs).
  let refreshing: Promise<FileInstructions> | null = null;
  const refresh = async (partNumbers?: number[]): Promise<FileInstructions> => {
    refreshing ??= options.refresh(options.signal, partNumbers).finally(() => {
      refreshing = null;
    });
    current = await refreshing;
    remember(current);
    return current;
  };
  const replaced = (fresh: FileInstructions) =>
    fresh.uploaded === true ||
    (fresh.multipart !== undefined && start.multipart !== undefined &&
     fresh.multipart.uploadId !== start.multipart.uploadId);

  // Sends with retries; "done" when a refresh shows the store already has what was being sent.
  const send = async (partNumber: number | null, put: () => Promise<PutResult>,
                      alreadyStored: (fresh: FileInstructions) => boolean): Promise<PutResult | "done"> => {
    for (let attempt = 0; ; attempt++) {
      options.signal?.throwIfAborted();
      const result = await put();
      if (result.status >= 200 && result.status < 300) return result;
      if (result.status === 0 && isOffline()) {
        await waitForOnline(options.signal);
        attempt--;
        continue;
      }
      const code = s3ErrorCode(result.text);
      const expired = result.status === 403;
      if (!(expired || kTransient(result.status)) || attempt + 1 >= maxAttempts) {
        const where = partNumber === null ? "" : ` (part ${partNumber})`;
        throw new UploadError(
          `Upload failed${where}: HTTP ${result.status}${code ? " " + code : ""}` +
              (result.status === 0 ? ` (${result.text})` : ""),
          result.status, code, partNumber);
      }
      const delayMs = expired && attempt === 0 ? 0 : backoffDelay(attempt, options.backoff);
      options.onRetry?.({ partNumber, attempt: attempt + 1, status: result.status,
                          reason: code ?? (result.status === 0 ? "network" : `HTTP ${result.status}`),
                          delayMs, refreshed: expired });
      if (delayMs > 0) await sleep(delayMs, options.signal);
      if (expired) {
        urls.clear();  // signed together, expired together
        const fresh = await refresh(partNumber === null ? undefined : [partNumber]);
        if (alreadyStored(fresh)) return "done";
        if (fresh.multipart && replaced(fresh)) throw new Restart(fresh);
      }
    }
  };

  if (current.upload) {
    await send(null, () => {
      const upload = current.upload!;
      return transport({
        url: upload.url, headers: upload.headers, body: options.file,
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (loaded) => options.onProgress?.(loaded, total),
      });
    }, (fresh) => fresh.uploaded === true);
    options.onProgress?.(total, total);
    return { clientId: options.clientId };
  }

  const multipart = current.multipart;
  if (!multipart) throw new UploadError("The instructions carry neither upload nor multipart.", 0, null, null);
  const plan = planParts(total, multipart.partSizeBytes);
  const sizeOf = (n: number) => plan[n - 1]!.end - plan[n - 1]!.start;
  // A part the store holds with the planned size is done; one of another size is sent again.
  const storedAsPlanned = (fresh: FileInstructions, n: number) =>
    (fresh.uploadedParts ?? []).some((p) => p.partNumber === n && p.bytes === sizeOf(n));
  const done = new Map<number, string>();
  for (const p of current.uploadedParts ?? []) {
    if (p.partNumber <= plan.length && storedAsPlanned(current, p.partNumber)) done.set(p.partNumber, p.etag);
  }

  let storedBytes = 0;
  for (const n of done.keys()) storedBytes += sizeOf(n);
  const inFlight = new Map<number, number>();
  const report = () => {
    let sent = storedBytes;
    for (const v of inFlight.values()) sent += v;
    options.onProgress?.(Math.min(sent, total), total);
  };
  report();

  const queue = plan.map((p) => p.partNumber).filter((n) => !done.has(n));
  // The URL of part n: known, or asked for with the next parts in line.
  const urlOf = async (n: number): Promise<string> => {
    for (let asked = 0; !urls.has(n); asked++) {
      if (asked >= 3) throw new UploadError(`The service gave no URL for part ${n}.`, 0, null, n);
      const wanted = [n, ...queue.filter((m) => !urls.has(m))].slice(0, kPartUrlsPerRequest);
      const fresh = await refresh(wanted);
      if (replaced(fresh)) throw new Restart(fresh);
    }
    return urls.get(n)!;
  };
  const worker = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const partNumber = n;
      const range = plan[partNumber - 1]!;
      const body = options.file.slice(range.start, range.end);
      const outcome = await send(partNumber, async () => {
        const url = await urlOf(partNumber);
        inFlight.set(partNumber, 0);
        return transport({
          url, headers: {}, body,
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (loaded) => {
            inFlight.set(partNumber, loaded);
            report();
          },
        });
      }, (fresh) => fresh.uploaded === true || storedAsPlanned(fresh, partNumber));
      inFlight.delete(partNumber);
      let etag: string | null;
      if (outcome === "done") {
        if (current.uploaded) {
          queue.length = 0;
          return;
        }
        etag = (current.uploadedParts ?? []).find((p) => p.partNumber === partNumber)?.etag ?? null;
      } else {
        etag = outcome.etag;
      }
      if (!etag) {
        throw new UploadError(
          `Part ${partNumber} was stored but its ETag is not readable (the store's CORS rule must expose ETag).`,
          0, null, partNumber);
      }
      done.set(partNumber, etag);
      storedBytes += sizeOf(partNumber);
      report();
      options.onPartDone?.({ partNumber, etag });
    }
  };
  const concurrency = Math.max(1, Math.min(options.partConcurrency ?? 4, queue.length || 1));
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (current.uploaded) return { clientId: options.clientId };
  const parts = [...done.entries()].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
  return { clientId: options.clientId, parts };
}

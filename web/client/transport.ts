// One HTTP PUT of a body to a presigned URL. The browser's transport is XMLHttpRequest (fetch
// cannot report upload progress); Node programs and tests use fetch.

export interface PutRequest {
  url: string;
  headers: Record<string, string>;
  body: Blob;
  signal?: AbortSignal;
  /** Bytes of this body sent so far. */
  onProgress?: (loaded: number) => void;
}

export interface PutResult {
  status: number;
  /** The ETag header (a multipart complete needs it), or null. */
  etag: string | null;
  /** The response body (S3's XML error document on failure). */
  text: string;
}

/** status 0 = the request never got an answer (network error, connection reset). */
export type PutTransport = (request: PutRequest) => Promise<PutResult>;

function abortError(signal?: AbortSignal): unknown {
  return signal?.reason ?? new DOMException("aborted", "AbortError");
}

export const xhrTransport: PutTransport = (request) =>
  new Promise((resolve, reject) => {
    if (request.signal?.aborted) {
      reject(abortError(request.signal));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => request.onProgress?.(e.loaded);
    const onAbort = () => xhr.abort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => request.signal?.removeEventListener("abort", onAbort);
    xhr.onload = () => {
      done();
      resolve({ status: xhr.status, etag: xhr.getResponseHeader("ETag"), text: xhr.responseText });
    };
    xhr.onerror = () => {
      done();
      resolve({ status: 0, etag: null, text: "network error" });
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(abortError(request.signal));
    };
    xhr.send(request.body);
  });

export function fetchTransport(fetchImpl: typeof fetch = fetch): PutTransport {
  return async (request) => {
    try {
      const response = await fetchImpl(request.url, {
        method: "PUT",
        headers: request.headers,
        body: request.body,
        ...(request.signal ? { signal: request.signal } : {}),
        // Node's fetch needs this for a streamed body; a Blob is sent with its length.
        duplex: "half",
      } as RequestInit);
      const text = await response.text();
      request.onProgress?.(request.body.size);
      return { status: response.status, etag: response.headers.get("ETag"), text };
    } catch (e) {
      if (request.signal?.aborted) throw abortError(request.signal);
      return { status: 0, etag: null, text: String(e) };
    }
  };
}

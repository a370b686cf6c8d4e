// SHA-256 of a Blob, read in chunks (WebCrypto's digest takes the whole file in memory at once;
// hash-wasm's incremental hasher does not). Works in a Web Worker, on a page and in Node.
import { createSHA256 } from "hash-wasm";

export interface HashOptions {
  chunkBytes?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export function base64FromBytes(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

export function hexFromBase64(b64: string): string {
  return Array.from(atob(b64), (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

/** The standard base64 of the SHA-256 of `blob` (what the manifest's checksumSha256 holds). */
export async function sha256Base64(blob: Blob, options: HashOptions = {}): Promise<string> {
  const chunk = options.chunkBytes ?? 4 * 1024 * 1024;
  const hasher = await createSHA256();
  hasher.init();
  for (let offset = 0; offset < blob.size; offset += chunk) {
    options.signal?.throwIfAborted();
    const end = Math.min(blob.size, offset + chunk);
    hasher.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    options.onProgress?.(end, blob.size);
  }
  if (blob.size === 0) options.onProgress?.(0, 0);
  return base64FromBytes(hasher.digest("binary"));
}

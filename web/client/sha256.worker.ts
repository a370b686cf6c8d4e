// The Web Worker side of hashInWorker (sha256_worker_client.ts): hashes each Blob it is sent,
// reporting progress, so a page stays responsive while gigabytes are read.
import { sha256Base64 } from "./sha256";

interface Request {
  id: number;
  blob: Blob;
}

self.onmessage = async (event: MessageEvent<Request>) => {
  const { id, blob } = event.data;
  try {
    let last = 0;
    const digest = await sha256Base64(blob, {
      onProgress: (done, total) => {
        // At most ~100 messages per file.
        if (done === total || done - last >= total / 100) {
          last = done;
          self.postMessage({ id, type: "progress", done, total });
        }
      },
    });
    self.postMessage({ id, type: "done", digest });
  } catch (e) {
    self.postMessage({ id, type: "error", message: String(e) });
  }
};

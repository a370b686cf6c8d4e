// The upload page's single PUTs go through Uppy's S3 plugin (@uppy/aws-s3 with signRequest): the
// signer answers with the presigned URL the service issued and the headers it signed
// (Content-Type, x-amz-checksum-sha256); Uppy sends the PUT with exactly those, reports progress,
// retries 5xx/429 itself and waits for the network to come back when the browser goes offline.
// The client's uploader keeps the rest (fresh URLs on a 403, its own retries, pause, resume).
// Multipart uploads do not go through Uppy: see the README ("Uppy").
import AwsS3 from "@uppy/aws-s3";
import Uppy from "@uppy/core";

import type { PutResult, PutTransport } from "../../client/transport";

interface FailedRequest {
  request?: XMLHttpRequest | null;
}

export const uppyPutTransport: PutTransport = (request) =>
  new Promise<PutResult>((resolve, reject) => {
    if (request.signal?.aborted) {
      reject(request.signal.reason ?? new DOMException("aborted", "AbortError"));
      return;
    }
    // One Uppy per request: the uploader above decides about retries and URLs, Uppy sends.
    const uppy = new Uppy({ autoProceed: false });
    uppy.use(AwsS3, {
      shouldUseMultipart: false,
      limit: 1,
      allowedMetaFields: false,
      signRequest: () => ({ url: request.url, headers: request.headers }),
    });
    let settled = false;
    const finish = (then: () => void) => {
      if (settled) return;
      settled = true;
      request.signal?.removeEventListener("abort", onAbort);
      then();
      uppy.destroy();
    };
    const onAbort = () => finish(() => {
      uppy.cancelAll();
      reject(request.signal?.reason ?? new DOMException("aborted", "AbortError"));
    });
    request.signal?.addEventListener("abort", onAbort, { once: true });
    uppy.on("upload-progress", (_file, progress) => request.onProgress?.(progress.bytesUploaded ?? 0));
    uppy.on("upload-success", () => finish(() => resolve({ status: 200, etag: null, text: "" })));
    uppy.on("upload-error", (_file, error) => finish(() => {
      const xhr = (error as FailedRequest).request ?? null;
      resolve({ status: xhr?.status ?? 0, etag: xhr?.getResponseHeader("ETag") ?? null,
                text: xhr?.responseText || String(error) });
    }));
    uppy.addFile({ name: "upload", type: request.headers["Content-Type"] ?? "application/octet-stream",
                   data: request.body, source: "toq-media" });
    uppy.upload().catch((e: unknown) => finish(() => resolve({ status: 0, etag: null, text: String(e) })));
  });

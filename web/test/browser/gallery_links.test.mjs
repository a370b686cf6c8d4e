// The gallery left open past the life of its presigned download URLs (storage.urlTtlSeconds, 8 s
// here), in Debian's Chromium against a real `toq-media serve` with its workers: the page asks for
// new URLs before the old ones expire, so the ZIP link and the images still load afterwards.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchChromium } from "../support/browser.mjs";
import { binary, corpusDir, startServe } from "../support/serve.mjs";

const skip = (!binary || !corpusDir) && "TOQ_MEDIA_BINARY / TOQ_CORPUS_DIR not set";
const kTtlSeconds = 8;

describe("gallery links outlive their presigned URLs", { skip }, () => {
  let server;
  let browser;

  before(async () => {
    server = await startServe({ env: { TOQ_MEDIA_PROCESSING_WORKERS: "1", TOQ_MEDIA_PROCESSING_POLL_MILLIS: "100",
                                       TOQ_MEDIA_STORAGE_URL_TTL_SECONDS: String(kTtlSeconds) } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = async (path, body) => {
    const r = await fetch(`${server.base}/api/v2/listings/media/${path}`, {
      method: "POST", headers: { Authorization: `Bearer ${server.photographer}`, "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    return r.json();
  };

  test("after the URLs' TTL the ZIP and the photo still load", async () => {
    const data = readFileSync(join(corpusDir, "jpeg_baseline.jpg"));
    const created = await api("uploads", { listingIdentityId: server.listing, files: [{
      clientId: "f-1", mediaType: "PHOTO_HORIZONTAL", filename: "sala.jpg", contentType: "image/jpeg", bytes: data.length,
      checksumSha256: createHash("sha256").update(data).digest("base64"), sequence: 1 }] });
    const upload = created.files[0].upload;
    assert.equal((await fetch(upload.url, { method: "PUT", headers: upload.headers, body: data })).status, 200);
    await api("uploads/complete", { listingIdentityId: server.listing, batchId: created.batchId });
    for (const end = Date.now() + 60_000; ;) {
      const status = await api("status", { listingIdentityId: server.listing });
      if (status.status === "READY") break;
      assert.ok(status.status !== "FAILED" && Date.now() < end, JSON.stringify(status));
      await new Promise((r) => setTimeout(r, 300));
    }

    const context = await browser.newContext({ locale: "pt-BR" });
    const page = await context.newPage();
    await page.goto(`${server.base}/ui/gallery?listing=${server.listing}#token=${server.owner}`);
    await page.locator("#grid li.item").first().waitFor();
    await page.locator("#grid button.thumb").first().focus();
    await page.waitForTimeout((kTtlSeconds + 2) * 1000);
    // What the page links to now is still good: the ZIP, and the photo opened in the viewer.
    const zip = await page.locator("#zip-link").getAttribute("href");
    assert.equal((await fetch(new URL(zip, server.base))).status, 200, "the ZIP link expired");
    await page.keyboard.press("Enter");
    const width = await page.locator("#viewer img").evaluate(async (img) => {
      await img.decode();
      return img.naturalWidth;
    });
    assert.ok(width > 0);
    await context.close();
  });
});

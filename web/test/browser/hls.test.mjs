// HLS in the gallery, in Debian's Chromium (playwright-core, /usr/bin/chromium), against a real
// `toq-media serve` with its workers: a horizontal and a vertical (rotation metadata) video are
// uploaded through the API and processed; the gallery plays each with hls.js (from npm; Chromium
// has no native HLS), and every rung is picked in turn: each one plays (readyState >= 2) at its
// own size, in the video's orientation. The bearer token goes to the API only: no request to the
// store carries it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchChromium } from "../support/browser.mjs";
import { binary, startServe } from "../support/serve.mjs";

const skip = !binary && "TOQ_MEDIA_BINARY not set";

// 6 s of testsrc2 854x480 at 30 fps with a tone; rotate 90: a phone's vertical video.
function makeVideo(dir, name, rotate) {
  const landscape = join(dir, `${name}-landscape.mp4`);
  execFileSync("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                          "-f", "lavfi", "-i", "testsrc2=s=854x480:r=30:d=6", "-f", "lavfi", "-i", "sine=f=440:d=6",
                          "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                          landscape]);
  if (!rotate) return landscape;
  const out = join(dir, `${name}.mp4`);
  execFileSync("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", landscape, "-map", "0",
                          "-c", "copy", "-metadata:s:v:0", `rotate=${rotate}`, out]);
  return out;
}

describe("HLS in the gallery (hls.js in Chromium)", { skip }, () => {
  let server;
  let browser;
  let dir;
  let videos;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "toq-hls-"));
    // Made before the server starts: ffmpeg runs synchronously, and an event loop blocked for
    // seconds lets the server close fetch's idle keep-alive connection unnoticed, so the next
    // request on it fails with "other side closed".
    videos = { h: readFileSync(makeVideo(dir, "h", 0)), v: readFileSync(makeVideo(dir, "v", 90)) };
    server = await startServe({ env: { TOQ_MEDIA_PROCESSING_WORKERS: "2", TOQ_MEDIA_PROCESSING_POLL_MILLIS: "100" } });
    browser = await launchChromium(["--autoplay-policy=no-user-gesture-required"]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function api(path, body, token) {
    const r = await fetch(`${server.base}${path}`, {
      method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }

  async function uploadAndProcess(files) {
    const listing = server.listing;
    const manifest = {
      listingIdentityId: listing, batchReference: "hls-browser",
      files: files.map((f, i) => ({
        clientId: f.clientId, mediaType: f.mediaType, filename: `${f.clientId}.mp4`, contentType: "video/mp4",
        bytes: f.data.length, checksumSha256: createHash("sha256").update(f.data).digest("base64"),
        title: f.title, sequence: i + 1,
      })),
    };
    const created = await api("/api/v2/listings/media/uploads", manifest, server.photographer);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    for (const f of created.body.files) {
      const data = files.find((x) => x.clientId === f.clientId).data;
      const put = await fetch(f.upload.url, { method: f.upload.method, headers: f.upload.headers, body: data });
      assert.equal(put.status, 200);
    }
    const batchId = created.body.batchId;
    const done = await api("/api/v2/listings/media/uploads/complete", { listingIdentityId: listing, batchId },
                           server.photographer);
    assert.equal(done.status, 202, JSON.stringify(done.body));
    const deadline = Date.now() + 240_000;
    for (;;) {
      const s = await api("/api/v2/listings/media/status", { listingIdentityId: listing, batchId }, server.owner);
      if (s.body.status === "READY") return;
      assert.notEqual(s.body.status, "FAILED", JSON.stringify(s.body));
      assert.ok(Date.now() < deadline, "processing took too long");
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  test("each rung of a horizontal and a vertical video plays in the gallery, switching rungs", async () => {
    await uploadAndProcess([
      { clientId: "h", mediaType: "VIDEO_HORIZONTAL", title: "Tour horizontal", data: videos.h },
      { clientId: "v", mediaType: "VIDEO_VERTICAL", title: "Tour vertical", data: videos.v },
    ]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "pt-BR" });
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
    });
    const storeRequests = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.startsWith("/storage/")) storeRequests.push(r);
    });
    await page.goto(`${server.base}/ui/gallery?listing=${server.listing}#token=${server.owner}`);
    await page.locator('#grid li.item[data-kind="video"]').nth(1).waitFor();

    const expected = [
      { title: "Tour horizontal", sizes: ["854x480", "640x360"], vertical: false },
      { title: "Tour vertical", sizes: ["480x854", "360x640"], vertical: true },
    ];
    for (const want of expected) {
      await page.locator("#grid li.item", { hasText: want.title }).locator("button.thumb").click();
      const video = page.locator('#viewer video[data-player="hls.js"]');
      await video.waitFor({ timeout: 30_000 });
      const picker = page.locator("#viewer select.rung");
      await picker.waitFor();
      const sizes = await picker.locator("option[data-size]").evaluateAll((os) => os.map((o) => o.dataset.size));
      assert.deepEqual(sizes, want.sizes, want.title);
      // Muted (autoplay), looping: a short clip would end before every rung has been shown.
      await video.evaluate((v) => { v.muted = true; v.loop = true; return v.play(); });
      // Every rung in turn, then back to the first: each one decodes frames at its own size.
      for (const size of [...want.sizes, want.sizes[0]]) {
        await picker.selectOption({ index: want.sizes.indexOf(size) + 1 });
        await video.evaluate((v) => { v.currentTime = 0; return v.play(); });
        await page.waitForFunction(([s]) => {
          const v = document.querySelector("#viewer video");
          return v && v.readyState >= 2 && `${v.videoWidth}x${v.videoHeight}` === s && v.dataset.rung === s;
        }, [size], { timeout: 45_000 });
        const facts = await video.evaluate((v) => ({ w: v.videoWidth, h: v.videoHeight, ready: v.readyState,
                                                    error: v.error?.code ?? null }));
        assert.ok(facts.ready >= 2, `${want.title} ${size}: readyState ${facts.ready}`);
        assert.equal(facts.error, null);
        assert.equal(facts.h > facts.w, want.vertical, `${want.title} ${size}: orientation`);
      }
      await page.click("#close");
    }
    // The store saw the rungs' presigned GETs (byte ranges), never the bearer token.
    assert.ok(storeRequests.length > 0, "no request reached the store");
    for (const r of storeRequests) {
      assert.equal(r.headers()["authorization"], undefined, `token sent to ${r.url()}`);
      assert.ok(!r.url().includes(server.owner), "token in a store URL");
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
});

// The client's pure parts: backoff, part planning, S3 error codes, SHA-256, resume matching.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { test } from "node:test";

import { backoffDelay, sleep } from "../backoff";
import { sameFile, webStorageResumeStore } from "../resume";
import { base64FromBytes, hexFromBase64, sha256Base64 } from "../sha256";
import { planParts, s3ErrorCode } from "../uploader";

test("backoff grows exponentially under its cap, with full jitter", () => {
  const top = () => 0.999999;
  assert.equal(backoffDelay(0, { baseMs: 100, capMs: 10_000, random: top }), 99);
  assert.equal(backoffDelay(3, { baseMs: 100, capMs: 10_000, random: top }), 799);
  assert.equal(backoffDelay(20, { baseMs: 100, capMs: 10_000, random: top }), 9999);
  assert.equal(backoffDelay(5, { random: () => 0 }), 0);
  for (let i = 0; i < 200; i++) {
    const d = backoffDelay(4, { baseMs: 50, capMs: 500 });
    assert.ok(d >= 0 && d < 500, `delay ${d}`);
  }
});

test("sleep rejects when its signal aborts", async () => {
  const c = new AbortController();
  const pending = sleep(10_000, c.signal);
  c.abort(new DOMException("stop", "AbortError"));
  await assert.rejects(pending, (e: unknown) => e instanceof DOMException && e.name === "AbortError");
});

test("parts cover the file exactly, the last one shorter", () => {
  const mib = 1024 * 1024;
  const plan = planParts(12 * mib, 5 * mib);
  assert.deepEqual(plan.map((p) => p.partNumber), [1, 2, 3]);
  assert.deepEqual(plan.map((p) => p.end - p.start), [5 * mib, 5 * mib, 2 * mib]);
  assert.equal(plan[2]!.end, 12 * mib);
  assert.deepEqual(planParts(10 * mib, 5 * mib).map((p) => p.end - p.start), [5 * mib, 5 * mib]);
  assert.equal(planParts(0, 5 * mib).length, 1);
  assert.throws(() => planParts(10, 0), RangeError);
});

test("S3's error code is read from its XML document", () => {
  assert.equal(s3ErrorCode("<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"),
               "AccessDenied");
  assert.equal(s3ErrorCode("not xml"), null);
});

test("SHA-256 matches the standard vectors and node:crypto across chunk boundaries", async () => {
  assert.equal(await sha256Base64(new Blob(["abc"])), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  assert.equal(await sha256Base64(new Blob([])), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  const bytes = randomBytes(3 * 1024 * 1024 + 17);
  const expected = createHash("sha256").update(bytes).digest("base64");
  const seen: number[] = [];
  const got = await sha256Base64(new Blob([bytes]), { chunkBytes: 1024 * 1024, onProgress: (done) => seen.push(done) });
  assert.equal(got, expected);
  assert.deepEqual(seen, [1048576, 2097152, 3145728, bytes.length]);
  assert.equal(hexFromBase64(got), createHash("sha256").update(bytes).digest("hex"));
  assert.equal(base64FromBytes(new Uint8Array([0xfb, 0xff])), "+/8=");
});

test("a resumed upload recognises the same file by name, size and modification time", () => {
  const entry = { name: "IMG_1.jpg", size: 10, lastModified: 5 };
  assert.ok(sameFile({ name: "IMG_1.jpg", size: 10, lastModified: 5 }, entry));
  assert.ok(!sameFile({ name: "IMG_1.jpg", size: 11, lastModified: 5 }, entry));
  assert.ok(!sameFile({ name: "IMG_1.jpg", size: 10, lastModified: 6 }, entry));
  const map = new Map<string, string>();
  const storage = {
    getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  } as unknown as Storage;
  const store = webStorageResumeStore(storage);
  const pending = { listingIdentityId: 28, batchId: 51, files: [] };
  store.save(pending);
  assert.deepEqual(store.load(28), pending);
  assert.equal(store.load(29), null);
  store.clear(28);
  assert.equal(store.load(28), null);
  map.set("toq-media.upload.30", "{broken");
  assert.equal(store.load(30), null);
});

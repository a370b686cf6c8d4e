// The uploader and the API client against a real `toq-media serve` (no workers: the batch stays
// RECEIVED). A small proxy in front of it breaks chosen requests (a 500, a dropped connection, a
// 400) so retries are exercised on real traffic; everything else reaches the real server.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";

// @ts-expect-error: plain JavaScript helper shared with the browser tests.
import { binary, startServe } from "../../test/support/serve.mjs";
import { ApiError, MediaApi, type MediaType } from "../api";
import { sha256Base64 } from "../sha256";
import { fetchTransport } from "../transport";
import { type RetryInfo, uploadFile, UploadError } from "../uploader";

const MiB = 1024 * 1024;
const skip = !binary && "TOQ_MEDIA_BINARY not set";
const env = {
  TOQ_MEDIA_PROCESSING_START_WORKERS: "false",
  TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES: "5MiB",
  TOQ_MEDIA_STORAGE_PART_SIZE_BYTES: "5MiB",
};

interface Server {
  base: string;
  listing: number;
  photographer: string;
  proxy: { seen: { method: string; url: string }[] };
  requests: () => { method: string; path: string; query: string; status: number }[];
  registerListing: (id: number) => Promise<void>;
  stop: () => Promise<void>;
}

const partOf = (url: string) => Number(/[?&]partNumber=(\d+)/.exec(url)?.[1] ?? 0);
const isPut = (req: IncomingMessage) => req.method === "PUT" && (req.url ?? "").startsWith("/storage/");

async function manifestFile(clientId: string, bytes: Uint8Array<ArrayBuffer>, mediaType: MediaType = "VIDEO_HORIZONTAL",
                            contentType = "video/mp4") {
  return { clientId, mediaType, filename: `${clientId}.mp4`, contentType, bytes: bytes.length,
           checksumSha256: await sha256Base64(new Blob([bytes])), sequence: 1 };
}

const random = (n: number) => new Uint8Array(randomBytes(n));

describe("uploads through a flaky network", { skip }, () => {
  let server: Server;
  const rules: ((req: IncomingMessage, seen: { method: string; url: string }[]) => unknown)[] = [];
  before(async () => {
    server = await startServe({ env, proxyRule: (req: IncomingMessage, seen: { method: string; url: string }[]) => {
      for (const rule of rules) {
        const verdict = rule(req, seen);
        if (verdict) return verdict;
      }
      return null;
    } });
  });
  after(async () => server && (await server.stop()));

  test("multipart: parallel parts, a 500 and a dropped connection retried, then complete twice", async () => {
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const bytes = random(12 * MiB);
    const created = await api.createBatch({ listingIdentityId: server.listing, files: [await manifestFile("v-1", bytes)] });
    const instructions = created.files[0]!;
    assert.equal(instructions.multipart?.parts.length, 3);
    const tries = new Map<number, number>();
    rules.push((req) => {
      if (!isPut(req)) return null;
      const n = partOf(req.url!);
      tries.set(n, (tries.get(n) ?? 0) + 1);
      if (n === 2 && tries.get(n) === 1) return { status: 500 };
      if (n === 3 && tries.get(n) === 1) return "drop";
      return null;
    });
    const retries: RetryInfo[] = [];
    const progress: number[] = [];
    const result = await uploadFile({
      file: new Blob([bytes]), clientId: "v-1", instructions, transport: fetchTransport(),
      refresh: async () => (await api.refreshUrls(server.listing, created.batchId, ["v-1"])).files[0]!,
      partConcurrency: 3, backoff: { baseMs: 10, capMs: 50 },
      onRetry: (r) => retries.push(r), onProgress: (sent) => progress.push(sent),
    });
    rules.length = 0;
    assert.deepEqual(result.parts?.map((p) => p.partNumber), [1, 2, 3]);
    assert.deepEqual([...tries.entries()].sort(), [[1, 1], [2, 2], [3, 2]]);
    assert.deepEqual(retries.map((r) => [r.partNumber, r.status]).sort(), [[2, 500], [3, 0]]);
    assert.equal(progress.at(-1), bytes.length);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! <= bytes.length);
    // Each part reached the server once (the refused attempts never got past the proxy).
    // The access log arrives through a pipe: wait for the lines of the three stored parts.
    const stored = () => server.requests().filter((r) => r.method === "PUT" && r.path.startsWith("/storage/") && r.status === 200);
    for (let i = 0; i < 100 && stored().length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(stored().length, 3);

    const done = await api.complete({ listingIdentityId: server.listing, batchId: created.batchId,
                                      files: [{ clientId: "v-1", parts: result.parts! }] });
    assert.equal(done.created, true);
    assert.equal(done.status, "RECEIVED");
    const again = await api.complete({ listingIdentityId: server.listing, batchId: created.batchId,
                                       files: [{ clientId: "v-1", parts: result.parts! }] });
    assert.equal(again.created, false);
    assert.equal(again.jobId, done.jobId);
    const status = await api.status(server.listing, created.batchId);
    assert.equal(status.status, "RECEIVED");
    assert.equal(status.job?.jobId, done.jobId);
    assert.equal(await api.downloads(server.listing), null);
  });

  test("resume: the parts the store holds are not sent again", async () => {
    // Listing 29 (a new open batch would conflict with the first test's listing).
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const bytes = random(11 * MiB);
    await server.registerListing(29);
    const created = await api.createBatch({ listingIdentityId: 29, files: [await manifestFile("v-2", bytes)] });
    const refresh = async () => (await api.refreshUrls(29, created.batchId, ["v-2"])).files[0]!;
    const first = new AbortController();
    await assert.rejects(uploadFile({
      file: new Blob([bytes]), clientId: "v-2", instructions: created.files[0]!, transport: fetchTransport(), refresh,
      partConcurrency: 1, signal: first.signal,
      onPartDone: (p) => p.partNumber === 1 && first.abort(new DOMException("reload", "AbortError")),
    }));
    // What a reloaded page learns from /uploads/urls.
    const fresh = await refresh();
    assert.equal(fresh.uploaded, false);
    assert.deepEqual(fresh.uploadedParts?.map((p) => p.partNumber), [1]);
    assert.deepEqual(fresh.multipart?.parts.map((p) => p.partNumber), [2, 3]);
    const before = server.proxy.seen.filter((r) => r.method === "PUT" && partOf(r.url) === 1).length;
    const result = await uploadFile({ file: new Blob([bytes]), clientId: "v-2", instructions: fresh,
                                      transport: fetchTransport(), refresh });
    const sentAfter = server.proxy.seen.filter((r) => r.method === "PUT" && partOf(r.url) === 1).length - before;
    assert.equal(sentAfter, 0, "part 1 was sent again");
    assert.equal(result.parts?.[0]?.etag, fresh.uploadedParts?.[0]?.etag);
    const done = await api.complete({ listingIdentityId: 29, batchId: created.batchId,
                                      files: [{ clientId: "v-2", parts: result.parts! }] });
    assert.equal(done.created, true);
  });

  test("a file with more parts than an answer carries asks for its part URLs as it goes", async () => {
    await server.registerListing(31);
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const bytes = random(9 * 5 * MiB + 1);  // 10 parts of 5 MiB, the last of 1 byte
    const created = await api.createBatch({ listingIdentityId: 31, files: [await manifestFile("v-9", bytes)] });
    const instructions = created.files[0]!;
    assert.equal(instructions.multipart?.partCount, 10);
    assert.deepEqual(instructions.multipart?.parts.map((p) => p.partNumber), [1, 2, 3, 4, 5, 6, 7, 8]);
    const asked: (number[] | undefined)[] = [];
    const result = await uploadFile({
      file: new Blob([bytes]), clientId: "v-9", instructions, transport: fetchTransport(), partConcurrency: 2,
      refresh: async (signal, partNumbers) => {
        asked.push(partNumbers);
        const fresh = (await api.refreshUrls(31, created.batchId, ["v-9"], signal, partNumbers)).files[0]!;
        assert.deepEqual(fresh.multipart?.parts.map((p) => p.partNumber), partNumbers);
        return fresh;
      },
    });
    assert.deepEqual(result.parts?.map((p) => p.partNumber), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Only the URLs the create answer did not carry were asked for, by part number.
    assert.deepEqual([...new Set(asked.flatMap((a) => a ?? []))].sort((a, b) => a - b), [9, 10]);
    assert.ok(asked.every((a) => a !== undefined && a.length <= 16), JSON.stringify(asked));
    const done = await api.complete({ listingIdentityId: 31, batchId: created.batchId,
                                      files: [{ clientId: "v-9", parts: result.parts! }] });
    assert.equal(done.created, true);
  });

  test("a refusal that is neither transient nor an expiry fails at once with S3's code", async () => {
    await server.registerListing(30);
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const bytes = random(1000);
    const created = await api.createBatch({ listingIdentityId: 30, files: [await manifestFile("p-1", bytes, "PHOTO_HORIZONTAL", "image/jpeg")] });
    assert.ok(created.files[0]!.upload, "a small file gets a single PUT");
    let puts = 0;
    rules.push((req) => (isPut(req) && ++puts ? { status: 400, body: "<Error><Code>BadDigest</Code></Error>" } : null));
    await assert.rejects(
      uploadFile({ file: new Blob([bytes]), clientId: "p-1", instructions: created.files[0]!, transport: fetchTransport(),
                   refresh: async () => created.files[0]! }),
      (e: unknown) => e instanceof UploadError && e.status === 400 && e.s3Code === "BadDigest");
    rules.length = 0;
    assert.equal(puts, 1);
    // Without the proxy's refusal the same instructions work.
    await uploadFile({ file: new Blob([bytes]), clientId: "p-1", instructions: created.files[0]!, transport: fetchTransport(),
                       refresh: async () => created.files[0]! });
    const done = await api.complete({ listingIdentityId: 30, batchId: created.batchId });
    assert.equal(done.created, true);
  });

  test("API errors carry the contract's code, per-field details and the request id", async () => {
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const file = await manifestFile("x", random(10));
    await assert.rejects(api.createBatch({ listingIdentityId: server.listing,
                                           files: [{ ...file, contentType: "image/gif", mediaType: "PHOTO_HORIZONTAL" }] }),
      (e: unknown) => e instanceof ApiError && e.status === 415 && e.code === "UNSUPPORTED_MEDIA_TYPE" &&
        e.fields[0]?.field === "files[0].contentType" && typeof e.requestId === "string");
    const stranger = new MediaApi({ baseUrl: server.base, token: "not-a-jwt" });
    await assert.rejects(stranger.status(server.listing), (e: unknown) => e instanceof ApiError && e.code === "UNAUTHENTICATED");
  });
});

describe("expired URLs", { skip }, () => {
  let server: Server;
  before(async () => {
    server = await startServe({ env: { ...env, TOQ_MEDIA_STORAGE_URL_TTL_SECONDS: "2" }, proxyRule: () => null });
  });
  after(async () => server && (await server.stop()));

  test("are refreshed through /uploads/urls, single PUT and multipart alike", async () => {
    const api = new MediaApi({ baseUrl: server.base, token: server.photographer });
    const photo = random(4096);
    const video = random(6 * MiB);
    const created = await api.createBatch({ listingIdentityId: server.listing, files: [
      await manifestFile("p-1", photo, "PHOTO_HORIZONTAL", "image/jpeg"), await manifestFile("v-1", video)] });
    await new Promise((r) => setTimeout(r, 3500));
    const refreshed: string[] = [];
    for (const [id, bytes] of [["p-1", photo], ["v-1", video]] as const) {
      const result = await uploadFile({
        file: new Blob([bytes]), clientId: id, instructions: created.files.find((f) => f.clientId === id)!,
        transport: fetchTransport(), backoff: { baseMs: 10, capMs: 20 },
        refresh: async () => {
          refreshed.push(id);
          return (await api.refreshUrls(server.listing, created.batchId, [id])).files[0]!;
        },
      });
      if (id === "v-1") assert.equal(result.parts?.length, 2);
      if (id === "v-1") {
        const done = await api.complete({ listingIdentityId: server.listing, batchId: created.batchId,
                                          files: [{ clientId: "v-1", parts: result.parts! }] });
        assert.equal(done.created, true);
      }
    }
    assert.deepEqual([...new Set(refreshed)], ["p-1", "v-1"]);
    // The first PUT of each was refused as expired (403 AccessDenied) by the real store.
    for (let i = 0; i < 100 && server.requests().filter((r) => r.path.startsWith("/storage/")).length < 5; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const refused = server.requests().filter((r) => r.method === "PUT" && r.path.startsWith("/storage/") && r.status === 403);
    assert.ok(refused.length >= 2, `${refused.length} refused PUTs`);
    const urls = server.requests().filter((r) => r.path === "/api/v2/listings/media/uploads/urls");
    assert.ok(urls.length >= 2);
  });
});

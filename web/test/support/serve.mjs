// Starts a real `toq-media serve` for the web tests: its own data dir, an ephemeral port, the
// configuration through TOQ_MEDIA_* variables, the JSON log kept (the access log proves what the
// server received), and a demo listing registered like `make run` does. Optionally behind a
// small fault-injecting proxy (a test's way of breaking one request; the server is the real one).
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const binary = process.env.TOQ_MEDIA_BINARY;
export const corpusDir = process.env.TOQ_CORPUS_DIR;

export function requireEnv() {
  if (!binary) throw new Error("TOQ_MEDIA_BINARY is not set (run through ctest, or set it to build/ci/src/app/toq-media)");
}

/** A proxy in front of `target` that lets `rule(req)` answer a request itself. */
export function startProxy(targetPort, rule = () => null) {
  const seen = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method, url: req.url });
    const verdict = rule(req, seen);
    if (verdict === "drop") {
      req.socket.destroy();
      return;
    }
    if (verdict && verdict.status) {
      req.resume();
      req.on("end", () => {
        res.writeHead(verdict.status, { "Content-Type": "application/xml", "Connection": "close" });
        res.end(verdict.body ?? "<Error><Code>InternalError</Code><Message>injected</Message></Error>");
      });
      return;
    }
    const upstream = http.request({ host: "127.0.0.1", port: targetPort(), method: req.method, path: req.url,
                                    headers: req.headers }, (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, port: server.address().port, seen,
                                                  close: () => new Promise((r) => server.close(r)) }));
  });
}

/**
 * Starts serve. options.env: extra TOQ_MEDIA_* variables; options.proxyRule: put the fault proxy in
 * front (publicBaseUrl and the API both go through it).
 */
export async function startServe(options = {}) {
  requireEnv();
  const dataDir = mkdtempSync(join(tmpdir(), "toq-web-"));
  let port = 0;
  let proxy = null;
  // Only the variables given here: serve refuses unknown TOQ_MEDIA_* ones (TOQ_MEDIA_BINARY too).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TOQ_MEDIA_")));
  Object.assign(env, { TOQ_MEDIA_LOG_FORMAT: "json", TOQ_MEDIA_LOG_LEVEL: "info" }, options.env ?? {});
  if (options.proxyRule) {
    proxy = await startProxy(() => port, options.proxyRule);
    env.TOQ_MEDIA_STORAGE_PUBLIC_BASE_URL = `http://127.0.0.1:${proxy.port}`;
  }
  const child = spawn(binary, ["serve", "--data-dir", dataDir, "--listen", "127.0.0.1:0"], { env, stdio: ["ignore", "ignore", "pipe"] });
  const log = [];
  let buffer = "";
  const listening = new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const record = JSON.parse(line);
          log.push(record);
          if (record.msg === "listening") resolve(record.port);
        } catch {
          log.push({ msg: "raw", line });
        }
      }
    });
    child.on("exit", (code) => reject(new Error(`toq-media serve exited with ${code}: ${buffer}`)));
  });
  port = await listening;
  const direct = `http://127.0.0.1:${port}`;
  const base = proxy ? `http://127.0.0.1:${proxy.port}` : direct;
  const token = (sub, role, ttlSeconds = 3600) => execFileSync(binary, ["token", "--data-dir", dataDir, "--sub", String(sub),
                                                                      "--role", role, "--ttl", String(ttlSeconds)], { env })
    .toString().trim();
  const listing = options.listing ?? 28;
  const service = token(1, "service");
  // A listing waiting for its photos: photographer 7, owner 11 (as `make run` registers it).
  const registerListing = async (id) => {
    const put = await fetch(`${direct}/api/v2/internal/listings/${id}`, {
      method: "PUT", headers: { Authorization: `Bearer ${service}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ownerId: 11, photographerId: 7, kind: "RESIDENTIAL", status: "PENDING_PHOTO_PROCESSING" }),
    });
    if (put.status !== 200) throw new Error(`registering listing ${id} answered ${put.status}`);
  };
  await registerListing(listing);
  return {
    base, direct, port, dataDir, log, proxy, listing, registerListing,
    photographer: token(7, "photographer"),
    owner: token(11, "owner"),
    token,
    /** Access-log records (method, path, query, status) seen so far. */
    requests: () => log.filter((r) => r.msg === "request"),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      if (proxy) await proxy.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// The upload page as a demanding photographer uses it, in Debian's Chromium (playwright-core)
// against a real `toq-media serve` (no workers: nothing here needs processing), on what the other
// browser tests leave out:
//   - a reload with a link whose token the service refuses (401), then one whose first /uploads/urls
//     answers 503: the interrupted batch is kept and resumes with a good link;
//   - the connection drops in the middle of a multipart part: the page says it is offline, waits,
//     and finishes when the connection is back (no retry budget burnt while offline);
//   - a 0-byte file and a GIF are refused before anything is hashed or sent; more files than a
//     batch takes are refused with the limit, in pt-BR;
//   - complete answered 422 with a file of the wrong size: the reason and the fix on its row, and
//     its "try again" button named after the file;
//   - after a reload the photographer picks the files again, one renamed and one changed: the page
//     names what it did not recognise and what is still missing;
//   - the token expires mid-upload: the 401 is said, and a new link opened in the same tab (only the
//     fragment changes, no reload) finishes the batch;
//   - a batch cancelled elsewhere while the page waited: "Continuar" (409 BATCH_NOT_PENDING) says
//     so and the page is ready for a new batch;
//   - screen readers hear the total progress in 10% steps, not on every progress event;
//   - a second tab on the same batch is told the upload runs in the other tab.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { launchChromium, waitFor } from "../support/browser.mjs";
import { binary, corpusDir, startServe } from "../support/serve.mjs";

const skip = (!binary || !corpusDir) && "TOQ_MEDIA_BINARY / TOQ_CORPUS_DIR not set";
const media = (name) => join(corpusDir, name);
const kPending = "toq-media.upload.";

describe("the upload page on a bad day", { skip }, () => {
  let server;
  let browser;
  let dir;
  const problems = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "toq-photographer-"));
    server = await startServe({ env: {
      TOQ_MEDIA_STORAGE_MULTIPART_THRESHOLD_BYTES: "5MiB",
      TOQ_MEDIA_STORAGE_PART_SIZE_BYTES: "5MiB",
      TOQ_MEDIA_PROCESSING_START_WORKERS: "false",
      // 3 files stand for the default 100: a test picks one more.
      TOQ_MEDIA_UPLOADS_MAX_FILES_PER_BATCH: "3",
      // An expired token is refused at once (no clock leeway): a test's session expires mid-upload.
      TOQ_MEDIA_AUTH_LEEWAY_SECONDS: "0",
    } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function newContext() {
    const context = await browser.newContext({ locale: "pt-BR" });
    context.on("page", (page) => page.on("pageerror", (e) => problems.push(`page error: ${e.message}`)));
    return context;
  }
  const url = (listing, token = server.photographer) => `${server.base}/ui/upload?listing=${listing}#token=${token}`;
  const row = (page, name) => page.locator("li.file", { hasText: name });
  const pendingKeys = (page) => page.evaluate((p) => Object.keys(localStorage).filter((k) => k.startsWith(p)), kPending);
  const rawPut = /\/storage\/.*\/raw\/\d+\?/;

  // Sends `files` on `listing` from `page` with every raw PUT held (routed, never answered) and
  // returns the held routes once the first min(3, n) are there; the route stays in place.
  async function heldUpload(page, listing, files, { token = server.photographer, within = 60_000 } = {}) {
    const held = [];
    await page.route(rawPut, (route) => { held.push(route); });
    await page.goto(url(listing, token));
    await page.setInputFiles("#picker", files);
    await page.locator("li.file").nth(files.length - 1).waitFor();
    await page.click("#send");
    await waitFor(() => held.length === Math.min(3, files.length), within,
                  files.length === 1 ? "the held PUT" : "the held PUTs");
    return held;
  }

  // Starts a batch of `files` on `listing` whose PUTs never finish, and leaves the page.
  async function interruptedBatch(page, listing, files) {
    await heldUpload(page, listing, files);
    // Leaving cancels the held requests; only then is the network let through again.
    await page.goto("about:blank");
    await page.unroute(rawPut);
  }

  test("a refused token (401) or a 503 when the page comes back does not lose the interrupted batch", async () => {
    const listing = 41;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    await interruptedBatch(page, listing, [media("photo_bridge.jpg")]);

    await page.goto(url(listing, "not-a-valid-token"));
    await page.locator("#message.error", { hasText: "sessão expirou" }).waitFor({ timeout: 15_000 });
    assert.equal((await pendingKeys(page)).length, 1, "the pending batch was forgotten on a 401");

    await page.goto("about:blank");
    let refused = 0;
    await page.route(/\/uploads\/urls$/, async (route) => {
      if (refused++ === 0) {
        await route.fulfill({ status: 503, contentType: "application/json",
                              body: JSON.stringify({ code: "DATABASE_BUSY", message: "busy" }) });
      } else {
        await route.continue();
      }
    });
    await page.goto(url(listing));
    await page.locator("#resume-banner").waitFor({ timeout: 30_000 });
    assert.equal(await row(page, "photo_bridge").getAttribute("data-state"), "needs-file");
    await page.setInputFiles("#picker", [media("photo_bridge.jpg")]);
    await page.click("#resume");
    await page.locator("#processing").waitFor({ timeout: 60_000 });
    await context.close();
  });

  test("offline in the middle of a part: the page waits for the connection and finishes", async () => {
    const listing = 42;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    // No jitter: every retry would come at once, so a retry budget spent while offline shows at once.
    await page.addInitScript(() => { Math.random = () => 0; });
    let cut = false;
    await page.route(/\/storage\/.*[?&]partNumber=2(&|$)/, async (route) => {
      if (cut) return route.continue();
      cut = true;
      await context.setOffline(true);
      await route.abort("internetdisconnected");
    });
    await page.goto(url(listing));
    await page.setInputFiles("#picker", [media("footage_vtest.avi")]);
    await page.locator("li.file").first().waitFor();
    await page.click("#send");
    await waitFor(() => cut, 60_000, "part 2 cut off");
    await page.locator("#message", { hasText: "Sem conexão" }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1500);
    assert.equal(await row(page, "footage_vtest").getAttribute("data-state"), "uploading");
    await context.setOffline(false);
    await page.locator("#processing").waitFor({ timeout: 60_000 });
    await context.close();
  });

  test("a 0-byte file and a GIF are refused before anything is hashed or sent", async () => {
    const listing = 43;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(url(listing));
    writeFileSync(join(dir, "vazio.jpg"), "");
    await page.setInputFiles("#picker", [media("photo_bridge.jpg"), media("gif_animated.gif"), join(dir, "vazio.jpg")]);
    await page.locator("li.file").nth(2).waitFor();
    await row(page, "vazio.jpg").locator('.note[data-code="EMPTY"]').waitFor();
    await page.click("#send");
    await page.locator("#message.error", { hasText: "Remova" }).waitFor({ timeout: 5_000 });
    assert.match(await page.locator("#message").innerText(), /gif_animated\.gif/);
    assert.match(await page.locator("#message").innerText(), /vazio\.jpg/);
    assert.equal(await row(page, "photo_bridge").getAttribute("data-state"), "new");
    await page.waitForTimeout(500);
    const posts = server.requests().filter((r) => r.path === "/api/v2/listings/media/uploads");
    assert.deepEqual(posts.filter((r) => r.listing_id === listing), []);
    // Removing them sends the rest.
    await row(page, "gif_animated").locator("button.remove").click();
    await row(page, "vazio.jpg").locator("button.remove").click();
    await page.click("#send");
    await page.locator("#processing").waitFor({ timeout: 60_000 });
    await context.close();
  });

  test("more files than a batch takes: the page says so in pt-BR, with the limit", async () => {
    const listing = 47;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(url(listing));
    const files = [1, 2, 3, 4].map((i) => {
      copyFileSync(media("jpeg_baseline.jpg"), join(dir, `IMG_000${i}.jpg`));
      return join(dir, `IMG_000${i}.jpg`);
    });
    await page.setInputFiles("#picker", files);
    await page.locator("li.file").nth(3).waitFor();
    await page.click("#send");
    const message = page.locator("#message.error");
    await message.filter({ hasText: "recusado" }).waitFor({ timeout: 30_000 });
    const text = await message.innerText();
    assert.match(text, /Arquivos demais num só envio/);
    assert.match(text, /at most 3/);
    assert.doesNotMatch(text, /arquivos marcados/, "no file is marked");
    await context.close();
  });

  test("complete answered 422 SIZE_MISMATCH: the reason and the fix land on the file's row", async () => {
    const listing = 44;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    // The contract's answer for an object of another size than declared (the local store refuses such
    // a PUT already, so the answer is given here, in the contract's shape).
    await page.route(/\/uploads\/complete$/, (route) => route.fulfill({
      status: 422, contentType: "application/json",
      body: JSON.stringify({ code: "UPLOAD_INCOMPLETE", message: "Some files are missing or differ.",
                             details: { missing: [], mismatched: [{ clientId: "f-1", reason: "SIZE_MISMATCH" }] } }),
    }), { times: 1 });
    await page.goto(url(listing));
    await page.setInputFiles("#picker", [media("photo_bridge.jpg")]);
    await page.locator("li.file").first().waitFor();
    await page.click("#send");
    const photo = row(page, "photo_bridge");
    await photo.and(page.locator('[data-state="failed"]')).waitFor({ timeout: 60_000 });
    const text = await photo.locator(".row-error").innerText();
    assert.match(text, /tamanho diferente/);
    assert.match(text, /Envie de novo o mesmo arquivo/);
    // A screen reader hears which file each "try again" is for; the file goes again, then complete.
    await photo.getByRole("button", { name: "Tentar de novo photo_bridge.jpg" }).click();
    await page.locator("#processing").waitFor({ timeout: 60_000 });
    await context.close();
  });

  test("picked again after a reload, one renamed and one changed: the page says which and what is missing", async () => {
    const listing = 45;
    await server.registerListing(listing);
    const copy = (from, to, mtime) => {
      copyFileSync(media(from), join(dir, to));
      utimesSync(join(dir, to), mtime, mtime);
      return join(dir, to);
    };
    const when = new Date("2026-11-20T10:00:00Z");
    const files = [copy("photo_bridge.jpg", "sala.jpg", when), copy("jpeg_baseline.jpg", "quarto.jpg", when),
                   copy("photo_wine_vertical.jpg", "cozinha.jpg", when)];
    const context = await newContext();
    const page = await context.newPage();
    await interruptedBatch(page, listing, files);
    await page.goto(url(listing));
    await page.locator("#resume-banner").waitFor({ timeout: 30_000 });
    // quarto.jpg renamed; cozinha.jpg edited since (another modification time); sala.jpg as it was.
    const renamed = copy("jpeg_baseline.jpg", "quarto-editado.jpg", when);
    const changed = copy("photo_wine_vertical.jpg", "cozinha.jpg", new Date("2026-11-21T10:00:00Z"));
    await page.setInputFiles("#picker", [changed, files[0], renamed]);
    const message = page.locator("#message");
    await message.filter({ hasText: "quarto-editado.jpg" }).waitFor({ timeout: 10_000 });
    const text = await message.innerText();
    assert.match(text, /1 arquivo\(s\) reconhecido\(s\)/);
    assert.match(text, /cozinha\.jpg.*(data|tamanho)/s);
    assert.match(text, /Ainda falta.*quarto\.jpg/s);
    assert.equal(await row(page, "sala.jpg").getAttribute("data-state"), "paused");
    assert.equal(await row(page, "quarto.jpg").getAttribute("data-state"), "needs-file");
    await context.close();
  });

  test("the session expires mid-upload (401 at complete): a new link in the same tab finishes it", async () => {
    const listing = 48;
    await server.registerListing(listing);
    const issued = Date.now();
    const short = server.token(7, "photographer", 8);
    const context = await newContext();
    const page = await context.newPage();
    const held = await heldUpload(page, listing, [media("photo_bridge.jpg")], { token: short, within: 30_000 });
    // The PUT's presigned URL outlives the token; the complete after it does not.
    await page.waitForTimeout(Math.max(0, issued + 9_500 - Date.now()));
    await held[0].continue();
    await page.unroute(rawPut);
    await page.locator("#message.error", { hasText: "sessão expirou" }).waitFor({ timeout: 30_000 });
    // The photographer opens a new link in the same tab: only the fragment changes, no reload.
    await page.goto(url(listing));
    await page.locator("#processing").waitFor({ timeout: 30_000 });
    // (A refused request is logged without its listing: the token is checked before the body is read.)
    const completes = server.requests().filter((r) => r.path === "/api/v2/listings/media/uploads/complete" &&
                                                      Date.parse(r.ts) >= issued);
    assert.deepEqual(completes.map((r) => r.status), [401, 202]);
    await context.close();
  });

  test("a batch cancelled elsewhere (409 BATCH_NOT_PENDING on continue): said so, and a new batch starts", async () => {
    const listing = 49;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    await heldUpload(page, listing, [media("photo_bridge.jpg")], { within: 30_000 });
    await page.click("#pause");
    await row(page, "photo_bridge").and(page.locator('[data-state="paused"]')).waitFor();
    await page.unroute(rawPut);
    // Cancelled elsewhere (another device, support) while this page waits.
    const api = (path, body) => fetch(`${server.base}/api/v2/listings/media/${path}`, {
      method: "POST", headers: { Authorization: `Bearer ${server.photographer}`, "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    const status = await (await api("status", { listingIdentityId: listing })).json();
    assert.equal((await api("uploads/cancel", { listingIdentityId: listing, batchId: status.batchId })).status, 200);
    await page.click("#resume");
    await page.locator("#message.error", { hasText: "cancelado antes de ser concluído" }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator("li.file").count(), 0);
    assert.equal(await page.locator("#picker-area").isVisible(), true);
    assert.deepEqual(await pendingKeys(page), []);
    await page.setInputFiles("#picker", [media("photo_bridge.jpg")]);
    await page.locator("li.file").first().waitFor();
    await page.click("#send");
    await page.locator("#processing").waitFor({ timeout: 30_000 });
    await context.close();
  });

  test("screen readers hear the progress in steps, not on every progress event", async () => {
    const listing = 50;
    await server.registerListing(listing);
    const context = await newContext();
    const page = await context.newPage();
    await page.goto(url(listing));
    // Every text change inside a live region is one announcement.
    await page.evaluate(() => {
      window.heard = [];
      new MutationObserver((changes) => {
        for (const c of changes) {
          const node = c.target.nodeType === Node.TEXT_NODE ? c.target.parentElement : c.target;
          const region = node?.closest("[aria-live], [role=status], [role=alert]");
          if (region) window.heard.push({ id: region.id || region.className, text: region.textContent });
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.setInputFiles("#picker", [media("footage_vtest.avi"), media("photo_bridge.jpg")]);
    await page.locator("li.file").nth(1).waitFor();
    await page.click("#send");
    await page.locator("#processing").waitFor({ timeout: 60_000 });
    const heard = await page.evaluate(() => window.heard);
    const perRegion = {};
    for (const h of heard) perRegion[h.id] = (perRegion[h.id] ?? 0) + 1;
    for (const [id, n] of Object.entries(perRegion)) assert.ok(n <= 12, `${n} announcements from ${id}`);
    assert.ok(heard.some((h) => h.id === "total-live" && /Enviado 100%/.test(h.text)), JSON.stringify(heard));
    await context.close();
  });

  test("a second tab on the same batch is told the upload runs in the other tab", async () => {
    const listing = 46;
    await server.registerListing(listing);
    const context = await newContext();
    const first = await context.newPage();
    await heldUpload(first, listing, [media("photo_bridge.jpg")]);

    const second = await context.newPage();
    await second.goto(url(listing));
    await second.locator("#fatal", { hasText: "outra aba" }).waitFor({ timeout: 15_000 });
    assert.equal(await second.locator("#picker-area").isHidden(), true);
    assert.equal(await second.locator("li.file").count(), 0);

    // Once the first tab is gone, the second one takes the batch over.
    await first.close();
    await second.reload();
    await second.locator("#resume-banner").waitFor({ timeout: 15_000 });
    await context.close();
  });

  test("no page error", () => {
    assert.deepEqual(problems, []);
  });
});

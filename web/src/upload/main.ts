// /ui/upload?listing=ID#token=JWT — the photographer's upload page.
//
// Pick or drop files -> preflight (what each file is, what will fail) -> type, title and order per
// file -> SHA-256 in a Web Worker -> create the batch (manifest errors land on their rows) ->
// upload (single PUT or parallel multipart parts, retries, fresh URLs) with per-file and total
// progress, pause / resume, retry of failed files -> complete -> live processing status with each
// asset's error and fix. A reload mid-upload resumes from what /uploads/urls says the store holds.
import {
  ApiError, type BatchStatus, type FileInstructions, type ManifestFile, type MediaType,
} from "../../client/api";
import { backoffDelay, isOffline, sleep, waitForOnline } from "../../client/backoff";
import { isFinished, pollUntilFinished } from "../../client/poll";
import { type PendingUpload, sameFile, webStorageResumeStore } from "../../client/resume";
import { hashInWorker } from "../../client/sha256_worker_client";
import { xhrTransport } from "../../client/transport";
import { type UploadedPartRef, uploadFile, UploadError } from "../../client/uploader";
import { kApiErrors, kAssetErrors, kFieldRules, kMediaTypes, kStates } from "../common/messages";
import { $, el, formatBytes, listingFromUrl, makeApi, takeToken } from "../common/session";
import { assess, contentTypeOf, describe, type Facts, guessMediaType, inspect, type Note } from "./preflight";
import { uppyPutTransport } from "./uppy_put";

type RowState = "new" | "hashing" | "queued" | "uploading" | "paused" | "uploaded" | "failed" | "needs-file" | "processing"
  | "ready" | "asset-failed";

interface Row {
  clientId: string;
  file: File | null;
  name: string;
  size: number;
  lastModified: number;
  contentType: string;
  mediaType: MediaType;
  title: string;
  facts: Facts | null;
  notes: Note[];
  checksum: string | null;
  state: RowState;
  sent: number;
  parts: UploadedPartRef[] | undefined;
  error: string | null;
  li: HTMLLIElement;
}

const kFileConcurrency = 3;
const kStateText: Record<RowState, string> = {
  "new": "pronto para enviar", "hashing": "calculando verificação…", "queued": "na fila", "uploading": "enviando…",
  "paused": "pausado", "uploaded": "enviado", "failed": "falhou", "needs-file": "selecione este arquivo de novo",
  "processing": "processando…", "ready": "pronto", "asset-failed": "falhou no processamento",
};

// A new link opened in this tab (same page, new #token=) only changes the fragment: no reload, so
// the page takes the new token itself (see renewToken).
let token = takeToken();
const listing = listingFromUrl();
const api = makeApi(() => token ?? "");
const store = webStorageResumeStore(localStorage);
const rows: Row[] = [];
let nextId = 1;
let batchId: number | null = null;
let locked = false; // the manifest was sent: rows can no longer be added, removed or edited
let controller: AbortController | null = null;
let uploading = false;

function message(text: string, level: "info" | "error" = "info") {
  const m = $("#message");
  m.textContent = text;
  m.className = `message ${level}`;
}

function apiErrorText(e: unknown): string {
  if (e instanceof ApiError) {
    const known = kApiErrors[e.code];
    return `${known ?? e.message} (${e.code}${e.requestId ? `, pedido ${e.requestId}` : ""})`;
  }
  if (e instanceof UploadError) return `Falha no envio: ${e.message}`;
  return String(e);
}

// One tab at a time works on a listing's interrupted batch (Web Locks; the lock goes with the tab):
// two tabs would send the same parts twice and show each other's files as missing.
let releaseLock: (() => void) | null = null;

function lockName(): string {
  return `toq-media.upload.${listing}`;
}

async function holdBatchLock(): Promise<boolean> {
  if (releaseLock || !("locks" in navigator)) return true;
  return new Promise((resolve) => {
    void navigator.locks.request(lockName(), { ifAvailable: true }, (lock) => {
      if (!lock) {
        resolve(false);
        return undefined;
      }
      resolve(true);
      return new Promise<void>((release) => (releaseLock = release));
    });
  });
}

function otherTab() {
  const fatal = $("#fatal");
  fatal.hidden = false;
  fatal.textContent = "Este envio está em andamento em outra aba deste navegador: continue por lá. " +
                      "Para continuar nesta aba, feche a outra e recarregue esta página.";
  $("#picker-area").hidden = true;
}

function forgetPending() {
  if (listing) store.clear(listing);
  releaseLock?.();
  releaseLock = null;
}

// An API call worth sending again when it got no answer or a transient one (503, 5xx): waits for
// the network when the browser is offline (without spending a try), backs off otherwise.
const kApiAttempts = 6;

async function withRetries<T>(call: () => Promise<T>, retrying: (e: ApiError) => string,
                               signal?: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!(e instanceof ApiError) || !e.transient) throw e;
      if (isOffline()) {
        message(kOffline, "error");
        await waitForOnline(signal);
        attempt--;
        continue;
      }
      if (attempt + 1 >= kApiAttempts) throw e;
      message(retrying(e));
      await sleep(backoffDelay(attempt), signal);
    }
  }
}

const kOffline = "Sem conexão com a internet: o envio continua sozinho quando ela voltar. Não feche esta página.";

/** An asset error code's text and its fix, in pt-BR. */
function assetErrorText(code: string): string {
  const known = kAssetErrors[code];
  return known ? `${known.text} ${known.fix}` : code;
}

// ---- rows ----

function renderNotes(row: Row): HTMLElement {
  const list = el("ul", { class: "notes" });
  for (const n of row.notes) list.append(el("li", { class: `note ${n.level}`, "data-code": n.code }, n.text));
  if (row.error) list.append(el("li", { class: "note error row-error", "data-code": "ERROR" }, row.error));
  return list;
}

function refreshRow(row: Row) {
  const li = row.li;
  li.dataset["state"] = row.state;
  li.querySelector(".state")!.textContent = kStateText[row.state];
  const progress = li.querySelector<HTMLProgressElement>("progress")!;
  progress.max = Math.max(1, row.size);
  progress.value = row.sent;
  li.querySelector(".facts")!.textContent =
    [formatBytes(row.size), row.facts ? describe(row.facts) : ""].filter(Boolean).join(" · ");
  li.querySelector(".notes")!.replaceWith(renderNotes(row));
  const editable = !locked;
  li.querySelector<HTMLSelectElement>("select")!.disabled = !editable;
  li.querySelector<HTMLInputElement>(".title")!.disabled = !editable;
  li.querySelectorAll<HTMLButtonElement>(".move, .remove").forEach((b) => (b.disabled = !editable));
  li.querySelector<HTMLButtonElement>(".retry")!.hidden = row.state !== "failed" || !batchId;
  li.draggable = editable;
  updateTotals();
}

function reassess(row: Row) {
  row.notes = row.facts && row.file ? assess(row.file, row.facts, row.mediaType) : row.notes;
  refreshRow(row);
}

function createRow(init: Omit<Row, "li">): Row {
  const li = el("li", { class: "file", "data-client-id": init.clientId });
  const row: Row = { ...init, li };
  const select = el("select", { "aria-label": `Tipo de ${init.name}` });
  for (const [value, label] of Object.entries(kMediaTypes)) select.append(el("option", { value }, label));
  select.value = row.mediaType;
  select.addEventListener("change", () => {
    row.mediaType = select.value as MediaType;
    row.error = null;
    reassess(row);
  });
  const title = el("input", { class: "title", type: "text", maxlength: "120", placeholder: "Título (opcional)",
                              "aria-label": `Título de ${init.name}` });
  title.value = row.title;
  title.addEventListener("input", () => {
    row.title = title.value;
    if (row.error) {
      row.error = null;
      refreshRow(row);
    }
  });
  const up = el("button", { type: "button", class: "move up", "aria-label": `Mover ${init.name} para cima` }, "↑");
  const down = el("button", { type: "button", class: "move down", "aria-label": `Mover ${init.name} para baixo` }, "↓");
  up.addEventListener("click", () => move(row, -1));
  down.addEventListener("click", () => move(row, +1));
  const remove = el("button", { type: "button", class: "remove", "aria-label": `Remover ${init.name}` }, "Remover");
  remove.addEventListener("click", () => {
    rows.splice(rows.indexOf(row), 1);
    li.remove();
    updateTotals();
    updateButtons();
  });
  const retry = el("button", { type: "button", class: "retry", "aria-label": `Tentar de novo ${init.name}` }, "Tentar de novo");
  retry.hidden = true;
  retry.addEventListener("click", () => void resumeUploads([row]));
  li.append(
    el("div", { class: "order" }, up, down),
    el("div", { class: "main" },
       el("div", { class: "name" }, init.name),
       el("div", { class: "facts muted" }),
       el("div", { class: "fields" }, select, title),
       el("ul", { class: "notes" })),
    el("div", { class: "status" },
       el("progress", { max: "1", value: "0", "aria-label": `Progresso de ${init.name}` }),
       el("span", { class: "state" }),
       el("div", { class: "row-actions" }, retry, remove)));
  li.addEventListener("dragstart", (e) => {
    e.dataTransfer?.setData("text/plain", row.clientId);
    li.classList.add("dragging");
  });
  li.addEventListener("dragend", () => li.classList.remove("dragging"));
  li.addEventListener("dragover", (e) => {
    if (!locked) e.preventDefault();
  });
  li.addEventListener("drop", (e) => {
    e.preventDefault();
    const id = e.dataTransfer?.getData("text/plain");
    const dragged = rows.find((r) => r.clientId === id);
    if (!dragged || dragged === row || locked) return;
    rows.splice(rows.indexOf(dragged), 1);
    rows.splice(rows.indexOf(row), 0, dragged);
    row.li.before(dragged.li);
  });
  $("#files").append(li);
  rows.push(row);
  refreshRow(row);
  return row;
}

function move(row: Row, delta: number) {
  const i = rows.indexOf(row);
  const j = i + delta;
  if (j < 0 || j >= rows.length) return;
  rows.splice(i, 1);
  rows.splice(j, 0, row);
  if (delta < 0) rows[j + 1]!.li.before(row.li);
  else rows[j - 1]!.li.after(row.li);
  row.li.querySelector<HTMLButtonElement>(delta < 0 ? ".up" : ".down")?.focus();
}

async function addFiles(files: File[]) {
  if (locked && !batchId) return;
  if (batchId) {
    // Resuming: each picked file takes the place of its entry in the interrupted batch.
    let matched = 0;
    const unknown: string[] = [];
    for (const file of files) {
      const row = rows.find((r) => r.state === "needs-file" && sameFile(file, r));
      if (!row) {
        // Picked twice is no news; anything else is said by name, with why when the name is known.
        if (rows.some((r) => r.file && sameFile(file, r))) continue;
        const namesake = rows.some((r) => r.state === "needs-file" && r.name === file.name);
        unknown.push(namesake ? `${file.name} (tamanho ou data de modificação diferentes do arquivo enviado)`
                              : `${file.name} (não faz parte deste envio)`);
        continue;
      }
      row.file = file;
      row.state = "paused";
      matched++;
      refreshRow(row);
      row.facts = await inspect(file);
      reassess(row);
    }
    const missing = rows.filter((r) => r.state === "needs-file").map((r) => r.name);
    const parts = [matched ? `${matched} arquivo(s) reconhecido(s).` : "Nenhum dos arquivos escolhidos faz parte do envio interrompido."];
    if (unknown.length) parts.push(`Não reconhecido(s): ${unknown.join(", ")}.`);
    if (missing.length && (unknown.length || !matched)) {
      parts.push(`Ainda falta(m): ${missing.join(", ")}. Escolha os arquivos originais, sem renomear nem editar; ` +
                 "sem eles o envio não pode ser concluído (ou cancele o envio).");
    }
    message(parts.join(" "), unknown.length || !matched ? "error" : "info");
    updateButtons();
    return;
  }
  for (const file of files) {
    const facts = await inspect(file);
    const row = createRow({
      clientId: `f-${nextId++}`, file, name: file.name, size: file.size, lastModified: file.lastModified,
      contentType: contentTypeOf(file), mediaType: guessMediaType(facts), title: "", facts, notes: [],
      checksum: null, state: "new", sent: 0, parts: undefined, error: null,
    });
    reassess(row);
  }
  updateButtons();
}

// The total changes on every progress event (many a second): screen readers hear it in steps of
// 10% (#total-live), not as an endless queue of announcements.
let announcedStep = -1;

function updateTotals() {
  const total = rows.reduce((n, r) => n + r.size, 0);
  const sent = rows.reduce((n, r) => n + r.sent, 0);
  const percent = total ? Math.floor((100 * sent) / total) : 0;
  const bar = $("#total-progress") as HTMLProgressElement;
  bar.max = Math.max(1, total);
  bar.value = sent;
  $("#total-text").textContent = rows.length
    ? `${rows.length} arquivo(s) · ${formatBytes(sent)} de ${formatBytes(total)} (${percent}%)`
    : "";
  const step = uploading ? Math.floor(percent / 10) : -1;
  if (step !== announcedStep) {
    announcedStep = step;
    $("#total-live").textContent = step >= 0 ? `Enviado ${step * 10}% de ${formatBytes(total)}` : "";
  }
}

function updateButtons() {
  const send = $("#send") as HTMLButtonElement;
  const pause = $("#pause") as HTMLButtonElement;
  const resume = $("#resume") as HTMLButtonElement;
  const retryFailed = $("#retry-failed") as HTMLButtonElement;
  const cancel = $("#cancel-batch") as HTMLButtonElement;
  const waiting = rows.filter((r) => r.state === "needs-file").length;
  // A batch still being uploaded (not completed: no processing shown) may be given up.
  cancel.hidden = !batchId || uploading || !$("#processing").hidden;
  if (batchId) {
    send.hidden = true;
    pause.hidden = !uploading;
    const resumable = rows.some((r) => r.state === "paused" || r.state === "queued");
    resume.hidden = uploading || !resumable;
    resume.disabled = waiting > 0;
    retryFailed.hidden = uploading || !rows.some((r) => r.state === "failed");
  } else {
    send.hidden = false;
    send.disabled = rows.length === 0 || locked;
    pause.hidden = resume.hidden = retryFailed.hidden = true;
  }
}

// ---- sending ----

function sequences(): Map<Row, number> {
  const counters = new Map<string, number>();
  const out = new Map<Row, number>();
  for (const row of rows) {
    const n = (counters.get(row.mediaType) ?? 0) + 1;
    counters.set(row.mediaType, n);
    out.set(row, n);
  }
  return out;
}

function showFieldErrors(e: ApiError) {
  let marked = 0;
  // Errors of the batch as a whole (files: TOO_MANY_FILES, ...) have no row: said in the message.
  const general: string[] = [];
  for (const f of e.fields) {
    const m = /^files\[(\d+)\]\.(\w+)/.exec(f.field);
    const row = m ? rows[Number(m[1])] : undefined;
    const text = kFieldRules[f.rule] ?? "Valor não aceito.";
    if (!row) {
      general.push(`${text} (${f.field}: ${f.reason})`);
      continue;
    }
    row.error = `${text} (${m![2]}: ${f.reason})`;
    marked++;
    refreshRow(row);
  }
  message(["O envio foi recusado.", ...general,
           marked ? `Corrija os arquivos marcados e envie de novo. ${kApiErrors[e.code] ?? ""}` : ""]
            .filter(Boolean).join(" "), "error");
}

async function send() {
  if (!listing || !token) return;
  // Files the service refuses whatever happens (empty, a format it does not take): said now, before
  // minutes of hashing and a refused manifest.
  const refused = rows.filter((r) => r.notes.some((n) => n.code === "EMPTY" || n.code === "UNSUPPORTED_TYPE"));
  if (refused.length) {
    message(`Remova os arquivos que não podem ser enviados (marcados em vermelho): ${refused.map((r) => r.name).join(", ")}.`,
            "error");
    return;
  }
  if (!(await holdBatchLock())) {
    otherTab();
    return;
  }
  locked = true;
  rows.forEach((r) => {
    r.error = null;
    refreshRow(r);
  });
  updateButtons();
  message("Calculando a verificação (SHA-256) dos arquivos…");
  try {
    for (const row of rows) {
      if (row.checksum) continue;
      row.state = "hashing";
      refreshRow(row);
      row.checksum = await hashInWorker(row.file!, (done) => {
        row.sent = 0;
        row.li.querySelector(".state")!.textContent = `verificando… ${Math.floor((100 * done) / Math.max(1, row.size))}%`;
      });
      row.state = "new";
      refreshRow(row);
    }
  } catch (e) {
    locked = false;
    forgetPending();
    message(`Não foi possível ler um arquivo: ${String(e)}`, "error");
    rows.forEach(refreshRow);
    updateButtons();
    return;
  }
  const order = sequences();
  const files: ManifestFile[] = rows.map((r) => ({
    clientId: r.clientId, mediaType: r.mediaType, filename: r.name, contentType: r.contentType, bytes: r.size,
    checksumSha256: r.checksum!, sequence: order.get(r)!, ...(r.title.trim() ? { title: r.title.trim() } : {}),
  }));
  message("Criando o envio…");
  let created;
  try {
    created = await api.createBatch({ listingIdentityId: listing, files });
  } catch (e) {
    locked = false;
    forgetPending();
    rows.forEach(refreshRow);
    updateButtons();
    if (e instanceof ApiError && e.fields.length) showFieldErrors(e);
    else if (e instanceof ApiError && e.code === "OPEN_BATCH_EXISTS") {
      message(`${kApiErrors[e.code]} (lote ${String(e.details?.["batchId"] ?? "?")}). Conclua-o neste navegador ou aguarde o processamento.`, "error");
    } else message(apiErrorText(e), "error");
    return;
  }
  batchId = created.batchId;
  const pending: PendingUpload = {
    listingIdentityId: listing, batchId,
    files: files.map((f, i) => ({ clientId: f.clientId, name: rows[i]!.name, size: rows[i]!.size,
      lastModified: rows[i]!.lastModified, contentType: f.contentType, checksumSha256: f.checksumSha256,
      mediaType: f.mediaType, sequence: f.sequence, ...(f.title ? { title: f.title } : {}) })),
  };
  store.save(pending);
  rows.forEach((r) => (r.state = "queued"));
  await uploadRows(rows, new Map(created.files.map((f) => [f.clientId, f])));
}

async function uploadRows(targets: Row[], instructions: Map<string, FileInstructions>) {
  controller = new AbortController();
  const signal = controller.signal;
  uploading = true;
  updateButtons();
  message("Enviando…");
  const queue = targets.filter((r) => r.file && instructions.has(r.clientId));
  queue.forEach((r) => {
    r.state = "queued";
    r.error = null;
    refreshRow(r);
  });
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      if (signal.aborted) {
        row.state = "paused";
        refreshRow(row);
        continue;
      }
      row.state = "uploading";
      refreshRow(row);
      try {
        const given = instructions.get(row.clientId)!;
        const result = await uploadFile({
          file: row.file!, clientId: row.clientId, instructions: given,
          // Single PUTs through Uppy's S3 plugin; multipart parts with the client's own transport.
          transport: given.upload ? uppyPutTransport : xhrTransport,
          refresh: async (s, parts) =>
            (await withRetries(() => api.refreshUrls(listing!, batchId!, [row.clientId], s, parts),
                               (e) => `Serviço momentaneamente indisponível (${e.code}): tentando de novo…`, s)).files[0]!,
          signal,
          onProgress: (sent) => {
            row.sent = sent;
            row.li.querySelector<HTMLProgressElement>("progress")!.value = sent;
            updateTotals();
          },
        });
        row.parts = result.parts;
        row.sent = row.size;
        row.state = "uploaded";
      } catch (e) {
        if (signal.aborted) {
          row.state = "paused";
        } else {
          row.state = "failed";
          row.error = apiErrorText(e);
        }
      }
      refreshRow(row);
    }
  };
  await Promise.all(Array.from({ length: kFileConcurrency }, worker));
  uploading = false;
  controller = null;
  updateButtons();
  if (rows.every((r) => r.state === "uploaded")) {
    await complete();
  } else if (rows.some((r) => r.state === "failed")) {
    message("Alguns arquivos falharam. Use \"Tentar de novo\".", "error");
  } else if (signal.aborted) {
    message("Envio pausado. As partes já enviadas ficam guardadas.");
  }
}

// Gives the batch up (uploads/cancel): the service discards what arrived and the listing takes a
// new batch at once, instead of staying blocked (OPEN_BATCH_EXISTS) until the batch expires.
async function cancelBatch() {
  if (!listing || !batchId || uploading) return;
  if (!window.confirm("Cancelar este envio? Os arquivos já enviados serão descartados.")) return;
  try {
    await api.cancel(listing, batchId);
  } catch (e) {
    if (isBatchClosed(e)) {
      // Completed meanwhile (another tab): follow it instead.
      batchClosed(batchId);
      return;
    }
    message(apiErrorText(e), "error");
    return;
  }
  startOver();
  message("Envio cancelado: o que já tinha sido enviado foi descartado. Escolha os arquivos para um envio novo.");
}

// The batch is gone (cancelled here or elsewhere, or expired): an empty page for a new one.
function startOver() {
  forgetPending();
  batchId = null;
  locked = false;
  for (const row of rows.splice(0)) row.li.remove();
  $("#resume-banner").hidden = true;
  $("#processing").hidden = true;
  $("#picker-area").hidden = false;
  updateTotals();
  updateButtons();
}

// 409 BATCH_NOT_PENDING from /uploads/urls or complete: the batch can no longer take uploads
// (completed in another tab, cancelled, expired). What became of it is in its status.
function batchClosed(id: number) {
  forgetPending();
  startProcessing(id);
}

const isBatchClosed = (e: unknown) => e instanceof ApiError && e.code === "BATCH_NOT_PENDING";

async function resumeUploads(targets: Row[]) {
  if (!listing || !batchId) return;
  let fresh;
  try {
    fresh = await api.refreshUrls(listing, batchId, targets.map((r) => r.clientId));
  } catch (e) {
    if (isBatchClosed(e)) batchClosed(batchId);
    else message(apiErrorText(e), "error");
    return;
  }
  await uploadRows(targets, new Map(fresh.files.map((f) => [f.clientId, f])));
}

// Complete is idempotent: a transient answer (503, another 5xx, no answer) is sent again with
// backoff, since once every file is stored the page has no button that would send it.
function completeBatch(body: Parameters<typeof api.complete>[0]) {
  return withRetries(() => api.complete(body), (e) => `Serviço momentaneamente indisponível (${e.code}): concluindo de novo…`);
}

async function complete() {
  if (!listing || !batchId) return;
  message("Concluindo o envio…");
  const files = rows.filter((r) => r.parts?.length).map((r) => ({ clientId: r.clientId, parts: r.parts! }));
  try {
    const done = await completeBatch({ listingIdentityId: listing, batchId, ...(files.length ? { files } : {}) });
    forgetPending();
    message(done.created ? "Envio concluído. Processando…" : "Este envio já estava concluído.");
    startProcessing(batchId);
  } catch (e) {
    if (e instanceof ApiError && e.code === "UPLOAD_INCOMPLETE") {
      const details = e.details as { missing?: string[]; mismatched?: { clientId: string; reason: string }[] };
      for (const id of details.missing ?? []) markFailed(id, assetErrorText("UPLOAD_MISSING"));
      for (const m of details.mismatched ?? []) markFailed(m.clientId, assetErrorText(m.reason));
      // Bytes that are not the declared SHA-256's are refused again however often they are sent.
      const changed = (details.mismatched ?? []).some((m) => m.reason === "CHECKSUM_MISMATCH");
      message(changed ? "Um arquivo não confere com a verificação (SHA-256) calculada antes do envio: " +
                        "cancele este envio e envie os arquivos de novo."
                      : kApiErrors["UPLOAD_INCOMPLETE"]!, "error");
      updateButtons();
    } else if (isBatchClosed(e)) {
      batchClosed(batchId);
    } else {
      message(apiErrorText(e), "error");
    }
  }
}

function markFailed(clientId: string, text: string) {
  const row = rows.find((r) => r.clientId === clientId);
  if (!row) return;
  row.state = "failed";
  row.sent = 0;
  row.parts = undefined;
  row.error = text;
  refreshRow(row);
}

// ---- processing ----

function applyStatus(status: BatchStatus) {
  for (const asset of status.assets) {
    let row = rows.find((r) => r.clientId === asset.clientId);
    if (!row) {
      row = createRow({ clientId: asset.clientId, file: null, name: asset.filename ?? asset.clientId, size: 0,
        lastModified: 0, contentType: "", mediaType: asset.mediaType, title: asset.title ?? "", facts: null,
        notes: [], checksum: null, state: "processing", sent: 0, parts: undefined, error: null });
    }
    row.state = asset.status === "READY" ? "ready" : asset.status === "FAILED" ? "asset-failed" : "processing";
    if (asset.error) {
      const known = kAssetErrors[asset.error.code];
      row.error = `${known?.text ?? asset.error.message} ${known?.fix ?? ""} [${asset.error.code}: ${asset.error.message}` +
                  `${asset.error.hint ? ` — ${asset.error.hint}` : ""}]`;
    }
    refreshRow(row);
  }
  const p = status.progress;
  const bar = $("#processing-progress") as HTMLProgressElement;
  if (p) {
    bar.max = Math.max(1, p.total ?? 1);
    bar.value = (p.ready ?? 0) + (p.failed ?? 0);
  }
  $("#processing-text").textContent =
    `Lote ${status.batchId}: ${kStates[status.status] ?? status.status}` +
    (p ? ` — ${p.ready ?? 0} pronto(s), ${p.failed ?? 0} com falha, ${p.processing ?? 0} em andamento` : "");
  $("#processing").dataset["status"] = status.status;
}

function startProcessing(id: number) {
  if (!listing) return;
  batchId = id;
  locked = true;
  $("#processing").hidden = false;
  $("#picker-area").hidden = true;
  rows.forEach(refreshRow);
  updateButtons();
  void pollUntilFinished(api, listing, id, { intervalMs: 1000, maxIntervalMs: 4000, onUpdate: applyStatus })
    .then((status) => {
      if (status.status === "READY") {
        message("Tudo pronto! As mídias já estão na galeria.");
        const link = $("#gallery-link") as HTMLAnchorElement;
        link.href = `/ui/gallery?listing=${listing}#token=${encodeURIComponent(token ?? "")}`;
        link.hidden = false;
      } else if (status.assets.length > 0 &&
                 status.assets.every((a) => a.error?.code === "UPLOAD_CANCELLED" || a.error?.code === "UPLOAD_EXPIRED")) {
        // Closed before it was completed: nothing of it will be processed, the listing takes a new one.
        const expired = status.assets.some((a) => a.error?.code === "UPLOAD_EXPIRED");
        startOver();
        message(`O envio (lote ${status.batchId}) foi ${expired ? "fechado por não ter sido concluído no prazo" : "cancelado"} ` +
                "antes de ser concluído: nada dele será processado. Escolha os arquivos para um envio novo.", "error");
      } else {
        message("O processamento terminou com falhas: veja cada arquivo acima.", "error");
      }
    })
    .catch((e) => message(apiErrorText(e), "error"));
}

// ---- start ----

async function restore(): Promise<void> {
  if (!listing) return;
  const pending = store.load(listing);
  if (!pending) {
    // A batch completed earlier and still processing: show its progress.
    try {
      const latest = await api.status(listing);
      if (!isFinished(latest) && latest.status !== "PENDING_UPLOAD") startProcessing(latest.batchId);
    } catch (e) {
      // No batch yet (404): the page starts empty. A refused token is said now, not after hashing.
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) message(apiErrorText(e), "error");
    }
    return;
  }
  if (!(await holdBatchLock())) {
    otherTab();
    return;
  }
  let fresh;
  try {
    fresh = await withRetries(() => api.refreshUrls(listing, pending.batchId),
                              (e) => `Serviço momentaneamente indisponível (${e.code}): consultando o envio interrompido…`);
  } catch (e) {
    if (isBatchClosed(e)) {
      batchClosed(pending.batchId);
    } else if (e instanceof ApiError && (e.code === "BATCH_NOT_FOUND" || e.code === "LISTING_NOT_FOUND")) {
      forgetPending();
    } else {
      // A refused token (401), no access or a service still down: the batch stays remembered, so
      // the next link or reload resumes it instead of finding the listing blocked by it.
      message(`${apiErrorText(e)} O envio interrompido (lote ${pending.batchId}) continua guardado neste navegador.`,
              "error");
      $("#picker-area").hidden = true;
    }
    return;
  }
  batchId = pending.batchId;
  locked = true;
  const byId = new Map(fresh.files.map((f) => [f.clientId, f]));
  for (const f of pending.files) {
    const stored = byId.get(f.clientId);
    const held = stored?.uploaded === true;
    const partsHeld = (stored?.uploadedParts ?? []).reduce((n, p) => n + p.bytes, 0);
    createRow({ clientId: f.clientId, file: null, name: f.name, size: f.size, lastModified: f.lastModified,
      contentType: f.contentType, mediaType: f.mediaType, title: f.title ?? "", facts: null, notes: [],
      checksum: f.checksumSha256, state: held ? "uploaded" : "needs-file", sent: held ? f.size : partsHeld,
      parts: undefined, error: null });
  }
  $("#resume-banner").hidden = false;
  $("#resume-text").textContent =
    `Há um envio interrompido (lote ${pending.batchId}). Selecione de novo os mesmos arquivos para continuar: ` +
    "o que já chegou ao armazenamento não será enviado outra vez.";
  updateButtons();
  if (rows.every((r) => r.state === "uploaded")) {
    // Every file is stored; multipart parts come back from /uploads/urls at complete time.
    await resumeUploads(rows);
  }
}

// The photographer opened a new upload link in this tab after the session expired (401): the
// calls go on with the new token, and what the 401 stopped goes on too.
function renewToken() {
  if (!new URLSearchParams(location.hash.replace(/^#/, "")).get("token")) return;
  const fresh = takeToken();
  if (!fresh || fresh === token) return;
  const hadToken = token !== null;
  token = fresh;
  if (!hadToken || (!batchId && store.load(listing ?? 0))) {
    // Nothing was loaded with the old token (or the interrupted batch could not be read): start over.
    location.reload();
    return;
  }
  if (!batchId || uploading || !$("#processing").hidden) {
    message("Acesso renovado.");
  } else if (rows.every((r) => r.state === "uploaded")) {
    void complete();
  } else {
    message("Acesso renovado: use \"Continuar\" ou \"Tentar de novo\" para enviar o que falta.");
  }
  updateButtons();
}

function main() {
  window.addEventListener("hashchange", renewToken);
  if (!listing || !token) {
    const fatal = $("#fatal");
    fatal.hidden = false;
    fatal.textContent = !listing
      ? "Link incompleto: falta o imóvel (?listing=ID)."
      : "Link incompleto: falta o acesso (#token=...). Peça um novo link de envio.";
    $("#picker-area").hidden = true;
    return;
  }
  $("#listing-line").textContent = `Imóvel ${listing}`;
  const picker = $("#picker") as HTMLInputElement;
  picker.addEventListener("change", () => {
    void addFiles([...(picker.files ?? [])]);
    picker.value = "";
  });
  const drop = $("#drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    void addFiles([...(e.dataTransfer?.files ?? [])]);
  });
  $("#send").addEventListener("click", () => void send());
  $("#pause").addEventListener("click", () => controller?.abort(new DOMException("paused", "AbortError")));
  $("#resume").addEventListener("click", () => {
    $("#resume-banner").hidden = true;
    void resumeUploads(rows.filter((r) => r.state !== "uploaded" || !r.parts));
  });
  $("#retry-failed").addEventListener("click", () => void resumeUploads(rows.filter((r) => r.state === "failed")));
  $("#cancel-batch").addEventListener("click", () => void cancelBatch());
  window.addEventListener("offline", () => {
    if (uploading) message(kOffline, "error");
  });
  window.addEventListener("online", () => {
    if (uploading) message("Conexão de volta: enviando…");
  });
  window.addEventListener("beforeunload", (e) => {
    if (uploading) e.preventDefault();
  });
  void restore();
}

main();

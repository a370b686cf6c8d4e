// /ui/gallery?listing=ID#token=JWT — the listing's processed photos and videos.
// Thumbnails grid (<picture>: WebP with a JPEG fallback, srcset over the sizes so the browser picks
// what the screen needs), a larger view (the same sets with sizes=100vw; for videos the HLS stream
// with its poster, adaptive with a rung picker, else the MP4 rendition), "download all" (the ZIP and
// its SHA-256) and per-item downloads. Keyboard: Tab through the grid, Enter opens, ←/→ browse,
// Esc closes.
//
// HLS: hls.js (loaded only when a video is opened) over Media Source Extensions wherever the
// browser has them, sending the token as a bearer header to this API only, never to the presigned
// URLs inside the playlists (no worker: the page's CSP allows workers from this origin only, hls.js
// would make one from a blob); without MSE (older iPhones) the browser's own HLS gets the master
// playlist's URL with the token as `access_token` (a native player cannot send headers); with
// neither, the MP4.
import type Hls from "hls.js";

import type { Downloads, MediaApi, Variant } from "../../client/api";
import { kMediaTypes } from "../common/messages";
import { $, el, formatBytes, listingFromUrl, makeApi, takeToken } from "../common/session";

type Asset = Downloads["assets"][number];

const kSizeNames: Record<string, string> = {
  thumbnail: "Miniatura", small: "Pequena", medium: "Média", large: "Grande", original: "Original",
  poster: "Capa", "720p": "720p", "1080p": "1080p",
};

let assets: Asset[] = [];
let current = -1;
let opener: HTMLElement | null = null;
let token = "";
let api: MediaApi | null = null;
let player: Hls | null = null;

function stopPlayer() {
  player?.destroy();
  player = null;
}

// The rung picker: "Automática", then every rung of the master, largest first; choosing one pins it (hls.currentLevel), "Automática" gives the choice back to hls.js.
function rungPicker(hls: Hls, video: HTMLVideoElement): HTMLSelectElement {
  const select = el("select", { class: "rung", "aria-label": "Qualidade do vídeo" },
                    el("option", { value: "-1" }, "Automática")) as HTMLSelectElement;
  // hls.js keeps its levels by bit rate, lowest first; the picker lists the largest first.
  const order = hls.levels.map((_, i) => i).sort((a, b) => hls.levels[b]!.bitrate - hls.levels[a]!.bitrate);
  for (const i of order) {
    const level = hls.levels[i]!;
    const short = Math.min(level.width, level.height);
    select.append(el("option", { value: String(i), "data-size": `${level.width}x${level.height}` },
                     `${short}p (${level.width}×${level.height})`));
  }
  select.addEventListener("change", () => {
    hls.currentLevel = Number(select.value);
  });
  hls.on("hlsLevelSwitched" as Parameters<Hls["on"]>[0], (_event: unknown, data: { level: number }) => {
    const level = hls.levels[data.level];
    if (level) video.dataset["rung"] = `${level.width}x${level.height}`;
  });
  return select;
}

async function playHls(asset: Asset, video: HTMLVideoElement, fallback: () => void) {
  const master = api?.hlsMasterUrl(asset) ?? null;
  if (!master) return fallback();
  const { default: HlsPlayer } = await import("hls.js");
  if (!HlsPlayer.isSupported()) {
    // No Media Source Extensions (Safari on older iPhones): the browser's own HLS, if it has it.
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = api!.hlsMasterUrl(asset, true)!;
      return;
    }
    return fallback();
  }
  const apiPrefix = `${location.origin}/api/`;
  const hls = new HlsPlayer({
    enableWorker: false,
    xhrSetup: (xhr: XMLHttpRequest, url: string) => {
      xhr.open("GET", url, true);
      if (url.startsWith(apiPrefix)) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    },
  });
  stopPlayer();
  player = hls;
  hls.on(HlsPlayer.Events.MANIFEST_PARSED, () => {
    if (player !== hls) return;
    video.dataset["player"] = "hls.js";
    video.after(rungPicker(hls, video));
  });
  hls.on(HlsPlayer.Events.ERROR, (_event, data) => {
    if (data.fatal && player === hls) {
      console.warn(`hls.js: ${data.type} ${data.details}; playing the MP4 instead`, data.error?.message ?? "");
      stopPlayer();
      fallback();
    }
  });
  hls.loadSource(master);
  hls.attachMedia(video);
}

const isVideo = (a: Asset) => a.mediaType.startsWith("VIDEO_");
const label = (a: Asset, i: number) => a.title || `${kMediaTypes[a.mediaType] ?? a.mediaType} ${a.sequence ?? i + 1}`;

function srcset(variants: Variant[], format: string): string {
  return variants
    .filter((v) => v.format === format && v.width && ["thumbnail", "small", "medium", "large"].includes(v.name))
    .sort((a, b) => a.width! - b.width!)
    .map((v) => `${v.url} ${v.width}w`)
    .join(", ");
}

function picture(asset: Asset, sizes: string, alt: string, eager: boolean): HTMLPictureElement {
  const p = el("picture");
  const webp = srcset(asset.variants, "webp");
  if (webp) p.append(el("source", { type: "image/webp", srcset: webp, sizes }));
  const jpegs = asset.variants.filter((v) => v.format === "jpeg" && v.name !== "original");
  const fallback = jpegs.find((v) => v.name === "thumbnail") ?? jpegs.find((v) => v.name === "poster") ?? jpegs[0];
  const attrs: Record<string, string> = { alt, sizes, decoding: "async", loading: eager ? "eager" : "lazy" };
  const set = srcset(asset.variants, "jpeg");
  if (set) attrs["srcset"] = set;
  if (fallback) {
    attrs["src"] = fallback.url;
    if (fallback.width && fallback.height) {
      attrs["width"] = String(fallback.width);
      attrs["height"] = String(fallback.height);
    }
  }
  p.append(el("img", attrs));
  return p;
}

function downloadLinks(asset: Asset): HTMLElement[] {
  return asset.variants.map((v) => {
    const size = v.width && v.height ? `${v.width}×${v.height}, ` : "";
    return el("li", {}, el("a", { href: v.url, download: "", "data-variant": `${v.name}.${v.format}` },
                           `${kSizeNames[v.name] ?? v.name} (${v.format.toUpperCase()}, ${size}${formatBytes(v.bytes)})`));
  });
}

function thumbnail(asset: Asset, index: number): HTMLLIElement {
  const button = el("button", { type: "button", class: "thumb", "aria-label": `Abrir ${label(asset, index)}` },
                    picture(asset, "(max-width: 600px) 50vw, 240px", label(asset, index), index < 8));
  if (isVideo(asset)) button.append(el("span", { class: "badge", "aria-hidden": "true" }, "▶ vídeo"));
  button.addEventListener("click", () => open(index, button));
  const details = el("details", {}, el("summary", {}, "Baixar"), el("ul", { class: "downloads" }, ...downloadLinks(asset)));
  return el("li", { class: "item", "data-asset-id": String(asset.assetId), "data-kind": isVideo(asset) ? "video" : "photo" },
            button, el("div", { class: "caption" }, el("span", {}, label(asset, index)), details));
}

function show(index: number) {
  stopPlayer();
  current = (index + assets.length) % assets.length;
  const asset = assets[current]!;
  const body = $("#viewer-body");
  body.replaceChildren();
  if (isVideo(asset)) {
    const poster = asset.variants.find((v) => v.name === "poster");
    const mp4s = asset.variants.filter((v) => v.format === "mp4")
      .sort((a, b) => (b.height ?? 0) - (a.height ?? 0));
    // Without HLS: the largest MP4 rendition the screen can show; 720p on phones.
    const wanted = window.screen.height * window.devicePixelRatio >= 1080 && window.innerWidth >= 1000 ? 1080 : 720;
    const chosen = mp4s.find((v) => Math.min(v.width ?? 0, v.height ?? 0) <= wanted) ?? mp4s[mp4s.length - 1];
    const video = el("video", { controls: "", preload: "metadata", playsinline: "",
                                ...(poster ? { poster: poster.url } : {}) }) as HTMLVideoElement;
    body.append(video);
    const progressive = () => {
      video.removeAttribute("src");
      if (chosen) video.append(el("source", { src: chosen.url, type: "video/mp4" }));
      video.load();
    };
    void playHls(asset, video, progressive).catch(progressive);
  } else {
    body.append(picture(asset, "100vw", label(asset, current), true));
  }
  $("#viewer-caption").textContent = `${label(asset, current)} (${current + 1} de ${assets.length})`;
  $("#viewer-downloads").replaceChildren(...downloadLinks(asset));
}

function open(index: number, from: HTMLElement) {
  opener = from;
  show(index);
  const dialog = $("#viewer") as HTMLDialogElement;
  if (!dialog.open) dialog.showModal();
  $("#close").focus();
}

function render(downloads: Downloads) {
  // A renewal keeps the keyboard where it was: the same thumbnail gets the focus back.
  const focused = document.activeElement?.closest("li.item")?.getAttribute("data-asset-id") ?? null;
  assets = downloads.assets;
  const photos = assets.filter((a) => !isVideo(a)).length;
  $("#summary").textContent = `${photos} foto(s) e ${assets.length - photos} vídeo(s) · lote ${downloads.batchId} · ` +
    `links válidos até ${new Date(downloads.expiresAt).toLocaleString("pt-BR")}`;
  if (downloads.zip) {
    const link = $("#zip-link") as HTMLAnchorElement;
    link.href = downloads.zip.url;
    link.setAttribute("download", downloads.zip.filename);
    $("#zip-size").textContent = `${downloads.zip.filename} · ${formatBytes(downloads.zip.bytes)}`;
    $("#zip-sha256").textContent = downloads.zip.sha256 ?? "";
    $("#zip").hidden = false;
  }
  $("#grid").replaceChildren(...assets.map(thumbnail));
  if (focused) document.querySelector<HTMLElement>(`li.item[data-asset-id="${focused}"] button.thumb`)?.focus();
  const dialog = $("#viewer") as HTMLDialogElement;
  if (dialog.open && !isVideo(assets[current]!)) show(current);
}

// The download URLs are presigned and expire (storage.urlTtlSeconds): a gallery left open would
// end with broken images and refused downloads. New ones are asked for a little before.
function scheduleRenewal(listing: number, expiresAt: string) {
  const left = Date.parse(expiresAt) - Date.now();
  const delay = Math.max(1000, left - Math.min(60_000, left / 5));
  setTimeout(() => {
    void api!.downloads(listing).then((fresh) => {
      if (!fresh) return;
      render(fresh);
      scheduleRenewal(listing, fresh.expiresAt);
    }, () => setTimeout(() => scheduleRenewal(listing, expiresAt), 5000));
  }, delay);
}

async function main() {
  token = takeToken() ?? "";
  const listing = listingFromUrl();
  const fatal = $("#fatal");
  if (!listing || !token) {
    fatal.hidden = false;
    fatal.textContent = "Link incompleto: falta o imóvel (?listing=ID) ou o acesso (#token=...).";
    return;
  }
  $("#title").textContent = `Galeria do imóvel ${listing}`;
  api = makeApi(token);
  let downloads: Downloads | null;
  try {
    downloads = await api.downloads(listing);
  } catch (e) {
    fatal.hidden = false;
    fatal.textContent = `Não foi possível carregar a galeria: ${String((e as Error).message ?? e)}`;
    return;
  }
  if (!downloads) {
    $("#summary").textContent = "Ainda não há mídias prontas para este imóvel.";
    return;
  }
  render(downloads);
  scheduleRenewal(listing, downloads.expiresAt);
  const dialog = $("#viewer") as HTMLDialogElement;
  $("#prev").addEventListener("click", () => show(current - 1));
  $("#next").addEventListener("click", () => show(current + 1));
  $("#close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    stopPlayer();
    $("#viewer-body").replaceChildren();
    opener?.focus();
  });
  dialog.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") show(current - 1);
    else if (e.key === "ArrowRight") show(current + 1);
  });
}

void main();

// The preflight: what each file is, read in the browser before a byte is sent, and what will
// fail or surprise once the service processes it (an orientation that differs from the chosen
// type, HDR, a photo smaller than the smallest rendition, a format the service refuses).
import type { MediaType } from "../../client/api";
import { isBmff, readHeifFacts, readVideoFacts, type VideoFacts } from "./bmff";
import { readStillFacts } from "./jpeg";

export type Kind = "photo" | "video" | "document" | "unsupported";
export type Level = "error" | "warning" | "info";

export interface Note {
  level: Level;
  code: string;
  text: string;
}

export interface Facts {
  kind: Kind;
  /** Displayed size: after the EXIF orientation / the rotation matrix. */
  width: number | null;
  height: number | null;
  exifOrientation: number | null;
  rotation: number | null;
  durationSeconds: number | null;
  codec: string | null;
  hdr: "PQ" | "HLG" | null;
  tenBit: boolean;
  readable: boolean;
}

/** The long edge of the smallest photo rendition (thumbnail). */
export const kSmallestRendition = 320;
export const kLargestRendition = 1920;

const kPhotoTypes = new Set(["image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/tiff"]);
const kVideoTypes = new Set(["video/mp4", "video/quicktime", "video/x-m4v", "video/webm", "video/x-matroska",
                             "video/x-msvideo", "video/mpeg"]);
const kByExtension: Record<string, string> = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", heic: "image/heic", heif: "image/heif",
  webp: "image/webp", tif: "image/tiff", tiff: "image/tiff", gif: "image/gif", svg: "image/svg+xml",
  mp4: "video/mp4", mov: "video/quicktime", m4v: "video/x-m4v", webm: "video/webm", mkv: "video/x-matroska",
  avi: "video/x-msvideo", mpg: "video/mpeg", mpeg: "video/mpeg", pdf: "application/pdf",
};

// Names some browsers and systems give that the service knows under another one.
const kAliases: Record<string, string> = {
  "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "video/avi": "video/x-msvideo",
  "video/msvideo": "video/x-msvideo", "video/mpg": "video/mpeg", "video/mkv": "video/x-matroska",
};

/** The Content-Type to declare: the browser's, or from the extension when it has none (HEIC). */
export function contentTypeOf(file: { name: string; type: string }): string {
  if (file.type) {
    const type = file.type.toLowerCase();
    return kAliases[type] ?? type;
  }
  const ext = file.name.toLowerCase().split(".").pop() ?? "";
  return kByExtension[ext] ?? "application/octet-stream";
}

export function kindOf(contentType: string): Kind {
  if (kPhotoTypes.has(contentType)) return "photo";
  if (kVideoTypes.has(contentType)) return "video";
  if (contentType === "application/pdf") return "document";
  return "unsupported";
}

function orientationOf(width: number | null, height: number | null): "vertical" | "horizontal" | "square" | null {
  if (!width || !height) return null;
  if (width === height) return "square";
  return height > width ? "vertical" : "horizontal";
}

/** The media type the page proposes for a file, from what the preflight read. */
export function guessMediaType(facts: Facts): MediaType {
  const vertical = orientationOf(facts.width, facts.height) === "vertical";
  if (facts.kind === "video") return vertical ? "VIDEO_VERTICAL" : "VIDEO_HORIZONTAL";
  if (facts.kind === "document") return "PROJECT_DOC";
  return vertical ? "PHOTO_VERTICAL" : "PHOTO_HORIZONTAL";
}

function decodeSize(file: Blob): Promise<{ width: number; height: number } | null> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const image = new Image();
    image.onload = () => {
      URL.revokeObjectURL(url);
      resolve({ width: image.naturalWidth, height: image.naturalHeight });
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      resolve(null);
    };
    image.src = url;
  });
}

function mediaElementFacts(file: Blob): Promise<{ width: number; height: number; duration: number } | null> {
  return new Promise((resolve) => {
    const url = URL.createObjectURL(file);
    const video = document.createElement("video");
    video.preload = "metadata";
    video.muted = true;
    const finish = (value: { width: number; height: number; duration: number } | null) => {
      URL.revokeObjectURL(url);
      video.removeAttribute("src");
      resolve(value);
    };
    video.onloadedmetadata = () => finish({ width: video.videoWidth, height: video.videoHeight, duration: video.duration });
    video.onerror = () => finish(null);
    setTimeout(() => finish(null), 5000);
    video.src = url;
  });
}

function fillVideo(facts: Facts, video: VideoFacts) {
  const swap = video.rotation === 90 || video.rotation === 270;
  facts.width = swap ? video.height : video.width;
  facts.height = swap ? video.width : video.height;
  facts.rotation = video.rotation;
  facts.durationSeconds = video.durationSeconds;
  facts.codec = video.codec;
  facts.hdr = video.transfer === 16 ? "PQ" : video.transfer === 18 ? "HLG" : null;
  facts.tenBit = video.tenBit;
  facts.readable = true;
}

/** Reads the facts of one file (a few small reads; decoding only for images without a parser). */
export async function inspect(file: File): Promise<Facts> {
  const contentType = contentTypeOf(file);
  const facts: Facts = { kind: kindOf(contentType), width: null, height: null, exifOrientation: null, rotation: null,
                         durationSeconds: null, codec: null, hdr: null, tenBit: false, readable: false };
  try {
    if (facts.kind === "photo") {
      const still = await readStillFacts(file);
      if (still) {
        const swap = still.orientation >= 5;
        facts.width = swap ? still.height : still.width;
        facts.height = swap ? still.width : still.height;
        facts.exifOrientation = still.orientation;
        facts.readable = true;
      } else if (await isBmff(file)) {
        const heif = await readHeifFacts(file);
        const video = heif ? null : await readVideoFacts(file);
        if (video) {
          // An MP4 or MOV under a photo's name: the service will answer TYPE_MISMATCH.
          facts.kind = "video";
          fillVideo(facts, video);
        } else if (heif) {
          const swap = heif.rotation === 90 || heif.rotation === 270;
          facts.width = swap ? heif.height : heif.width;
          facts.height = swap ? heif.width : heif.height;
          facts.rotation = heif.rotation;
          facts.readable = true;
        }
      } else {
        const decoded = await decodeSize(file);
        if (decoded) {
          facts.width = decoded.width;
          facts.height = decoded.height;
          facts.readable = true;
        }
      }
    } else if (facts.kind === "video") {
      const video = (await isBmff(file)) ? await readVideoFacts(file) : null;
      if (video) {
        fillVideo(facts, video);
      } else {
        // WebM, Matroska: the browser's own media element (it applies the rotation itself).
        const element = await mediaElementFacts(file);
        if (element && element.width > 0) {
          facts.width = element.width;
          facts.height = element.height;
          facts.durationSeconds = Number.isFinite(element.duration) ? element.duration : null;
          facts.readable = true;
        }
      }
    }
  } catch {
    facts.readable = false;
  }
  return facts;
}

const kTypeNames: Record<string, string> = { "image/gif": "GIF", "image/svg+xml": "SVG", "image/bmp": "BMP" };

/** What the photographer should know about this file declared as `mediaType`. */
export function assess(file: { name: string; type: string; size: number }, facts: Facts, mediaType: MediaType): Note[] {
  const notes: Note[] = [];
  const contentType = contentTypeOf(file);
  if (file.size === 0) {
    notes.push({ level: "error", code: "EMPTY", text: "Arquivo vazio (0 bytes): será recusado." });
    return notes;
  }
  if (facts.kind === "unsupported") {
    const name = kTypeNames[contentType] ?? contentType;
    notes.push({ level: "error", code: "UNSUPPORTED_TYPE",
                 text: `Formato não aceito (${name}). Use JPEG, HEIC, PNG, WebP ou TIFF para fotos e MP4 ou MOV para vídeos.` });
    return notes;
  }
  const declaredVideo = mediaType.startsWith("VIDEO_");
  const declaredPhoto = mediaType.startsWith("PHOTO_") || mediaType === "PROJECT_RENDER";
  if ((facts.kind === "video" && !declaredVideo) || (facts.kind === "photo" && !declaredPhoto) ||
      (facts.kind === "document" && mediaType !== "PROJECT_DOC")) {
    notes.push({ level: "error", code: "TYPE_MISMATCH", text: "O tipo escolhido não corresponde ao arquivo (foto × vídeo × documento)." });
  }
  if (!facts.readable) {
    notes.push({ level: "info", code: "NOT_READ",
                 text: "O navegador não lê este formato; o serviço confere o arquivo ao processar." });
    return notes;
  }
  const shown = orientationOf(facts.width, facts.height);
  const wanted = mediaType.endsWith("_VERTICAL") ? "vertical" : mediaType.endsWith("_HORIZONTAL") ? "horizontal" : null;
  if (wanted && shown && shown !== "square" && shown !== wanted) {
    const what = facts.kind === "video" ? "Vídeo" : "Foto";
    const why = facts.rotation ? ` (rotação de ${facts.rotation}°)` : facts.exifOrientation && facts.exifOrientation > 1
      ? ` (orientação EXIF ${facts.exifOrientation})` : "";
    notes.push({ level: "error", code: "ORIENTATION_MISMATCH",
                 text: `${what} marcado como ${wanted === "vertical" ? "vertical" : "horizontal"}, mas é exibido ` +
                       `${shown === "vertical" ? "vertical" : "horizontal"}${why}: será recusado (ORIENTATION_MISMATCH). Troque o tipo.` });
  }
  if (facts.kind === "video" && facts.hdr) {
    notes.push({ level: "warning", code: "HDR",
                 text: `Vídeo HDR (${facts.hdr}${facts.tenBit ? ", 10 bits" : ""}): será convertido para SDR; as cores podem mudar.` });
  }
  if (facts.kind === "photo" && facts.width && facts.height) {
    const longEdge = Math.max(facts.width, facts.height);
    if (longEdge < kSmallestRendition) {
      notes.push({ level: "warning", code: "TOO_SMALL",
                   text: `Foto pequena (${facts.width}×${facts.height}): menor que a miniatura (${kSmallestRendition} px); nada será ampliado.` });
    } else if (longEdge < kLargestRendition) {
      notes.push({ level: "info", code: "BELOW_LARGE",
                   text: `Foto de ${facts.width}×${facts.height}: abaixo do tamanho grande (${kLargestRendition} px).` });
    }
  }
  if (facts.kind === "video" && facts.codec && ["hvc1", "hev1"].includes(facts.codec)) {
    notes.push({ level: "info", code: "HEVC", text: "Vídeo HEVC: será convertido para MP4 H.264." });
  }
  return notes;
}

export function describe(facts: Facts): string {
  const parts: string[] = [];
  if (facts.width && facts.height) parts.push(`${facts.width}×${facts.height}`);
  if (facts.durationSeconds) parts.push(`${facts.durationSeconds.toLocaleString("pt-BR", { maximumFractionDigits: 1 })} s`);
  if (facts.codec) parts.push(facts.codec);
  if (facts.exifOrientation && facts.exifOrientation > 1) parts.push(`EXIF ${facts.exifOrientation}`);
  if (facts.rotation) parts.push(`rotação ${facts.rotation}°`);
  return parts.join(" · ");
}

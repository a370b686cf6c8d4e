// A small ISO base media file format (MP4, MOV, HEIF/HEIC) reader for the preflight: the video
// track's size, rotation (tkhd matrix), duration, codec and colour transfer (colr: PQ or HLG =
// HDR), and a HEIF image's size (ispe) and rotation (irot). Only box headers and the small
// metadata boxes are read (Blob.slice), never the media data, so a 10 GB file costs a few reads
// wherever its moov is.

export interface VideoFacts {
  width: number; // coded size of the track
  height: number;
  rotation: 0 | 90 | 180 | 270; // clockwise
  durationSeconds: number | null;
  codec: string | null; // the sample entry's four-character code: avc1, hvc1, hev1, av01, vp09...
  transfer: number | null; // ISO/IEC 23091-2 transfer characteristics: 16 = PQ, 18 = HLG
  tenBit: boolean;
}

export interface HeifFacts {
  width: number;
  height: number;
  rotation: 0 | 90 | 180 | 270; // counter-clockwise, as irot says
}

interface Box {
  type: string;
  start: number; // of the payload, relative to the buffer
  end: number;
}

const kMaxMetadataBytes = 32 * 1024 * 1024;

function fourcc(view: DataView, at: number): string {
  return String.fromCharCode(view.getUint8(at), view.getUint8(at + 1), view.getUint8(at + 2), view.getUint8(at + 3));
}

function* children(view: DataView, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = view.getUint32(at);
    const type = fourcc(view, at + 4);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = end - at;
    }
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

function child(view: DataView, box: Box, type: string, offset = 0): Box | undefined {
  for (const b of children(view, box.start + offset, box.end)) if (b.type === type) return b;
  return undefined;
}

/** The top-level boxes of a file, read header by header. */
async function topLevel(blob: Blob): Promise<{ type: string; offset: number; size: number }[]> {
  const out = [];
  let at = 0;
  while (at + 8 <= blob.size && out.length < 1000) {
    const head = new DataView(await blob.slice(at, at + 16).arrayBuffer());
    let size = head.getUint32(0);
    const type = fourcc(head, 4);
    if (!/^[\x20-\x7e]{4}$/.test(type)) break;
    if (size === 1 && head.byteLength >= 16) size = Number(head.getBigUint64(8));
    else if (size === 0) size = blob.size - at;
    if (size < 8) break;
    out.push({ type, offset: at, size });
    at += size;
  }
  return out;
}

async function readBox(blob: Blob, type: string): Promise<{ view: DataView; box: Box } | null> {
  const boxes = await topLevel(blob);
  const found = boxes.find((b) => b.type === type);
  if (!found || found.size > kMaxMetadataBytes) return null;
  const view = new DataView(await blob.slice(found.offset, found.offset + found.size).arrayBuffer());
  const header = view.getUint32(0) === 1 ? 16 : 8;
  return { view, box: { type, start: header, end: view.byteLength } };
}

/** True when the file starts like an ISO BMFF file (an ftyp box). */
export async function isBmff(blob: Blob): Promise<boolean> {
  if (blob.size < 12) return false;
  const head = new DataView(await blob.slice(0, 12).arrayBuffer());
  return fourcc(head, 4) === "ftyp";
}

// Clockwise degrees, the convention of ffmpeg's "rotate" tag (and of the corpus): the matrix
// ffmpeg writes for "rotate 90" has b = -1.
function rotationOf(a: number, b: number): 0 | 90 | 180 | 270 {
  const degrees = Math.round((Math.atan2(-b, a) * 180) / Math.PI);
  const normal = ((degrees % 360) + 360) % 360;
  return (Math.round(normal / 90) * 90) % 360 as 0 | 90 | 180 | 270;
}

export async function readVideoFacts(blob: Blob): Promise<VideoFacts | null> {
  const moov = await readBox(blob, "moov");
  if (!moov) return null;
  const { view } = moov;
  let movieDuration: number | null = null;
  const mvhd = child(view, moov.box, "mvhd");
  if (mvhd) {
    const version = view.getUint8(mvhd.start);
    const timescale = view.getUint32(mvhd.start + (version === 1 ? 20 : 12));
    const duration = version === 1 ? Number(view.getBigUint64(mvhd.start + 24)) : view.getUint32(mvhd.start + 16);
    if (timescale > 0) movieDuration = duration / timescale;
  }
  for (const trak of children(view, moov.box.start, moov.box.end)) {
    if (trak.type !== "trak") continue;
    const mdia = child(view, trak, "mdia");
    const hdlr = mdia && child(view, mdia, "hdlr");
    if (!mdia || !hdlr || fourcc(view, hdlr.start + 8) !== "vide") continue;
    const tkhd = child(view, trak, "tkhd");
    if (!tkhd) continue;
    const version = view.getUint8(tkhd.start);
    const matrixAt = tkhd.start + (version === 1 ? 52 : 40);
    const a = view.getInt32(matrixAt);
    const b = view.getInt32(matrixAt + 4);
    const width = view.getUint32(matrixAt + 36) / 65536;
    const height = view.getUint32(matrixAt + 40) / 65536;
    let durationSeconds = movieDuration;
    const mdhd = child(view, mdia, "mdhd");
    if (mdhd) {
      const v = view.getUint8(mdhd.start);
      const timescale = view.getUint32(mdhd.start + (v === 1 ? 20 : 12));
      const duration = v === 1 ? Number(view.getBigUint64(mdhd.start + 24)) : view.getUint32(mdhd.start + 16);
      if (timescale > 0) durationSeconds = duration / timescale;
    }
    let codec: string | null = null;
    let transfer: number | null = null;
    let tenBit = false;
    const stbl = (() => {
      const minf = child(view, mdia, "minf");
      return minf && child(view, minf, "stbl");
    })();
    const stsd = stbl && child(view, stbl, "stsd");
    if (stsd) {
      // FullBox header (4) + entry count (4), then the first sample entry.
      const entry = children(view, stsd.start + 8, stsd.end).next();
      if (!entry.done) {
        codec = entry.value.type;
        // VisualSampleEntry: 6 reserved + 2 data reference index + 70 bytes of fields, then boxes.
        for (const b of children(view, entry.value.start + 78, entry.value.end)) {
          if (b.type === "colr") {
            const kind = fourcc(view, b.start);
            if (kind === "nclx" || kind === "nclc") transfer = view.getUint16(b.start + 6);
          } else if (b.type === "hvcC") {
            // general_profile_idc: 2 = Main 10.
            tenBit ||= (view.getUint8(b.start + 1) & 0x1f) === 2;
          } else if (b.type === "vpcC") {
            tenBit ||= view.getUint8(b.start + 4 + 2) >> 4 >= 10;
          }
        }
      }
    }
    return { width, height, rotation: rotationOf(a, b), durationSeconds, codec, transfer, tenBit };
  }
  return null;
}

export async function readHeifFacts(blob: Blob): Promise<HeifFacts | null> {
  const meta = await readBox(blob, "meta");
  if (!meta) return null;
  const { view } = meta;
  // meta is a FullBox: 4 bytes of version and flags before its children.
  const iprp = child(view, meta.box, "iprp", 4);
  const ipco = iprp && child(view, iprp, "ipco");
  if (!ipco) return null;
  let width = 0;
  let height = 0;
  let rotation: 0 | 90 | 180 | 270 = 0;
  for (const b of children(view, ipco.start, ipco.end)) {
    if (b.type === "ispe") {
      // The primary image is the largest; thumbnails and tiles are smaller.
      const w = view.getUint32(b.start + 4);
      const h = view.getUint32(b.start + 8);
      if (w * h > width * height) {
        width = w;
        height = h;
      }
    } else if (b.type === "irot") {
      rotation = ((view.getUint8(b.start) & 3) * 90) as 0 | 90 | 180 | 270;
    }
  }
  return width > 0 ? { width, height, rotation } : null;
}

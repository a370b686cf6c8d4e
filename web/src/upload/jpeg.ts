// JPEG and PNG facts from the first bytes: the stored size (SOFn / IHDR) and the EXIF
// orientation tag (1-8), without decoding the picture.

export interface StillFacts {
  width: number;
  height: number;
  orientation: number; // EXIF 1..8; 1 when absent
}

function exifOrientation(view: DataView, start: number, end: number): number {
  // "Exif\0\0" then a TIFF header.
  if (end - start < 14 || view.getUint32(start) !== 0x45786966) return 1;
  const tiff = start + 6;
  const little = view.getUint16(tiff) === 0x4949;
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

export async function readStillFacts(blob: Blob): Promise<StillFacts | null> {
  const bytes = new DataView(await blob.slice(0, Math.min(blob.size, 512 * 1024)).arrayBuffer());
  if (bytes.byteLength >= 24 && bytes.getUint32(0) === 0x89504e47) {
    return { width: bytes.getUint32(16), height: bytes.getUint32(20), orientation: 1 };
  }
  if (bytes.byteLength < 4 || bytes.getUint16(0) !== 0xffd8) return null;
  let orientation = 1;
  let at = 2;
  while (at + 4 <= bytes.byteLength) {
    if (bytes.getUint8(at) !== 0xff) return null;
    const marker = bytes.getUint8(at + 1);
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const length = bytes.getUint16(at + 2);
    const start = at + 4;
    const end = Math.min(bytes.byteLength, at + 2 + length);
    if (marker === 0xe1) orientation = exifOrientation(bytes, start, end);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (start + 5 > bytes.byteLength) return null;
      return { height: bytes.getUint16(start + 1), width: bytes.getUint16(start + 3), orientation };
    }
    if (marker === 0xda) return null;
    at += 2 + length;
  }
  return null;
}

// The preflight's readers on the real corpus (scripts/make-corpus.sh): displayed sizes, EXIF
// orientation, video rotation, codec and HDR must agree with corpus.json, which corpus_check.py
// verified with ffprobe, vipsheader and exiftool.
import assert from "node:assert/strict";
import { openAsBlob, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { assess, guessMediaType, inspect } from "../../src/upload/preflight";

const corpus = process.env["TOQ_CORPUS_DIR"];
interface Entry {
  id: string; file: string; filename: string; mediaType: string; contentType: string; traits: string[];
  expected: { status: string; kind?: string; width?: number; height?: number; hdr?: boolean };
}

async function fileOf(entry: Entry): Promise<File> {
  const blob = await openAsBlob(join(corpus!, entry.file));
  return new File([blob], entry.filename, { type: entry.contentType, lastModified: 1 });
}

test("corpus sizes, rotations and HDR as the preflight reads them", { skip: !corpus && "TOQ_CORPUS_DIR not set" }, async () => {
  const entries = (JSON.parse(readFileSync(join(corpus!, "corpus.json"), "utf8")) as { files: Entry[] }).files;
  let checked = 0;
  for (const entry of entries) {
    const ready = entry.expected.status === "READY";
    const parsable = /\.(jpe?g|png|heic|mp4|mov)$/i.test(entry.file) && ready && entry.expected.kind !== "document";
    if (!parsable) continue;
    const facts = await inspect(await fileOf(entry));
    assert.ok(facts.readable, `${entry.id} was not read`);
    assert.equal(facts.width, entry.expected.width, `${entry.id} width`);
    assert.equal(facts.height, entry.expected.height, `${entry.id} height`);
    const rotation = entry.traits.find((t) => t.startsWith("rotation:"));
    if (rotation) assert.equal(facts.rotation, Number(rotation.split(":")[1]), `${entry.id} rotation`);
    const exif = entry.traits.find((t) => t.startsWith("exif-orientation:"));
    if (exif) assert.equal(facts.exifOrientation, Number(exif.split(":")[1]), `${entry.id} orientation`);
    const codec = entry.traits.find((t) => t.startsWith("codec:"));
    if (codec === "codec:h264") assert.equal(facts.codec, "avc1", entry.id);
    assert.equal(facts.hdr !== null, entry.traits.includes("hevc-10bit-hlg"), `${entry.id} hdr`);
    assert.equal(guessMediaType(facts).split("_")[1], entry.expected.height! > entry.expected.width! ? "VERTICAL" : "HORIZONTAL",
                 `${entry.id} guessed orientation`);
    checked++;
  }
  assert.ok(checked >= 20, `only ${checked} corpus files checked`);
});

test("the preflight flags what will fail or surprise", { skip: !corpus && "TOQ_CORPUS_DIR not set" }, async () => {
  const entries = (JSON.parse(readFileSync(join(corpus!, "corpus.json"), "utf8")) as { files: Entry[] }).files;
  const byId = (id: string) => entries.find((e) => e.id === id)!;
  const codes = async (id: string, mediaType: string) => {
    const file = await fileOf(byId(id));
    return assess(file, await inspect(file), mediaType as never).map((n) => `${n.level}:${n.code}`);
  };
  // A video that displays vertical (rotation 90) declared horizontal will be refused.
  assert.deepEqual(await codes("video_rotated_vertical", "VIDEO_HORIZONTAL"), ["error:ORIENTATION_MISMATCH"]);
  assert.deepEqual(await codes("video_rotated_vertical", "VIDEO_VERTICAL"), []);
  // HDR (HLG, 10-bit HEVC) is tone-mapped: a warning, plus the orientation it is declared with.
  assert.deepEqual(await codes("video_hevc_hlg", "VIDEO_VERTICAL"), ["warning:HDR", "info:HEVC"]);
  assert.deepEqual(await codes("gif_animated", "PHOTO_HORIZONTAL"), ["error:UNSUPPORTED_TYPE"]);
  assert.deepEqual(await codes("jpeg_orientation_6", "PHOTO_VERTICAL"), ["error:ORIENTATION_MISMATCH", "info:BELOW_LARGE"]);
  assert.deepEqual(await codes("mp4_named_jpg", "PHOTO_HORIZONTAL"), ["error:TYPE_MISMATCH"]);
  assert.deepEqual(await codes("photo_kleiber", "PHOTO_HORIZONTAL"), []);
  assert.deepEqual(await codes("empty", "PHOTO_HORIZONTAL"), ["error:EMPTY"]);
  assert.deepEqual(await codes("footage_vtest", "VIDEO_HORIZONTAL"), ["info:NOT_READ"]);
  assert.deepEqual(await codes("video_h264_aac", "PHOTO_HORIZONTAL"), ["error:TYPE_MISMATCH"]);
});

test("a photo under the smallest rendition is flagged, one under the largest noted", () => {
  const facts = (width: number, height: number) => ({
    kind: "photo" as const, width, height, exifOrientation: 1, rotation: null, durationSeconds: null, codec: null,
    hdr: null, tenBit: false, readable: true });
  const file = { name: "tiny.jpg", type: "image/jpeg", size: 1000 };
  assert.deepEqual(assess(file, facts(300, 200), "PHOTO_HORIZONTAL").map((n) => `${n.level}:${n.code}`), ["warning:TOO_SMALL"]);
  assert.deepEqual(assess(file, facts(320, 200), "PHOTO_HORIZONTAL").map((n) => n.code), ["BELOW_LARGE"]);
  assert.deepEqual(assess(file, facts(1920, 1080), "PHOTO_HORIZONTAL"), []);
  // A square fits both orientations.
  assert.deepEqual(assess(file, facts(2000, 2000), "PHOTO_VERTICAL"), []);
});

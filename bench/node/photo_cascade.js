// The sharp references of the photo benchmark (bench/suites/photos.py): the same outputs as
// toq-media's photo step (320, 640, 1280, 1920 px on the long edge, never upscaled, upright, sRGB,
// no metadata; JPEG q85 with optimised Huffman tables, WebP q80 effort 4) made two ways:
//   cascade  decode once with shrink-on-load to 1920, then each size from the previous one;
//   naive    one sharp pipeline per output size, each decoding the file again.
// Photos run `--jobs` at a time (sharp's own libvips threading is left at its default).
//
//   node photo_cascade.js cascade|naive --out DIR [--jobs N] PHOTO...
'use strict';
const path = require('path');
const fs = require('fs');
const sharp = require('sharp');

const SIZES = [['large', 1920], ['medium', 1280], ['small', 640], ['thumbnail', 320]];
const JPEG = { quality: 85, optimiseCoding: true };
const WEBP = { quality: 80, effort: 4 };

async function save(pipeline, dir, name) {
  const flat = pipeline.clone().flatten({ background: '#ffffff' }).jpeg(JPEG);
  await Promise.all([
    flat.toFile(path.join(dir, `${name}.jpg`)),
    pipeline.clone().webp(WEBP).toFile(path.join(dir, `${name}.webp`)),
  ]);
}

function fit(edge) {
  return { width: edge, height: edge, fit: 'inside', withoutEnlargement: true };
}

async function cascade(file, dir) {
  let current = await sharp(file).rotate().resize(fit(SIZES[0][1])).toColourspace('srgb')
    .raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < SIZES.length; i++) {
    const [name, edge] = SIZES[i];
    if (i > 0) {
      current = await sharp(current.data, { raw: current.info }).resize(fit(edge))
        .raw().toBuffer({ resolveWithObject: true });
    }
    await save(sharp(current.data, { raw: current.info }), dir, name);
  }
}

async function naive(file, dir) {
  for (const [name, edge] of SIZES) {
    await save(sharp(file).rotate().resize(fit(edge)).toColourspace('srgb'), dir, name);
  }
}

async function main() {
  const args = process.argv.slice(2);
  const mode = args.shift();
  let out = null;
  let jobs = 2;
  const files = [];
  while (args.length) {
    const a = args.shift();
    if (a === '--out') out = args.shift();
    else if (a === '--jobs') jobs = Number(args.shift());
    else files.push(a);
  }
  const make = { cascade, naive }[mode];
  if (!make || !out || files.length === 0) {
    console.error('usage: photo_cascade.js cascade|naive --out DIR [--jobs N] PHOTO...');
    process.exit(2);
  }
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const dir = path.join(out, String(i + 1).padStart(2, '0'));
      fs.mkdirSync(dir, { recursive: true });
      await make(files[i], dir);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

main().catch((e) => { console.error(e); process.exit(1); });

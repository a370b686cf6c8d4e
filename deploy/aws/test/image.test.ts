// The container image (image/Dockerfile) cannot be built here (no Docker), so this checks that it
// provides everything the real toq-media binary needs, derived from that binary: its ELF NEEDED
// libraries, the programs it runs and the codecs, formats and filters it asks ffmpeg for (watched
// with strace while it processes real media), and the libvips loaders it opens. Sources must be
// pinned by version and checksum, at the versions the tests here run against.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deployDir, repoRoot } from './support/contract';

const imageDir = path.join(deployDir, 'image');
const dockerfile = fs.readFileSync(path.join(imageDir, 'Dockerfile'), 'utf8');
const binary = process.env.TOQ_MEDIA_BINARY ?? path.join(repoRoot, 'build', 'ci', 'src', 'app', 'toq-media');

// The Dockerfile's stages by name, with their text (continuation lines joined).
function stages(): Map<string, string> {
  const out = new Map<string, string>();
  const text = dockerfile.replace(/\\\n/g, ' ');
  const parts = text.split(/^FROM /m).slice(1);
  for (const part of parts) {
    const name = /^\S+ AS (\S+)/.exec(part)?.[1];
    if (name) out.set(name, part);
  }
  return out;
}

interface LockEntry { package: string; version: string; orig: string; sha256: string }
function lock(): LockEntry[] {
  return fs.readFileSync(path.join(imageDir, 'sources.lock'), 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => { const [pkg, version, orig, sha256] = l.trim().split(/\s+/); return { package: pkg, version, orig, sha256 }; });
}

test('three stages: Debian for pinned sources, AL2023 to build, provided.al2023 to run', () => {
  const s = stages();
  assert.deepEqual([...s.keys()], ['sources', 'build', 'runtime']);
  assert.match(dockerfile, /^ARG AL2023_IMAGE=public\.ecr\.aws\/amazonlinux\/amazonlinux:2023$/m);
  assert.match(dockerfile, /^ARG LAMBDA_IMAGE=public\.ecr\.aws\/lambda\/provided:al2023$/m);
  assert.match(s.get('build')!, /^\$\{AL2023_IMAGE\} AS build/);
  assert.match(s.get('runtime')!, /^\$\{LAMBDA_IMAGE\} AS runtime/);
  assert.match(s.get('runtime')!, /ENTRYPOINT \["\/usr\/local\/bin\/toq-media"\]/);
  assert.match(s.get('build')!, /-DTOQ_BUILD_TESTS=OFF/);
  assert.match(s.get('build')!, /--target toq-media/);
});

test('every source is pinned by exact version and SHA-256, and checked when fetched', () => {
  const entries = lock();
  assert.ok(entries.length >= 10);
  for (const e of entries) {
    assert.match(e.sha256, /^[0-9a-f]{64}$/, e.package);
    const upstream = e.version.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
    assert.equal(e.orig.startsWith(`${e.package}_${upstream}.orig.tar.`), true, `${e.package}: ${e.orig} is not the orig tarball of ${e.version}`);
  }
  const fetch = fs.readFileSync(path.join(imageDir, 'fetch-sources.sh'), 'utf8');
  assert.match(fetch, /apt-get source --download-only "\$package=\$version"/);
  assert.match(fetch, /sha256sum -c/);
  assert.match(stages().get('sources')!, /fetch-sources\.sh \/work\/sources\.lock \/src/);
  // Every pinned source is built (its directory is used in the build stage).
  for (const e of entries) assert.match(stages().get('build')!, new RegExp(`(/src/${e.package}\\b|for p in [^;]*\\b${e.package}\\b)`), `${e.package} is fetched but never built`);
});

test('the pinned versions are the ones the tests run against on this machine', () => {
  // Binary packages built from each source; their upstream versions must match the lock's.
  const binaries: Record<string, string> = { vips: 'libvips42', libheif: 'libheif1', libde265: 'libde265-0', ffmpeg: 'ffmpeg', fmtlib: 'libfmt9', spdlog: 'libspdlog1.10', 'yaml-cpp': 'libyaml-cpp0.7', libjwt: 'libjwt0', jansson: 'libjansson4', 'boost1.81': 'libboost1.81-dev', x264: 'libx264-164', zimg: 'libzimg2' };
  const upstream = (v: string) => v.replace(/^\d+:/, '').replace(/-[^-]+$/, '').replace(/\+(ds|dfsg)\d*$/, '');
  for (const e of lock()) {
    const pkg = binaries[e.package];
    if (!pkg) continue;
    const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${pkg} is not installed (scripts/packages.txt)`);
    assert.equal(upstream(r.stdout), upstream(e.version), `${e.package}: the image pins ${e.version}, the tests run ${r.stdout}`);
  }
});

function elfNeeded(file: string): string[] {
  const out = execFileSync('readelf', ['-d', file], { encoding: 'utf8' });
  return [...out.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}
// The names in the dynamic symbol table (a sanitizer runtime exports its interface there).
function elfSymbols(file: string): string[] {
  const out = execFileSync('readelf', ['--dyn-syms', '-W', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').map((line) => line.trim().split(/\s+/)[7] ?? '').filter((name) => name !== '');
}
const libraryName = (soname: string) => soname.replace(/\.so(\..*)?$/, '');

// `make asan` runs these tests on the instrumented build: its binary carries the sanitizer runtime
// (GCC: libasan NEEDED; clang, which the asan preset uses: compiler-rt linked in, seen by its
// __asan_init symbol), which the image never ships, and LeakSanitizer aborts under strace. Such a
// binary is not the one the image takes (the Dockerfile builds a plain release), so the checks
// below that read it say nothing there and are skipped; `make test` runs them on the plain build.
const sanitized =
  fs.existsSync(binary) &&
  (elfNeeded(binary).some((l) => /^lib(asan|ubsan|tsan)\.so/.test(l)) ||
    elfSymbols(binary).includes('__asan_init'));
const theImagesBinary = sanitized
  ? { skip: `${binary} is a sanitizer build, not the binary the image ships (checked by make test)` }
  : {};

test('every shared library the toq-media binary needs is provided by the image', theImagesBinary, () => {
  assert.ok(fs.existsSync(binary), `no toq-media binary at ${binary}: build it (make build) or set TOQ_MEDIA_BINARY`);
  const map = JSON.parse(fs.readFileSync(path.join(imageDir, 'runtime-libraries.json'), 'utf8')).libraries as Record<string, string>;
  const s = stages();
  const runtimeDnf = /dnf install[^&]*/.exec(s.get('runtime')!)![0];
  const buildStage = s.get('build')!;
  const needed = elfNeeded(binary).map(libraryName);
  assert.ok(needed.includes('libvips'), 'the binary links libvips');
  const lockPackages = new Set(lock().map((e) => e.package));
  for (const lib of needed) {
    const provider = map[lib];
    assert.ok(provider, `${lib} (NEEDED by toq-media) is not provided by the image: add it to image/runtime-libraries.json and the Dockerfile`);
    const [kind, name] = provider.split(':');
    if (kind === 'dnf') assert.match(runtimeDnf, new RegExp(`\\s${name.replace(/[+]/g, '\\+')}(\\s|$)`), `${lib}: dnf package ${name} is not installed in the runtime stage`);
    else if (kind === 'source') {
      assert.ok(lockPackages.has(name), `${lib}: ${name} is not in sources.lock`);
      assert.match(s.get('runtime')!, /COPY --from=build \/opt\/toq\/lib\/ \/usr\/local\/lib\//);
    } else if (kind === 'static') {
      assert.ok(lockPackages.has(name) || name === 'gcc14', `${lib}: ${name} is neither pinned nor the compiler`);
      if (name === 'gcc14') assert.match(buildStage, /-static-libstdc\+\+ -static-libgcc/);
      else assert.match(buildStage, /BUILD_SHARED_LIBS=OFF|libb64\.a/);
    } else assert.equal(kind, 'glibc', `${lib}: unknown provider ${provider}`);
  }
});

// Real media for the binary to chew on, made with the Debian tools the test suite already installs.
function makeMedia(dir: string): string[] {
  const ff = (...args: string[]) => execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { cwd: dir });
  ff('-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', 'clip.mp4');
  ff('-f', 'lavfi', '-i', 'testsrc2=size=1200x800', '-frames:v', '1', 'photo.jpg');
  ff('-f', 'lavfi', '-i', 'testsrc2=size=800x1200', '-frames:v', '1', 'render.png');
  execFileSync('heif-enc', ['-q', '60', '-o', 'phone.heic', 'photo.jpg'], { cwd: dir, stdio: 'ignore' });
  fs.writeFileSync(path.join(dir, 'plan.pdf'), minimalPdf());
  return ['clip.mp4', 'photo.jpg', 'render.png', 'phone.heic', 'plan.pdf'];
}

function minimalPdf(): string {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R /Resources << >> >>',
    '<< /Length 44 >>\nstream\n0.2 0.4 0.8 rg 20 20 260 160 re f\nendstream',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  return `${out}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
}

interface Trace { programs: Map<string, string[][]>; opened: string[] }

// strace -f of `toq-media process` on real media: which programs it executes (with their argv)
// and which shared objects the toq-media processes (not the programs they execute) open.
function traceProcessing(): Trace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toq-image-'));
  try {
    const files = makeMedia(dir);
    const log = path.join(dir, 'trace');
    // -ff: one file per process, so calls of concurrent processes are never split across lines.
    const r = spawnSync('strace', ['-ff', '-qq', '-s', '4096', '-e', 'trace=execve,openat', '-o', log, binary, 'process', ...files, '--out', path.join(dir, 'out')], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, `toq-media process failed:\n${r.stdout}\n${r.stderr}`);
    const programs = new Map<string, string[][]>();
    const foreign = new Set<string>();  // pids that exec'ed another program
    const opened = new Set<string>();
    const lines = fs.readdirSync(dir).filter((f) => f.startsWith('trace.')).flatMap((f) =>
      fs.readFileSync(path.join(dir, f), 'utf8').split('\n').map((l) => `${f.slice(6)} ${l}`));
    for (const line of lines) {
      const m = /^(\d+)\s+(execve|openat)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
      if (!m || Number(m[4]) < 0) continue;
      const [, pid, call, args] = m;
      if (call === 'execve') {
        const program = JSON.parse(/^("(?:[^"\\]|\\.)*")/.exec(args)![1]);
        if (path.basename(program) === 'toq-media') continue;
        foreign.add(pid);
        const argv = [...(/\[(.*?)\](?:,|$)/.exec(args.slice(program.length + 4))?.[1] ?? '').matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => JSON.parse(`"${a[1]}"`));
        const name = path.basename(program);
        programs.set(name, [...(programs.get(name) ?? []), argv]);
      } else if (!foreign.has(pid)) {
        const file = /"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
        if (file && /\.so(\.|$)/.test(file)) opened.add(file);
      }
    }
    return { programs, opened: [...opened] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let traced: Trace | undefined;
const trace = () => (traced ??= traceProcessing());

test('the programs toq-media runs are installed by the image where it looks for them', theImagesBinary, () => {
  const { programs } = trace();
  assert.deepEqual([...programs.keys()].sort(), ['ffmpeg', 'ffprobe']);
  const runtime = stages().get('runtime')!;
  for (const p of programs.keys()) {
    assert.match(runtime, new RegExp(`COPY --from=build [^\\n]*/opt/toq/bin/${p}[^\\n]* /usr/local/bin/`), `${p} is not copied to /usr/local/bin`);
  }
  // tool_runner.cpp searches /usr/local/bin first.
  assert.match(fs.readFileSync(path.join(repoRoot, 'src', 'adapter', 'media', 'video', 'tool_runner.cpp'), 'utf8'), /\/usr\/local\/bin/);
});

test('the image\'s ffmpeg has every codec, format, filter and protocol toq-media uses', theImagesBinary, () => {
  const { programs } = trace();
  const configure = /\.\/configure --prefix=\$PREFIX --cc=gcc14-gcc[^&]*/.exec(stages().get('build')!.replace(/\s+/g, ' '))![0];
  const enabled = (kind: string) => new Set([...configure.matchAll(new RegExp(`--enable-${kind}=([\\w,]+)`, 'g'))].flatMap((m) => m[1].split(',')));
  const need = { encoder: new Set<string>(), muxer: new Set<string>(), filter: new Set<string>(), protocol: new Set<string>(), demuxer: new Set<string>() };
  for (const argv of programs.get('ffmpeg') ?? []) {
    argv.forEach((a, i) => {
      const next = argv[i + 1];
      if (/^-c:[va]$/.test(a)) need.encoder.add(next);
      if (a === '-protocol_whitelist') next.split(',').forEach((p) => need.protocol.add(p));
      if (a === '-filter_complex' || a === '-vf') {
        for (const f of next.split(/[;,]/)) {
          const name = f.replace(/^(\[[^\]]*\])+/, '').split('=')[0].replace(/(\[[^\]]*\])+$/, '');
          if (name) need.filter.add(name);
        }
      }
    });
    argv.forEach((a, i) => {
      if (a !== '-f') return;
      (i > argv.lastIndexOf('-i') ? need.muxer : need.demuxer).add(argv[i + 1]);
    });
  }
  assert.ok(need.encoder.has('libx264') && need.filter.has('scale'), 'the trace saw the transcode');
  const from = enabled('encoder');
  for (const e of need.encoder) assert.ok(from.has(e), `encoder ${e}`);
  for (const m of need.muxer) assert.ok(enabled('muxer').has(m), `muxer ${m}`);
  for (const f of need.filter) assert.ok(enabled('filter').has(f), `filter ${f}`);
  for (const p of need.protocol) assert.ok(enabled('protocol').has(p), `protocol ${p}`);
  assert.match(configure, /--enable-libx264/);
  // The demuxers and decoders the code whitelists (src/adapter/media/video/video_commands.cpp); the
  // "mp4" demuxer is ffmpeg's "mov", "webm" its "matroska", "mpeg" its "mpegps".
  const source = fs.readFileSync(path.join(repoRoot, 'src', 'adapter', 'media', 'video', 'video_commands.cpp'), 'utf8');
  const list = (name: string) => [...(new RegExp(`${name}\\s*=\\s*\\{([^}]*)\\}`).exec(source)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const alias: Record<string, string> = { mp4: 'mov', webm: 'matroska', mpeg: 'mpegps', jpeg_pipe: 'image_jpeg_pipe' };
  for (const d of need.demuxer) assert.ok(enabled('demuxer').has(alias[d] ?? d), `demuxer ${d} (forced on an input)`);
  const demuxers = list('kDemuxers');
  assert.ok(demuxers.length >= 5, 'kDemuxers found in video_commands.cpp');
  for (const d of demuxers) assert.ok(enabled('demuxer').has(alias[d] ?? d), `demuxer ${d}`);
  const decoders = list('kVideoCodecs');
  assert.ok(decoders.length >= 10, 'kVideoCodecs found in video_commands.cpp');
  for (const d of decoders) assert.ok(enabled('decoder').has(d), `decoder ${d}`);
  if (need.filter.has('zscale')) assert.match(configure, /--enable-libzimg/);
});

test('the image\'s libvips has the loaders toq-media used (HEIF, PDF), built in', theImagesBinary, () => {
  // `toq-media process` exits 0 only when every file was processed, so the HEIC and the PDF were
  // decoded; Debian's libvips did it through its loadable modules, which the trace shows opened.
  const { opened } = trace();
  const modules = new Set(opened.filter((f) => /vips-modules/.test(f)).map((f) => path.basename(f)));
  const vips = stages().get('build')!.replace(/\s+/g, ' ');
  for (const [module, option] of [['vips-heif.so', 'heif'], ['vips-poppler.so', 'poppler']]) {
    assert.ok(modules.has(module), `${module} not opened: ${[...modules]}`);
    assert.match(vips, new RegExp(`-D${option}=enabled`), `libvips is built without ${option}`);
  }
  for (const loader of ['jpeg', 'png', 'webp', 'tiff', 'exif', 'lcms']) assert.match(vips, new RegExp(`-D${loader}=enabled`));
  assert.match(vips, /-Dmodules=disabled/, 'loaders built into libvips, nothing to dlopen');
  assert.match(stages().get('runtime')!, /poppler-glib/);
});

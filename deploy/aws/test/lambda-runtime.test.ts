// `toq-media lambda` (the real binary, $TOQ_MEDIA_BINARY) as a custom runtime against the
// rehearsal's Lambda Runtime API server (local/lambda-service.ts, written to the documented
// protocol), on an s3rver of its own (scripts/services.sh start DIR s3) holding real corpus media:
// a success with the trace id exported, the typed errors (Task.InputInvalid, Media.InputInvalid
// with step and diagnostics, Media.Transient when the store is gone), the init error, the deadline
// fast-fail from ffprobe's duration (Media.TooLongForLambda) and a runtime killed mid-invocation.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { LambdaFunction } from '../local/lambda-service';
import { repoRoot, violations } from './support/contract';

const binary = process.env.TOQ_MEDIA_BINARY ?? path.join(repoRoot, 'build', 'ci', 'src', 'app', 'toq-media');
const corpus = process.env.TOQ_CORPUS_DIR ?? path.join(path.dirname(path.dirname(path.dirname(binary))), 'corpus');
const services = path.join(repoRoot, 'scripts', 'services.sh');
const kBucket = 'toq-test';
const kPrefix = 'listings/28/batches/51/';

let dir = '';
let s3Env: Record<string, string> = {};
const functions: LambdaFunction[] = [];

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)='(.*)'$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

function makeFunction(task: string, env: Record<string, string>, timeoutSeconds = 120): LambdaFunction {
  const fn = new LambdaFunction({
    name: `toq-media-${task}`, arn: `arn:aws:lambda:us-east-1:123456789012:function:toq-media-${task}`, task, binary,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', AWS_REGION: 'us-east-1', TOQ_MEDIA_DATA_DIR: path.join(dir, 'data'), ...env },
    timeoutSeconds, concurrency: 1, logFile: path.join(dir, `${task}.log`),
  });
  functions.push(fn);
  return fn;
}

// Puts a corpus file at the asset's raw key (s3rver takes unsigned PUTs) and returns the asset task
// input for it.
async function assetInput(assetId: number, file: string, mediaType: string, contentType: string) {
  const data = fs.readFileSync(path.join(corpus, file));
  const rawKey = `${kPrefix}raw/${assetId}`;
  const put = await fetch(`${s3Env.TOQ_MEDIA_STORAGE_S3_ENDPOINT}/${kBucket}/${rawKey}`, { method: 'PUT', body: data });
  assert.equal(put.status, 200, `s3rver PUT ${rawKey}: ${put.status}`);
  return {
    version: 1, jobId: 77, batchId: 51, listingId: 28, run: 1, bucket: kBucket, outputPrefix: `${kPrefix}out/77/`,
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    asset: {
      assetId, clientId: `c-${assetId}`, mediaType, rawKey, bytes: data.length,
      checksumSha256: createHash('sha256').update(data).digest('base64'), contentType, sequence: 1,
      title: file, filename: file,
    },
  };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail('the invocation succeeded');
}

// The typed error's body as the runtime posted it, checked against the contract.
function detailOf(error: Error): Record<string, any> {
  const body = JSON.parse(error.message);
  assert.deepEqual(violations('task-error', { errorType: body.errorType, errorMessage: body.errorMessage }), []);
  const detail = JSON.parse(body.errorMessage);
  assert.deepEqual(violations('task-error-detail', detail), []);
  return detail;
}

before(() => {
  assert.ok(fs.existsSync(binary), `no toq-media binary at ${binary}: build it or set TOQ_MEDIA_BINARY`);
  assert.ok(fs.existsSync(path.join(corpus, 'footage_vtest.avi')), `no corpus in ${corpus} (ctest's media_corpus fixture)`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'toq-lambda-runtime-'));
  // Owned by this process: the s3rver stops with it even when the runner is killed.
  const r = spawnSync(services, ['start', dir, 's3'], {
    encoding: 'utf8',
    env: { ...process.env, TOQ_SERVICES_OWNER_PID: String(process.pid) },
  });
  assert.equal(r.status, 0, `services.sh start s3: ${r.stderr}`);
  s3Env = readEnvFile(path.join(dir, 's3', 'env'));
});

after(async () => {
  await Promise.all(functions.map((f) => f.close()));
  if (dir) {
    spawnSync(services, ['stop', dir], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('success: the asset task returns the compact result; the trace id reaches _X_AMZN_TRACE_ID; the log names the traceparent and the ids', async () => {
  const fn = makeFunction('asset', s3Env);
  const traceId = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  const result = await fn.invoke(await assetInput(301, 'jpeg_baseline.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg'), { traceId });
  assert.deepEqual(violations('asset-task-result', result), []);
  assert.deepEqual(result, { assetId: 301, status: 'READY', resultKey: `${kPrefix}out/77/301/result.json` });
  const stored = await fetch(`${s3Env.TOQ_MEDIA_STORAGE_S3_ENDPOINT}/${kBucket}/${kPrefix}out/77/301/result.json`);
  assert.equal(stored.status, 200);
  const doc = await stored.json() as any;
  assert.deepEqual(violations('asset-result-document', doc), []);
  assert.equal(doc.status, 'READY');
  // The task's own time on the asset, which serve observes per kind when it applies the report.
  assert.ok(Number.isInteger(doc.processingMs) && doc.processingMs > 0, `processingMs: ${doc.processingMs}`);
  const logged = fs.readFileSync(path.join(dir, 'asset.log'), 'utf8').split('\n').filter((l) => l.includes('invocation succeeded'));
  assert.ok(logged.some((l) => JSON.parse(l).trace_id === traceId), `no invocation log line with the trace id: ${logged.join('\n')}`);
  // The execution input's W3C traceparent and the ids are on the invocation's line, so one grep
  // follows a batch from the API through the Lambdas.
  const input = await assetInput(301, 'jpeg_baseline.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg');
  const named = logged.map((l) => JSON.parse(l)).filter((l) => l.traceparent === input.traceparent);
  assert.equal(named.length, 1, `no invocation log line with the traceparent: ${logged.join('\n')}`);
  assert.equal(named[0].job_id, 77);
  assert.equal(named[0].batch_id, 51);
  assert.equal(named[0].asset_id, 301);
  // The environment is reused: a second invocation runs in the same process.
  const second = await fn.invoke(await assetInput(305, 'photo_bridge.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg'));
  assert.equal((second as any).status, 'READY');
  assert.equal(fn.invocations[0].environment, fn.invocations[1].environment);
  assert.equal(fn.invocations[0].pid, fn.invocations[1].pid);
  assert.ok(fn.invocations[0].pid !== undefined);
});

test('typed errors: a payload off the contract is Task.InputInvalid, a broken photo Media.InputInvalid with its step', async () => {
  const fn = makeFunction('asset', s3Env);
  const bad = await rejection(fn.invoke({ version: 1, jobId: 'x' }));
  assert.equal(bad.name, 'Task.InputInvalid');
  assert.equal(detailOf(bad).step, 'input');

  const broken = await rejection(fn.invoke(await assetInput(302, 'jpeg_truncated.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg')));
  assert.equal(broken.name, 'Media.InputInvalid');
  const detail = detailOf(broken);
  assert.equal(detail.assetId, 302);
  assert.notEqual(detail.step, 'input');
  assert.ok(detail.message.length > 0 && detail.hint.length > 0, JSON.stringify(detail));
  assert.equal(detail.resultKey, `${kPrefix}out/77/302/result.json`);
  // The failure document is written before the error is raised.
  const stored = await fetch(`${s3Env.TOQ_MEDIA_STORAGE_S3_ENDPOINT}/${kBucket}/${detail.resultKey}`);
  const doc = await stored.json() as any;
  assert.deepEqual(violations('asset-result-document', doc), []);
  assert.equal(doc.status, 'FAILED');
  assert.ok(Number.isInteger(doc.processingMs) && doc.processingMs >= 0, `processingMs: ${doc.processingMs}`);
});

test('the store gone is Media.Transient (retried by the state machine), not a media failure', async () => {
  const input = await assetInput(303, 'jpeg_baseline.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg');
  const fn = makeFunction('asset', { ...s3Env, TOQ_MEDIA_STORAGE_S3_ENDPOINT: 'http://127.0.0.1:9' });
  const e = await rejection(fn.invoke(input));
  assert.equal(e.name, 'Media.Transient');
  assert.equal(detailOf(e).assetId, 303);
});

test('init error: a report function without its callback settings posts /init/error', async () => {
  const fn = makeFunction('report', s3Env);
  const e = await rejection(fn.invoke({ version: 1 }));
  assert.equal(e.name, 'Runtime.InitError');
  assert.match(e.message, /callback/i);
});

test('deadline fast-fail: a 79 s video with 30 s left is Media.TooLongForLambda, decided before rendering', async () => {
  const fn = makeFunction('asset', s3Env);
  const input = await assetInput(304, 'footage_vtest.avi', 'VIDEO_HORIZONTAL', 'video/x-msvideo');
  const started = Date.now();
  const e = await rejection(fn.invoke(input, { deadlineMs: Date.now() + 30_000 }));
  assert.equal(e.name, 'Media.TooLongForLambda');
  const detail = detailOf(e);
  assert.equal(detail.step, 'plan');
  assert.ok(detail.durationMs > 79_000 && detail.durationMs < 80_000, `durationMs ${detail.durationMs}`);
  assert.ok(detail.remainingMs <= 30_000, `remainingMs ${detail.remainingMs}`);
  assert.ok(Date.now() - started < 30_000, 'the deadline passed: the task did not fail fast');
});

test('a runtime killed mid-invocation fails it with Lambda.Unknown; the next one gets a new environment', async () => {
  const fn = makeFunction('asset', s3Env, 900);  // time enough for the video: it is transcoding when killed
  const input = await assetInput(306, 'footage_vtest.avi', 'VIDEO_HORIZONTAL', 'video/x-msvideo');
  const pending = rejection(fn.invoke(input));
  let busy = fn.environmentsBusy();
  for (let i = 0; i < 200 && (busy.length === 0 || busy[0].pid === undefined); ++i) {
    await new Promise((r) => setTimeout(r, 50));
    busy = fn.environmentsBusy();
  }
  assert.equal(busy.length, 1);
  // Let the invocation reach the runtime, then kill it.
  await new Promise((r) => setTimeout(r, 1500));
  process.kill(busy[0].pid!, 'SIGKILL');
  const e = await pending;
  assert.equal(e.name, 'Lambda.Unknown');
  assert.match(e.message, /Runtime exited/);
  const next = await fn.invoke(await assetInput(307, 'jpeg_baseline.jpg', 'PHOTO_HORIZONTAL', 'image/jpeg'));
  assert.equal((next as any).status, 'READY');
  assert.notEqual(fn.invocations[1].environment, busy[0].id);
  assert.notEqual(fn.invocations[1].pid, busy[0].pid);
});

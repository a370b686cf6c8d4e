// The state machine (statemachine/media-batch.asl.json): valid ASL, the Retry/Catch discipline, the
// rule that no processing task is given an output key, the routing run on aws-local-stepfunctions
// with stand-ins for the tasks, and the 256 KiB payload limit for the worst full batch.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import aslValidator from 'asl-validator';
import { aslText, allStates, placeholders, runLocally, substitute } from './support/asl';
import { assertValid, kPayloadLimitBytes, utf8Bytes } from './support/contract';
import { ExecutionInput, resultKey, serializeExecutionInput, smallBatch, worstCaseBatch } from './support/fixtures';
import { AssetBehaviour, outputKeysIn, substitutions, World } from './support/stand-ins';

const definition = () => JSON.parse(substitute(aslText(), substitutions));

test('asl-validator accepts the definition, before and after substitution', () => {
  const raw = aslValidator(JSON.parse(aslText()), { checkArn: false, checkPaths: true });
  assert.deepEqual(raw.errors, []);
  const deployed = aslValidator(definition(), { checkArn: true, checkPaths: true });
  assert.deepEqual(deployed.errors, []);
  assert.equal(deployed.isValid, true);
});

test('the placeholders are exactly the ones the CDK app substitutes', () => {
  assert.deepEqual(placeholders(aslText()), Object.keys(substitutions).sort());
});

test('every Task has Retry and Catch, and every Catch ends in a state that exists', () => {
  const states = allStates(JSON.parse(aslText()));
  const tasks = states.filter((s) => s.state.Type === 'Task');
  assert.ok(tasks.length >= 5, `only ${tasks.length} Task states`);
  for (const { path, state } of tasks) {
    assert.ok(Array.isArray(state.Retry) && state.Retry.length > 0, `${path} has no Retry`);
    assert.ok(Array.isArray(state.Catch) && state.Catch.length > 0, `${path} has no Catch`);
    assert.ok(state.Catch.at(-1).ErrorEquals.includes('States.ALL'), `${path}'s last Catch is not States.ALL`);
    assert.ok(typeof state.TimeoutSeconds === 'number', `${path} has no TimeoutSeconds`);
    for (const r of state.Retry) {
      assert.ok(r.MaxAttempts >= 1 && r.BackoffRate >= 1, `${path} retrier ${r.ErrorEquals}`);
      assert.equal(r.JitterStrategy, 'FULL', `${path} retries without jitter`);
      assert.ok(!r.ErrorEquals.includes('Media.InputInvalid') && !r.ErrorEquals.includes('States.ALL'),
        `${path} retries errors that are never transient`);
    }
  }
  const map = states.find((s) => s.state.Type === 'Map')!;
  assert.ok(map.state.Catch?.length > 0, 'the Map has no Catch');
  assert.equal(map.state.ItemProcessor.ProcessorConfig.Mode, 'INLINE');
  assert.equal(map.state.ItemsPath, '$.assets');
  assert.equal(map.state.MaxConcurrencyPath, '$.maxConcurrency');
});

test('the asset task retries AWS transient Lambda errors and Media.Transient, and routes the rest', () => {
  const states = allStates(JSON.parse(aslText()));
  const lambda = states.find((s) => s.name === 'ProcessAssetOnLambda')!.state;
  const retried = lambda.Retry.flatMap((r: any) => r.ErrorEquals);
  for (const e of ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Media.Transient']) {
    assert.ok(retried.includes(e), `${e} not retried`);
  }
  const toFargate = lambda.Catch.find((c: any) => c.Next === 'ProcessAssetOnFargate').ErrorEquals;
  for (const e of ['Media.TooLongForLambda', 'Lambda.Unknown', 'States.Timeout']) assert.ok(toFargate.includes(e), `${e} not caught into Fargate`);
  assert.equal(lambda.Catch.at(-1).Next, 'RecordAssetFailure');
});

test('no processing task is given an output key: their payloads come from the item and the run context only', () => {
  const states = allStates(JSON.parse(aslText()));
  const processing = ['ProcessAssetOnLambda', 'ProcessAssetOnFargate', 'ArchiveOnLambda', 'ArchiveOnFargate'];
  const references = (v: unknown): string[] => {
    if (typeof v === 'string') return [...v.matchAll(/\$(?!\{)[.\w[\]*@?()'=$ -]*/g)].map((m) => m[0]);
    if (Array.isArray(v)) return v.flatMap(references);
    if (v && typeof v === 'object') return Object.values(v).flatMap(references);
    return [];
  };
  for (const name of processing) {
    const state = states.find((s) => s.name === name)!.state;
    const text = JSON.stringify(state.Parameters);
    assert.ok(!/\/out\//.test(text), `${name} has a literal output key`);
    for (const ref of references(state.Parameters)) {
      assert.ok(/^\$\.(input|archiveInput)\b/.test(ref.trim()) || ref.startsWith('$$'), `${name} reads ${ref}`);
    }
  }
  // The payload objects are built from the execution input only: the Map's ItemSelector and the
  // archive input in Summarize reference neither records nor result keys.
  const map = states.find((s) => s.name === 'ProcessAssets')!.state;
  assert.doesNotMatch(JSON.stringify(map.ItemSelector), /result|records|archive/i);
  const summarize = states.find((s) => s.name === 'Summarize')!.state;
  assert.doesNotMatch(JSON.stringify(summarize.Parameters.archiveInput), /result|records/i);
});

// ---- the routing, run on aws-local-stepfunctions ----

async function execute(input: ExecutionInput, setup: (w: World) => void = () => {}) {
  const world = new World();
  setup(world);
  const serialized = serializeExecutionInput(input);
  assertValid('execution-input', JSON.parse(serialized));
  const outcome = await runLocally(definition(), JSON.parse(serialized), world.handlers());
  // Whatever the route, no processing task ever saw an output key.
  for (const i of world.invocations.filter((x) => x.state !== 'Report')) {
    assert.deepEqual(outputKeysIn(i.input), [], `${i.state} got output keys`);
  }
  return { world, ...outcome };
}

const callbacks = (w: World) => w.deliveries.map((d) => JSON.parse(d.body));
const retries = (events: any[], state: string) => events.filter((e) => e.type === 'StateRetried' && e.state.name === state).length;

test('success: every asset READY on Lambda, the ZIP on Lambda, the callback SUCCEEDED with the ZIP', async () => {
  const input = smallBatch();
  const { world, output, error } = await execute(input);
  assert.equal(error, undefined);
  assert.deepEqual(output, { webhookId: 'job-77-r1-report', httpStatus: 200 });
  assert.equal(world.invocationsOf('ProcessAssetOnLambda').length, 3);
  assert.equal(world.invocationsOf('ProcessAssetOnFargate').length, 0);
  assert.equal(world.invocationsOf('ArchiveOnLambda').length, 1);
  assert.deepEqual(world.invocationsOf('ArchiveOnLambda')[0].input, {
    version: 1, jobId: 77, batchId: 51, listingId: 28, run: 1, bucket: input.bucket, outputPrefix: input.outputPrefix,
    traceparent: input.traceparent, assetIds: [301, 302, 303],
  });
  const [body] = callbacks(world);
  assert.equal(world.deliveries.length, 1);
  assert.equal(body.status, 'SUCCEEDED');
  assert.deepEqual(body.assets.map((a: any) => [a.assetId, a.status, a.resultKey]),
    input.assets.map((a) => [a.assetId, 'READY', resultKey(input.outputPrefix, a.assetId)]));
  const archive = JSON.parse(world.objects.get(`${input.outputPrefix}archive.json`)!);
  assert.deepEqual(body.zip, { key: `${input.outputPrefix}archive.zip`, bytes: archive.bytes, sha256: archive.sha256 });
  assert.equal(world.deliveries[0].headers.traceparent, input.traceparent);
  assert.match(world.deliveries[0].headers['webhook-signature'], /^v1,[A-Za-z0-9+/]{43}=$/);
});

test('Media.InputInvalid: a failure record, never retried, no ZIP, the batch reported FAILED', async () => {
  const input = smallBatch();
  const { world, events, error } = await execute(input, (w) => w.assetBehaviour.set(302, { kind: 'invalid' }));
  assert.equal(error, undefined);
  assert.equal(world.invocationsOf('ProcessAssetOnLambda').filter((i: any) => i.input.asset.assetId === 302).length, 1);
  assert.equal(retries(events, 'ProcessAssetOnLambda'), 0);
  assert.equal(world.invocationsOf('ProcessAssetOnFargate').length, 0);
  assert.equal(world.invocationsOf('ArchiveOnLambda').length + world.invocationsOf('ArchiveOnFargate').length, 0);
  const [body] = callbacks(world);
  assert.equal(body.status, 'FAILED');
  assert.equal(body.zip, undefined);
  assert.deepEqual(body.assets.find((a: any) => a.assetId === 302), {
    assetId: 302, status: 'FAILED', resultKey: resultKey(input.outputPrefix, 302), error: { errorType: 'Media.InputInvalid' },
  });
  assert.deepEqual(body.assets.filter((a: any) => a.status === 'READY').map((a: any) => a.assetId), [301, 303]);
  // The failure document the service will read is where the record says.
  assert.equal(JSON.parse(world.objects.get(resultKey(input.outputPrefix, 302))!).failure.code, 'VIDEO_TRANSCODE_FAILED');
});

test('Media.Transient is retried, then the asset succeeds', async () => {
  const { world, events, error } = await execute(smallBatch(), (w) => w.assetBehaviour.set(301, { kind: 'transient', times: 2 }));
  assert.equal(error, undefined);
  assert.equal(retries(events, 'ProcessAssetOnLambda'), 2);
  assert.equal(world.invocationsOf('ProcessAssetOnFargate').length, 0);
  assert.equal(callbacks(world)[0].status, 'SUCCEEDED');
});

test('Media.Transient that never clears ends in a failure record after 3 retries', async () => {
  const { world, events } = await execute(smallBatch(), (w) => w.assetBehaviour.set(301, { kind: 'transient', times: 99 }));
  assert.equal(retries(events, 'ProcessAssetOnLambda'), 3);
  const record = callbacks(world)[0].assets.find((a: any) => a.assetId === 301);
  assert.deepEqual(record.error, { errorType: 'Media.Transient' });
});

for (const [label, behaviour] of [
  ['Media.TooLongForLambda', { kind: 'too-long' }],
  ['Lambda.Unknown (out of memory, crash)', { kind: 'lambda-crash', errorType: 'Lambda.Unknown' }],
  ['Sandbox.Timedout (function timeout)', { kind: 'lambda-crash', errorType: 'Sandbox.Timedout' }],
] as Array<[string, AssetBehaviour]>) {
  test(`${label} goes to the Fargate path, which reads the same input and reports READY`, async () => {
    const input = smallBatch();
    const { world, events, error } = await execute(input, (w) => w.assetBehaviour.set(302, behaviour));
    assert.equal(error, undefined);
    assert.equal(retries(events, 'ProcessAssetOnLambda'), 0);
    const fargate = world.invocationsOf('ProcessAssetOnFargate');
    assert.equal(fargate.length, 1);
    const lambdaInput = world.invocationsOf('ProcessAssetOnLambda').find((i: any) => i.input.asset.assetId === 302)!.input;
    assert.deepEqual(fargate[0].input, lambdaInput, 'TOQ_MEDIA_TASK_INPUT is the asset task input');
    const [body] = callbacks(world);
    assert.equal(body.status, 'SUCCEEDED');
    assert.deepEqual(body.assets.find((a: any) => a.assetId === 302), { assetId: 302, status: 'READY', resultKey: resultKey(input.outputPrefix, 302) });
    assert.equal(JSON.parse(world.objects.get(resultKey(input.outputPrefix, 302))!).runner, 'fargate');
  });
}

test('a Fargate task that fails leaves a failure record (States.TaskFailed), and the batch FAILED', async () => {
  const { world } = await execute(smallBatch(), (w) => w.assetBehaviour.set(302, { kind: 'fargate-fails', exitCode: 75 }));
  const [body] = callbacks(world);
  assert.equal(body.status, 'FAILED');
  assert.deepEqual(body.assets.find((a: any) => a.assetId === 302).error, { errorType: 'States.TaskFailed' });
});

test('archive failure: the failure path still reports, FAILED with the archive error', async () => {
  const input = smallBatch();
  const { world, events, error, output } = await execute(input, (w) => { w.archiveBehaviour = { kind: 'transient-forever' }; });
  assert.equal(error, undefined);
  assert.equal(retries(events, 'ArchiveOnLambda'), 3);
  assert.equal(world.invocationsOf('ArchiveOnFargate').length, 0);
  assert.deepEqual(output, { webhookId: 'job-77-r1-report', httpStatus: 200 });
  const [body] = callbacks(world);
  assert.equal(body.status, 'FAILED');
  assert.equal(body.zip, undefined);
  assert.equal(body.error.code, 'INTERNAL_ERROR');
  assert.equal(body.error.errorType, 'Media.Transient');
  assert.ok(body.assets.every((a: any) => a.status === 'READY'));
});

test('an archive Lambda that crashes is caught into the Fargate archive', async () => {
  const input = smallBatch();
  const { world } = await execute(input, (w) => { w.archiveBehaviour = { kind: 'lambda-crash' }; });
  assert.equal(world.invocationsOf('ArchiveOnFargate').length, 1);
  const [body] = callbacks(world);
  assert.equal(body.status, 'SUCCEEDED');
  assert.equal(body.zip.key, `${input.outputPrefix}archive.zip`);
});

test('archiveRunner fargate builds the ZIP on Fargate; the report takes bytes and sha256 from archive.json', async () => {
  const input = smallBatch({ kinds: ['VIDEO_HORIZONTAL', 'VIDEO_VERTICAL'], archiveRunner: 'fargate' });
  const { world } = await execute(input);
  assert.equal(world.invocationsOf('ArchiveOnLambda').length, 0);
  assert.deepEqual(world.invocationsOf('ArchiveOnFargate')[0].input.assetIds, [301, 302]);
  const doc = JSON.parse(world.objects.get(`${input.outputPrefix}archive.json`)!);
  assert.deepEqual(callbacks(world)[0].zip, { key: doc.key, bytes: doc.bytes, sha256: doc.sha256 });
});

test('a Fargate archive that fails also reports FAILED', async () => {
  const { world } = await execute(smallBatch({ kinds: ['PHOTO_VERTICAL'], archiveRunner: 'fargate' }), (w) => { w.archiveBehaviour = { kind: 'fargate-fails' }; });
  const [body] = callbacks(world);
  assert.equal(body.status, 'FAILED');
  assert.equal(body.error.errorType, 'States.TaskFailed');
});

test('a callback that cannot be delivered fails the execution; the EventBridge reporter then reports it', async () => {
  const input = smallBatch();
  const { world, error, events } = await execute(input, (w) => { w.reportRejects = true; });
  assert.ok(error, 'the execution should fail');
  const failed = events.find((e: any) => e.type === 'ExecutionFailed') as any;
  assert.equal(failed?.Error, 'Report.Undelivered');
  assert.equal(world.invocationsOf('Report').length, 1, 'Report.Rejected is not retried');
  assert.equal(world.deliveries.length, 0);
  const event = {
    'detail-type': 'Step Functions Execution Status Change', source: 'aws.states',
    detail: {
      executionArn: 'arn:aws:states:sa-east-1:123456789012:execution:toq-media-batch:job-77-r1',
      stateMachineArn: 'arn:aws:states:sa-east-1:123456789012:stateMachine:toq-media-batch',
      name: 'job-77-r1', status: 'FAILED', input: serializeExecutionInput(input), inputDetails: { included: true },
      error: 'Report.Undelivered', cause: 'The callback could not be delivered',
    },
  };
  world.reportRejects = false;
  world.reportExecutionEvent(event);
  const [body] = callbacks(world);
  assert.deepEqual([body.jobId, body.batchId, body.run, body.status, body.error.code, body.error.executionStatus], [77, 51, 1, 'FAILED', 'INTERNAL_ERROR', 'FAILED']);
  assert.equal(world.deliveries[0].headers['webhook-id'], 'job-77-r1-failed');
});

test('a report that fails transiently is retried with the same webhook-id', async () => {
  const { world, events } = await execute(smallBatch(), (w) => { w.reportFailures = 2; });
  assert.equal(retries(events, 'Report'), 2);
  assert.equal(world.deliveries.length, 1);
  assert.equal(world.deliveries[0].headers['webhook-id'], 'job-77-r1-report');
});

test('a one-asset batch still passes arrays (asset ids, statuses) where arrays are expected', async () => {
  const { world } = await execute(smallBatch({ kinds: ['PHOTO_HORIZONTAL'] }));
  assert.deepEqual(world.invocationsOf('ArchiveOnLambda')[0].input.assetIds, [301]);
  assert.equal(callbacks(world)[0].status, 'SUCCEEDED');
});

// ---- 256 KiB: every state's input and output for the worst full batch ----

function largestPayloads(events: any[]) {
  const sizes: Array<{ what: string; bytes: number }> = [];
  for (const e of events) {
    if (e.type === 'ExecutionStarted') sizes.push({ what: 'execution input', bytes: utf8Bytes(JSON.stringify(e.input)) });
    if (e.type === 'ExecutionSucceeded') sizes.push({ what: 'execution output', bytes: utf8Bytes(JSON.stringify(e.output)) });
    if (e.state) {
      sizes.push({ what: `${e.state.name} input`, bytes: utf8Bytes(JSON.stringify(e.state.input)) });
      if (e.state.output !== undefined) sizes.push({ what: `${e.state.name} output`, bytes: utf8Bytes(JSON.stringify(e.state.output)) });
    }
    if (e.type === 'StateCaught' || e.type === 'StateFailed') sizes.push({ what: `${e.state.name} error`, bytes: utf8Bytes(JSON.stringify({ Error: e.Error, Cause: e.Cause })) });
  }
  return sizes.sort((a, b) => b.bytes - a.bytes);
}

for (const [label, runner, setup] of [
  ['every asset READY, ZIP on Lambda', 'lambda', () => {}],
  ['every asset READY, half of them on Fargate, ZIP on Fargate', 'fargate', (w: World) => { for (let i = 0; i < 100; i += 2) w.assetBehaviour.set(9007199254739991 + i, { kind: 'too-long' }); }],
  ['every asset FAILED', 'lambda', (w: World) => { for (let i = 0; i < 100; i++) w.assetBehaviour.set(9007199254739991 + i, { kind: i % 2 ? 'invalid' : 'fargate-fails', exitCode: 1 } as AssetBehaviour); }],
  ['every asset READY, the archive failing on Fargate', 'fargate', (w: World) => { w.archiveBehaviour = { kind: 'fargate-fails' }; }],
] as Array<[string, 'lambda' | 'fargate', (w: World) => void]>) {
  test(`worst full batch (${label}): every state's input and output < 256 KiB`, async () => {
    const input = worstCaseBatch(runner);
    const { world, events, error } = await execute(input, setup);
    assert.equal(error, undefined);
    assert.equal(world.deliveries.length, 1);
    const sizes = largestPayloads(events);
    assert.ok(sizes.length > 300, `only ${sizes.length} payloads measured`);
    const worst = sizes[0];
    assert.ok(worst.bytes < kPayloadLimitBytes, `${worst.what}: ${worst.bytes} bytes`);
    // Every task payload and the callback body, measured as sent.
    for (const i of world.invocations) assert.ok(i.inputBytes < kPayloadLimitBytes, `${i.state}: ${i.inputBytes}`);
    assert.ok(utf8Bytes(world.deliveries[0].body) < 64 * 1024, `callback body ${utf8Bytes(world.deliveries[0].body)} bytes`);
    // ECS caps a RunTask's overrides at 8,192 characters
    // (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html).
    for (const i of world.invocations.filter((x) => x.state.endsWith('OnFargate'))) {
      assert.ok(i.inputBytes < 8192, `${i.state} overrides: ${i.inputBytes} bytes`);
    }
    console.log(`# ${label}: largest ${worst.what} ${worst.bytes} B; execution input ${utf8Bytes(serializeExecutionInput(input))} B`);
  });
}

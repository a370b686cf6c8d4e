// The processing contract's schemas (contract/*.schema.json) and examples: every example conforms,
// typical mistakes are refused, the execution input's exact bytes are reproducible, and the
// payloads that travel outside Step Functions (SQS start message) fit their limits in the worst case.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contractDir, readExample, SchemaName, schemaFiles, utf8Bytes, violations } from './support/contract';
import { serializeExecutionInput, worstCaseBatch, executionName, ExecutionInput } from './support/fixtures';

const examples: Array<[string, SchemaName]> = [
  ['execution-input.json', 'execution-input'],
  ['asset-task-input.json', 'asset-task-input'],
  ['asset-task-result.json', 'asset-task-result'],
  ['asset-record-failed.json', 'asset-record'],
  ['asset-result-document-ready.json', 'asset-result-document'],
  ['asset-result-document-failed.json', 'asset-result-document'],
  ['task-error-input-invalid.json', 'task-error'],
  ['task-error-too-long.json', 'task-error'],
  ['archive-task-input.json', 'archive-task-input'],
  ['archive-task-result.json', 'archive-task-result'],
  ['archive-result-document.json', 'archive-result-document'],
  ['report-task-input-succeeded.json', 'report-task-input'],
  ['report-task-input-archive-failed.json', 'report-task-input'],
  ['report-task-result.json', 'report-task-result'],
  ['callback-body-succeeded.json', 'callback-body'],
  ['callback-body-timed-out.json', 'callback-body'],
  ['execution-status-event-timed-out.json', 'execution-status-event'],
  ['start-message.json', 'start-message'],
];

test('every schema is draft 2020-12 with an id named after its file', () => {
  const files = schemaFiles();
  assert.ok(files.length >= 15);
  for (const file of files) {
    const schema = JSON.parse(fs.readFileSync(path.join(contractDir, file), 'utf8'));
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema', file);
    assert.equal(schema.$id, `https://toq-media.invalid/aws/v1/${file}`, file);
  }
});

test('every example conforms to its schema, and every example file is checked', () => {
  for (const [file, schema] of examples) assert.deepEqual(violations(schema, readExample(file)), [], file);
  const listed = new Set(examples.map(([f]) => f));
  assert.deepEqual(fs.readdirSync(path.join(contractDir, 'examples')).filter((f) => !listed.has(f)), []);
});

function mutated(file: string, change: (v: any) => void): any {
  const value = structuredClone(readExample(file));
  change(value);
  return value;
}

test('the schemas refuse the mistakes that matter', () => {
  const refused: Array<[string, SchemaName, (v: any) => void]> = [
    ['an output key as an asset\'s raw key', 'execution-input', (v) => { v.assets[0].rawKey = 'listings/28/batches/51/out/77/301/large.jpg'; }],
    ['a raw key outside raw/', 'asset-task-input', (v) => { v.asset.rawKey = 'listings/28/batches/51/raw/302/../../out/77/x'; }],
    ['an output prefix without the job', 'execution-input', (v) => { v.outputPrefix = 'listings/28/batches/51/out/'; }],
    ['maxConcurrency above 40', 'execution-input', (v) => { v.maxConcurrency = 41; }],
    ['more than 100 assets', 'execution-input', (v) => { v.assets = Array.from({ length: 101 }, () => v.assets[0]); }],
    ['a 121-character title', 'execution-input', (v) => { v.assets[0].title = 'x'.repeat(121); }],
    ['an unknown field', 'execution-input', (v) => { v.priority = 1; }],
    ['another contract version', 'execution-input', (v) => { v.version = 2; }],
    ['an id as a string', 'asset-task-result', (v) => { v.assetId = '302'; }],
    ['a READY result with an error', 'asset-record', (v) => { v.status = 'READY'; }],
    ['a FAILED record without its error', 'asset-record', (v) => { delete v.error; }],
    ['a READY document with a failure', 'asset-result-document', (v) => { v.failure = { code: 'CORRUPT_MEDIA', message: 'x', hint: '', step: 'probe', exitStatus: null, signal: null, diagnosticsTail: null }; }],
    ['a READY document without renditions', 'asset-result-document', (v) => { v.renditions = []; }],
    ['a negative processingMs', 'asset-result-document', (v) => { v.processingMs = -1; }],
    ['a processingMs in seconds as a fraction', 'asset-result-document', (v) => { v.processingMs = 412.87; }],
    ['a rendition stored outside the run prefix', 'asset-result-document', (v) => { v.renditions[0].key = 'listings/28/batches/51/raw/302'; }],
    ['an HLS rendition of another name', 'asset-result-document', (v) => { v.renditions[4].name = 'hls-../720p'; }],
    ['an HLS playlist of another format', 'asset-result-document', (v) => { v.renditions[7].format = 'txt'; }],
    ['a diagnostics tail over 2,048 characters', 'task-error', (v) => { const d = JSON.parse(v.errorMessage); d.diagnosticsTail = 'x'.repeat(2049); v.errorMessage = JSON.stringify(d); }],
    ['an errorMessage that is not JSON', 'task-error', (v) => { v.errorMessage = 'ffmpeg failed'; }],
    ['an untyped error', 'task-error', (v) => { v.errorType = 'DERIVATIVE_ERRORS_DETECTED'; }],
    ['a SUCCEEDED report without the archive', 'report-task-input', (v) => { delete v.archive; }],
    ['a SUCCEEDED report with a FAILED asset', 'report-task-input', (v) => { v.assets[0] = { ...v.assets[0], status: 'FAILED', error: { errorType: 'Media.InputInvalid' } }; }],
    ['a SUCCEEDED callback without the ZIP', 'callback-body', (v) => { delete v.zip; }],
    ['a ZIP key outside the run prefix', 'callback-body', (v) => { v.zip.key = 'listings/28/batches/51/raw/archive.zip'; }],
    ['a start message with a badly named execution', 'start-message', (v) => { v.name = 'job-77'; }],
    ['a start message whose input is not an execution input', 'start-message', (v) => { v.input = '{"jobId":77}'; }],
  ];
  const fileOf: Record<string, string> = {
    'execution-input': 'execution-input.json', 'asset-task-input': 'asset-task-input.json', 'asset-task-result': 'asset-task-result.json',
    'asset-record': 'asset-record-failed.json', 'asset-result-document': 'asset-result-document-ready.json', 'task-error': 'task-error-input-invalid.json',
    'report-task-input': 'report-task-input-succeeded.json', 'callback-body': 'callback-body-succeeded.json', 'start-message': 'start-message.json',
  };
  for (const [what, schema, change] of refused) {
    assert.notDeepEqual(violations(schema, mutated(fileOf[schema], change)), [], `accepted ${what}`);
  }
});

test('the example execution input is in the exact-bytes form serve writes', () => {
  const text = fs.readFileSync(path.join(contractDir, 'examples', 'execution-input.json'), 'utf8');
  assert.equal(serializeExecutionInput(JSON.parse(text) as ExecutionInput), text);
  assert.ok(!text.includes('\\u'), 'non-ASCII characters are written as UTF-8, not escaped');
  const start = JSON.parse(fs.readFileSync(path.join(contractDir, 'examples', 'start-message.json'), 'utf8'));
  assert.equal(serializeExecutionInput(JSON.parse(start.input)), start.input);
});

test('worst full batch: the execution input conforms, and the SQS start message fits in 256 KiB', () => {
  const input = worstCaseBatch();
  const text = serializeExecutionInput(input);
  assert.deepEqual(violations('execution-input', JSON.parse(text)), []);
  const message = JSON.stringify({ name: executionName(input.jobId, input.run), input: text });
  assert.deepEqual(violations('start-message', JSON.parse(message)), []);
  // SQS: a message body of at most 262,144 bytes
  // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
  assert.ok(utf8Bytes(message) < 262144, `start message ${utf8Bytes(message)} bytes`);
  assert.ok(executionName(input.jobId, input.run).length <= 80, 'execution names are at most 80 characters');
  console.log(`# worst execution input ${utf8Bytes(text)} B, start message ${utf8Bytes(message)} B`);
});

// The processing contract's JSON Schemas (contract/*.schema.json), loaded once into Ajv (draft
// 2020-12, formats on) so every test validates payloads against the files the C++ side also uses.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

export const deployDir = path.resolve(__dirname, '..', '..');
export const repoRoot = path.resolve(deployDir, '..', '..');
export const contractDir = path.join(deployDir, 'contract');
const baseId = 'https://toq-media.invalid/aws/v1/';

export type SchemaName =
  | 'execution-input' | 'asset-task-input' | 'asset-task-result' | 'asset-record'
  | 'asset-result-document' | 'task-error' | 'task-error-detail' | 'archive-task-input'
  | 'archive-task-result' | 'archive-result-document' | 'report-task-input' | 'report-task-result'
  | 'callback-body' | 'execution-status-event' | 'start-message';

export function schemaFiles(): string[] {
  return fs.readdirSync(contractDir).filter((f) => f.endsWith('.schema.json')).sort();
}

function build(): Ajv2020 {
  // strict mode catches a typo in a schema keyword; contentSchema is checked by hand below.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
  addFormats(ajv);
  for (const file of schemaFiles()) {
    ajv.addSchema(JSON.parse(fs.readFileSync(path.join(contractDir, file), 'utf8')));
  }
  return ajv;
}

let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(name: SchemaName): ValidateFunction {
  ajv ??= build();
  let v = compiled.get(name);
  if (!v) {
    v = ajv.getSchema(`${baseId}${name}.schema.json`);
    if (!v) throw new Error(`no schema ${name}`);
    compiled.set(name, v);
  }
  return v;
}

// The schema's errors for `value`, [] when it conforms. JSON-in-a-string fields (contentSchema:
// task-error.errorMessage, start-message.input) are parsed and validated against their schema too,
// which Ajv leaves to the caller.
export function violations(name: SchemaName, value: unknown): string[] {
  const v = validator(name);
  const errors = v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  const nested: Array<[string, SchemaName]> = name === 'task-error' ? [['errorMessage', 'task-error-detail']]
    : name === 'start-message' ? [['input', 'execution-input']] : [];
  for (const [field, schema] of nested) {
    const text = (value as Record<string, unknown> | null)?.[field];
    if (typeof text !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      errors.push(`/${field} is not JSON: ${(e as Error).message}`);
      continue;
    }
    errors.push(...violations(schema, parsed).map((m) => `/${field}(parsed)${m}`));
  }
  return errors;
}

export function assertValid(name: SchemaName, value: unknown): void {
  const errors = violations(name, value);
  if (errors.length > 0) {
    throw new Error(`${name} violates its schema (${errors.length} errors):\n  ${errors.slice(0, 10).join('\n  ')}\n${JSON.stringify(value).slice(0, 2000)}`);
  }
}

export function readExample(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(contractDir, 'examples', file), 'utf8'));
}

// Bytes of the UTF-8 encoding: what AWS counts against the 256 KiB payload limit.
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export const kPayloadLimitBytes = 256 * 1024;

// Step Functions for the offline rehearsal: a Standard state machine running the repository's ASL
// (deploy/aws/statemachine/media-batch.asl.json, the same file the CDK app deploys) on
// aws-local-stepfunctions, with each Task state routed to the real toq-media: the Lambda states
// to `toq-media lambda` through the Runtime API (lambda-service.ts), the ECS states to
// `toq-media task` as a child process (ecs-runner.ts). Every payload a task receives or returns is
// validated against the contract's schemas (deploy/aws/contract/): a violation fails the task
// with Rehearsal.ContractViolation, so a test sees it.
//
// StartExecution follows AWS's documented rules for Standard workflows
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html):
// - the name is 1-80 characters without whitespace, brackets, wildcards, the characters
//   " # % \ ^ | ~ ` $ & , ; : / or control characters (InvalidName);
// - a start with the name of a RUNNING execution and the same input is idempotent: the same
//   executionArn and startDate, nothing new runs;
// - a name taken by a closed execution, or by one with another input: ExecutionAlreadyExists;
// - an input that is not JSON, or larger than 256 KiB: InvalidExecutionInput.
// DescribeExecution answers status, input, output, error and cause; an unknown ARN is
// ExecutionDoesNotExist. When an execution ends FAILED, TIMED_OUT or ABORTED, the EventBridge
// rule of the CDK app is played: the report function gets a "Step Functions Execution Status
// Change" event (https://docs.aws.amazon.com/step-functions/latest/dg/eb-events.html).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

import { aslText, allStates, substitute } from '../test/support/asl';
import { violations, type SchemaName } from '../test/support/contract';
import type { EcsRunner } from './ecs-runner';
import { LambdaFunction } from './lambda-service';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  traceHeader?: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  startDate: number;  // epoch seconds (fractional), as the JSON protocol's timestamps
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
}

export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

export interface Functions {
  asset: LambdaFunction;
  archive: LambdaFunction;
  report: LambdaFunction;
}

export interface StepFunctionsConfig {
  stateMachineArn: string;
  substitutions: Record<string, string>;
  functions: Functions;
  ecs: EcsRunner;
  fastRetries: boolean;  // every Retry interval 0 (tests); else the definition's own
  journal?: string;      // executions, one JSON line per change
  onLog?: (line: Record<string, unknown>) => void;
}

const kMaxInputBytes = 256 * 1024;
const kInvalidName = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]/u;

function contractCheck(what: string, schema: SchemaName, value: unknown): void {
  const errors = violations(schema, value);
  if (errors.length > 0) {
    const e = new Error(`${what} breaks ${schema}.schema.json: ${errors.join('; ')}`);
    e.name = 'Rehearsal.ContractViolation';
    throw e;
  }
}

export class StepFunctions {
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly definition: any;
  private running = new Set<Promise<void>>();

  constructor(private readonly config: StepFunctionsConfig) {
    this.definition = JSON.parse(substitute(aslText(), config.substitutions));
  }

  executionArn(name: string): string {
    return this.config.stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  startExecution(request: any): { executionArn: string; startDate: number } {
    if (request?.stateMachineArn !== this.config.stateMachineArn) {
      throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request?.stateMachineArn}'`);
    }
    const name = request?.name;
    if (typeof name !== 'string' || name.length < 1 || name.length > 80 || kInvalidName.test(name)) {
      throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = typeof request.input === 'string' ? request.input : '{}';
    if (Buffer.byteLength(input, 'utf8') > kMaxInputBytes) {
      throw new ApiError('InvalidExecutionInput', 'Input exceeds 262144 bytes');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch {
      throw new ApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: not JSON');
    }
    const existing = this.executions.get(name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn: this.executionArn(name), stateMachineArn: this.config.stateMachineArn, name, input,
      traceHeader: typeof request.traceHeader === 'string' ? request.traceHeader : undefined,
      status: 'RUNNING', startDate: Date.now() / 1000,
    };
    this.executions.set(name, record);
    this.journal(record);
    const run = this.run(record, parsed).finally(() => this.running.delete(run));
    this.running.add(run);
    return { executionArn: record.executionArn, startDate: record.startDate };
  }

  describeExecution(request: any): Record<string, unknown> {
    const arn = request?.executionArn;
    if (typeof arn !== 'string' || !arn.startsWith('arn:')) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const prefix = this.config.stateMachineArn.replace(':stateMachine:', ':execution:') + ':';
    const e = arn.startsWith(prefix) ? this.executions.get(arn.slice(prefix.length)) : undefined;
    if (!e) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    const out: Record<string, unknown> = {
      executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status,
      startDate: e.startDate, input: e.input, inputDetails: { included: true },
    };
    if (e.stopDate !== undefined) out.stopDate = e.stopDate;
    if (e.output !== undefined) { out.output = e.output; out.outputDetails = { included: true }; }
    if (e.error !== undefined) out.error = e.error;
    if (e.cause !== undefined) out.cause = e.cause;
    if (e.traceHeader !== undefined) out.traceHeader = e.traceHeader;
    return out;
  }

  // Resolves when every execution started so far has ended (tests, shutdown).
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private journal(record: ExecutionRecord): void {
    if (this.config.journal) fs.appendFileSync(this.config.journal, `${JSON.stringify({ at: new Date().toISOString(), ...record })}\n`);
  }

  private log(line: Record<string, unknown>): void {
    this.config.onLog?.(line);
  }

  private lambdaHandler(state: string, fn: LambdaFunction, inSchema: SchemaName, outSchema: SchemaName,
    traceId: () => string | undefined) {
    return async (params: any) => {
      if (params?.FunctionName !== fn.config.arn) throw new Error(`${state}: FunctionName ${params?.FunctionName}`);
      const payload = params.Payload;
      contractCheck(`${state} input`, inSchema, payload);
      let result: unknown;
      try {
        result = await fn.invoke(payload, { traceId: traceId() });
      } catch (e) {
        const error = e as Error;
        // A typed task error must be one the contract lists, with its detail.
        if (error.name.includes('.') && !error.name.startsWith('Lambda.') && !error.name.startsWith('Sandbox.') &&
            !error.name.startsWith('Runtime.') && !error.name.startsWith('Rehearsal.')) {
          const body = JSON.parse(error.message);
          contractCheck(`${state} error`, 'task-error', { errorType: body.errorType, errorMessage: body.errorMessage });
        }
        this.log({ msg: 'task failed', state, error: error.name });
        throw error;
      }
      if (outSchema === 'report-task-result' && (result as any)?.ignored) return { Payload: result, StatusCode: 200 };
      contractCheck(`${state} result`, outSchema, result);
      // The lambda:invoke integration's result: the function's response under Payload.
      return { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
    };
  }

  private ecsHandler(state: string, schema: SchemaName) {
    return async (params: any) => {
      const input = JSON.parse(params?.Overrides?.ContainerOverrides?.[0]?.Environment?.[0]?.Value ?? 'null');
      contractCheck(`${state} input`, schema, input);
      return this.config.ecs.runTask(params);
    };
  }

  private async run(record: ExecutionRecord, input: unknown): Promise<void> {
    const traceId = () => record.traceHeader;
    const f = this.config.functions;
    const handlers = {
      ProcessAssetOnLambda: this.lambdaHandler('ProcessAssetOnLambda', f.asset, 'asset-task-input', 'asset-task-result', traceId),
      ProcessAssetOnFargate: this.ecsHandler('ProcessAssetOnFargate', 'asset-task-input'),
      ArchiveOnLambda: this.lambdaHandler('ArchiveOnLambda', f.archive, 'archive-task-input', 'archive-task-result', traceId),
      ArchiveOnFargate: this.ecsHandler('ArchiveOnFargate', 'archive-task-input'),
      Report: this.lambdaHandler('Report', f.report, 'report-task-input', 'report-task-result', traceId),
    };
    const machine = new StateMachine(this.definition, { validationOptions: { checkArn: true, checkPaths: true } });
    const overrides: any = { taskResourceLocalHandlers: handlers };
    if (this.config.fastRetries) {
      overrides.retryIntervalOverrides = Object.fromEntries(
        allStates(this.definition).filter((s) => s.state.Retry).map((s) => [s.name, 0]));
    }
    this.log({ msg: 'execution started', name: record.name });
    const execution = machine.run(input as any, { overrides, context: { Execution: { Id: record.executionArn, Name: record.name, Input: input as any, StartTime: new Date(record.startDate * 1000).toISOString() } } });
    try {
      const output = await execution.result;
      record.status = 'SUCCEEDED';
      record.output = JSON.stringify(output);
    } catch (e) {
      const error = e as Error & { cause?: Error };
      if (error.name === 'ExecutionTimeoutError') {
        record.status = 'TIMED_OUT';
        record.error = 'States.Timeout';
      } else if (error.name === 'ExecutionAbortedError') {
        record.status = 'ABORTED';
      } else {
        record.status = 'FAILED';
        record.error = error.cause?.name ?? error.name;
        record.cause = error.cause?.message ?? error.message;
      }
    }
    record.stopDate = Date.now() / 1000;
    this.journal(record);
    this.log({ msg: 'execution ended', name: record.name, status: record.status, error: record.error });
    if (record.status !== 'SUCCEEDED') await this.reportByEventBridge(record);
  }

  // The CDK app's rule: FAILED / TIMED_OUT / ABORTED executions of this machine -> the reporter.
  private async reportByEventBridge(record: ExecutionRecord): Promise<void> {
    const event = {
      version: '0', id: `rehearsal-${record.name}`, 'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states', account: this.config.stateMachineArn.split(':')[4], time: new Date().toISOString(),
      region: this.config.stateMachineArn.split(':')[3], resources: [record.executionArn],
      detail: {
        executionArn: record.executionArn, stateMachineArn: record.stateMachineArn, name: record.name,
        status: record.status, startDate: Math.round(record.startDate * 1000), stopDate: Math.round((record.stopDate ?? 0) * 1000),
        input: record.input, inputDetails: { included: true }, output: null, outputDetails: null,
        error: record.error ?? null, cause: record.cause ?? null,
      },
    };
    contractCheck('the EventBridge event', 'execution-status-event', event);
    // EventBridge retries a failed target (8 times over up to 2 hours); a few quick tries here.
    for (let attempt = 1; attempt <= 3; ++attempt) {
      try {
        await this.config.functions.report.invoke(event);
        return;
      } catch (e) {
        this.log({ msg: 'EventBridge report failed', name: record.name, attempt, error: (e as Error).name });
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }
}

export function journalPath(dir: string): string {
  return path.join(dir, 'executions.jsonl');
}

// Stand-ins for the toq-media tasks the C++ side builds (toq-media lambda asset|archive|report and
// toq-media task asset|archive), reached the way Step Functions reaches them: each local handler
// receives the Task state's resolved Parameters and answers the way the AWS service integration
// does. They follow the contract (docs/aws-pipeline.md): every payload they receive or return and
// every document they write is validated against contract/*.schema.json, so a state machine that
// builds a wrong payload fails here. What cannot run here is AWS itself; its documented shapes are
// cited where they are emulated.
import * as crypto from 'node:crypto';
import { assertValid, utf8Bytes } from './contract';
import { resultKey as resultKeyOf, rawKey as rawKeyOf } from './fixtures';

export const substitutions: Record<string, string> = {
  AssetFunctionArn: 'arn:aws:lambda:sa-east-1:123456789012:function:toq-media-asset',
  ArchiveFunctionArn: 'arn:aws:lambda:sa-east-1:123456789012:function:toq-media-archive',
  ReportFunctionArn: 'arn:aws:lambda:sa-east-1:123456789012:function:toq-media-report',
  ClusterArn: 'arn:aws:ecs:sa-east-1:123456789012:cluster/toq-media',
  AssetTaskDefinitionArn: 'arn:aws:ecs:sa-east-1:123456789012:task-definition/toq-media-asset:3',
  ArchiveTaskDefinitionArn: 'arn:aws:ecs:sa-east-1:123456789012:task-definition/toq-media-archive:3',
  TaskContainerName: 'toq-media',
  TaskSubnetIds: 'subnet-0a1b2c3d,subnet-4e5f6a7b',
  TaskSecurityGroupId: 'sg-0123456789abcdef0',
};

export const kCallbackSecret = 'test-pipeline-secret-0123456789abcdef';

// An error as Step Functions reports it for the optimized Lambda integration: the Error is the
// function's errorType, the Cause the JSON of the error payload the runtime posted
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
export function lambdaFunctionError(errorType: string, errorMessage: string): Error {
  const e = new Error(JSON.stringify({ errorType, errorMessage, trace: [] }));
  e.name = errorType;
  return e;
}

// What a typed task error looks like on the wire; validated against task-error.schema.json.
export function typedError(errorType: string, detail: Record<string, unknown>): Error {
  const body = { errorType, errorMessage: JSON.stringify(detail) };
  assertValid('task-error', body);
  return lambdaFunctionError(errorType, body.errorMessage);
}

// A stopped ECS task whose essential container exited with `exitCode`: ecs:runTask.sync fails the
// state with States.TaskFailed and the task description as Cause
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html).
function stoppedTask(exitCode: number, taskDefinitionArn: string) {
  return {
    Attachments: [], ClusterArn: substitutions.ClusterArn, LaunchType: 'FARGATE', LastStatus: 'STOPPED',
    StopCode: 'EssentialContainerExited', StoppedReason: 'Essential container in task exited',
    TaskArn: 'arn:aws:ecs:sa-east-1:123456789012:task/toq-media/0123456789abcdef0123456789abcdef',
    TaskDefinitionArn: taskDefinitionArn,
    Containers: [{ ExitCode: exitCode, LastStatus: 'STOPPED', Name: substitutions.TaskContainerName }],
  };
}

export type AssetBehaviour =
  | { kind: 'ok' }
  | { kind: 'invalid' }                              // Media.InputInvalid (a corrupt video)
  | { kind: 'transient'; times: number }              // Media.Transient, then ok
  | { kind: 'too-long' }                              // Media.TooLongForLambda, then ok on Fargate
  | { kind: 'lambda-crash'; errorType: 'Lambda.Unknown' | 'Sandbox.Timedout' }  // then Fargate
  | { kind: 'fargate-fails'; exitCode: number };     // too long for Lambda, and Fargate fails too

export type ArchiveBehaviour =
  | { kind: 'ok' }
  | { kind: 'transient-forever' }                     // Media.Transient on every attempt
  | { kind: 'lambda-crash' }                          // Lambda.Unknown, then Fargate
  | { kind: 'fargate-fails' };

export interface Invocation {
  state: string;
  input: any;           // the task payload (the Lambda Payload, or the parsed TOQ_MEDIA_TASK_INPUT)
  inputBytes: number;   // its size as sent (for ECS: the whole container override)
}

export interface Delivery {
  headers: Record<string, string>;
  body: string;
}

// One world per execution: an S3 bucket in memory, what each task was asked, what was delivered.
export class World {
  readonly objects = new Map<string, string>();
  readonly invocations: Invocation[] = [];
  readonly deliveries: Delivery[] = [];
  readonly attempts = new Map<string, number>();
  assetBehaviour = new Map<number, AssetBehaviour>();
  archiveBehaviour: ArchiveBehaviour = { kind: 'ok' };
  reportFailures = 0;   // the first N report attempts answer Media.Transient
  reportRejects = false;

  private bump(key: string): number {
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    return n;
  }

  invocationsOf(state: string): Invocation[] {
    return this.invocations.filter((i) => i.state === state);
  }

  // ---- toq-media (lambda|task) asset ----
  private asset(input: any, runner: 'lambda' | 'fargate'): { assetId: number; status: 'READY'; resultKey: string } {
    assertValid('asset-task-input', input);
    assertRawOnly(input);
    const asset = input.asset;
    if (asset.rawKey !== rawKeyOf(input.listingId, input.batchId, asset.assetId)) {
      throw typedError('Task.InputInvalid', detail('input', 'INTERNAL_ERROR', `rawKey ${asset.rawKey} is not asset ${asset.assetId}'s raw key`));
    }
    const behaviour = this.assetBehaviour.get(asset.assetId) ?? { kind: 'ok' };
    const key = resultKeyOf(input.outputPrefix, asset.assetId);
    const attempt = this.bump(`${runner}:${asset.assetId}`);
    if (runner === 'lambda') {
      if (behaviour.kind === 'transient' && attempt <= behaviour.times) {
        throw typedError('Media.Transient', { ...detail('fetch', 'INTERNAL_ERROR', 'S3 GetObject answered 503 SlowDown'), assetId: asset.assetId });
      }
      if (behaviour.kind === 'too-long' || behaviour.kind === 'fargate-fails') {
        throw typedError('Media.TooLongForLambda', {
          ...detail('plan', 'PROCESSING_TIMEOUT', 'the video lasts 1260 s; at most 300 s of video are processed on Lambda'),
          assetId: asset.assetId, durationMs: 1260000, remainingMs: 893000,
        });
      }
      if (behaviour.kind === 'lambda-crash') {
        throw lambdaFunctionError(behaviour.errorType, behaviour.errorType === 'Sandbox.Timedout'
          ? 'Task timed out after 900.00 seconds' : 'RequestId: 1f2e Error: Runtime exited with error: signal: killed');
      }
    }
    if (behaviour.kind === 'invalid') {
      this.writeResult(input, runner, 'FAILED');
      throw typedError('Media.InputInvalid', {
        ...detail('render', 'VIDEO_TRANSCODE_FAILED', 'transcoding to 1080p and 720p failed: ffmpeg exited with status 1'),
        assetId: asset.assetId, exitStatus: 1,
        diagnosticsTail: 'Error while decoding stream #0:0: Invalid data found when processing input',
        resultKey: key,
      });
    }
    this.writeResult(input, runner, 'READY');
    const result = { assetId: asset.assetId, status: 'READY' as const, resultKey: key };
    assertValid('asset-task-result', result);
    return result;
  }

  private writeResult(input: any, runner: 'lambda' | 'fargate', status: 'READY' | 'FAILED') {
    const a = input.asset;
    const video = a.mediaType.startsWith('VIDEO');
    const base = `${input.outputPrefix}${a.assetId}/`;
    const sha = crypto.createHash('sha256').update(base).digest('hex');
    const doc: Record<string, unknown> = {
      version: 1, jobId: input.jobId, batchId: input.batchId, listingId: input.listingId, run: input.run,
      assetId: a.assetId, status, runner, finishedAt: '2026-11-23T20:31:07Z',
      declared: {
        clientId: a.clientId, mediaType: a.mediaType, sequence: a.sequence, title: a.title, filename: a.filename,
        contentType: a.contentType, bytes: a.bytes, checksumSha256: a.checksumSha256,
      },
      facts: {
        width: 1920, height: 1080, durationMs: video ? 31000 : null, format: video ? 'mov,mp4,m4a,3gp,3g2,mj2' : 'jpeg',
        codec: video ? 'h264' : null, rotation: 0, hdr: false, hasAudio: video,
      },
      renditions: status === 'FAILED' ? [] : (video
        ? [{ name: '1080p', format: 'mp4', width: 1920, height: 1080, bytes: 61002114, key: `${base}1080p.mp4`, sha256: sha }]
        : [{ name: 'large', format: 'jpeg', width: 1920, height: 1080, bytes: 498221, key: `${base}large.jpg`, sha256: sha }]),
    };
    if (status === 'FAILED') {
      doc.failure = {
        code: 'VIDEO_TRANSCODE_FAILED', message: 'transcoding to 1080p and 720p failed: ffmpeg exited with status 1',
        hint: 'Export the video again as H.264 or HEVC MP4 and upload it again.', step: 'render', exitStatus: 1,
        signal: null, diagnosticsTail: 'Error while decoding stream #0:0: Invalid data found when processing input',
      };
    }
    assertValid('asset-result-document', doc);
    this.objects.set(resultKeyOf(input.outputPrefix, a.assetId), JSON.stringify(doc));
  }

  // ---- toq-media (lambda|task) archive ----
  private archive(input: any, runner: 'lambda' | 'fargate') {
    assertValid('archive-task-input', input);
    assertRawOnly(input);
    const entries = input.assetIds.map((id: number) => {
      const text = this.objects.get(resultKeyOf(input.outputPrefix, id));
      if (!text) throw typedError('Task.InputInvalid', detail('archive', 'INTERNAL_ERROR', `no result document for asset ${id}`));
      const doc = JSON.parse(text);
      if (doc.status !== 'READY') throw typedError('Task.InputInvalid', detail('archive', 'INTERNAL_ERROR', `asset ${id} is not READY`));
      return { name: `${doc.declared.mediaType.startsWith('VIDEO') ? 'videos' : 'fotos'}/${String(doc.declared.sequence).padStart(2, '0')}.bin`, assetId: id, bytes: doc.renditions[0].bytes, sha256: doc.renditions[0].sha256 };
    });
    entries.push({ name: 'manifesto.json', assetId: null, bytes: 812, sha256: '5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e' });
    const zip = `zip of ${entries.length} entries`;
    const sha256 = crypto.createHash('sha256').update(zip).digest('hex');
    const key = `${input.outputPrefix}archive.zip`;
    const resultKey = `${input.outputPrefix}archive.json`;
    const doc = {
      version: 1, jobId: input.jobId, batchId: input.batchId, listingId: input.listingId, run: input.run,
      key, bytes: 66501433, sha256, runner, finishedAt: '2026-11-23T20:33:10Z', entries,
    };
    assertValid('archive-result-document', doc);
    this.objects.set(key, zip);
    this.objects.set(resultKey, JSON.stringify(doc));
    const result = { key, bytes: doc.bytes, sha256, resultKey };
    assertValid('archive-task-result', result);
    return result;
  }

  // ---- toq-media lambda report: builds, signs and POSTs the callback ----
  report(input: any) {
    assertValid('report-task-input', input);
    const n = this.bump('report');
    if (n <= this.reportFailures) {
      throw typedError('Media.Transient', detail('report', 'INTERNAL_ERROR', 'POST /api/v2/listings/media/callback: 503'));
    }
    if (this.reportRejects) {
      throw typedError('Report.Rejected', detail('report', 'INTERNAL_ERROR', 'POST /api/v2/listings/media/callback: 401 UNAUTHENTICATED'));
    }
    const body: Record<string, unknown> = { jobId: input.jobId, batchId: input.batchId, run: input.run, status: input.status, assets: input.assets };
    if (input.archive) {
      const doc = JSON.parse(this.objects.get(input.archive.resultKey) ?? 'null');
      if (!doc) throw typedError('Task.InputInvalid', detail('report', 'INTERNAL_ERROR', 'archive.json is missing'));
      body.zip = { key: doc.key, bytes: doc.bytes, sha256: doc.sha256 };
    }
    if (input.error) {
      body.error = {
        code: 'INTERNAL_ERROR', errorType: input.error.errorType,
        message: truncateUtf8(`the ${input.error.step === 'archive' ? 'ZIP could not be built' : 'asset loop failed'}: ${input.error.errorType}: ${input.error.cause}`, 1024),
      };
    }
    return this.deliver(`job-${input.jobId}-r${input.run}-report`, body, input.traceparent);
  }

  // ---- the same reporter, called by the EventBridge rule on FAILED / TIMED_OUT / ABORTED ----
  reportExecutionEvent(event: any) {
    assertValid('execution-status-event', event);
    const m = /^job-([1-9][0-9]*)-r([1-9][0-9]*)$/.exec(event.detail.name);
    if (!m) return null;  // not one of ours: logged and ignored
    const input = JSON.parse(event.detail.input);  // inputDetails.included; else DescribeExecution
    const status = event.detail.status as string;
    const body = {
      jobId: Number(m[1]), batchId: input.batchId, run: Number(m[2]), status: 'FAILED', assets: [],
      error: {
        code: status === 'TIMED_OUT' ? 'PROCESSING_TIMEOUT' : 'INTERNAL_ERROR',
        message: truncateUtf8(`execution ${event.detail.name} ${status}${event.detail.error ? `: ${event.detail.error}: ${event.detail.cause ?? ''}` : ''}`, 1024),
        executionStatus: status,
      },
    };
    return this.deliver(`job-${m[1]}-r${m[2]}-${status.toLowerCase()}`, body, input.traceparent);
  }

  private deliver(id: string, body: Record<string, unknown>, traceparent: string) {
    assertValid('callback-body', body);
    const text = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = crypto.createHmac('sha256', Buffer.from(kCallbackSecret, 'utf8')).update(`${id}.${timestamp}.${text}`).digest('base64');
    this.deliveries.push({
      headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}`, traceparent },
      body: text,
    });
    const result = { webhookId: id, httpStatus: 200 };
    assertValid('report-task-result', result);
    return result;
  }

  // ---- the Task states, as Step Functions' integrations call them ----
  handlers() {
    const lambda = (state: string, arn: string, run: (payload: any) => unknown) => async (params: any) => {
      if (params.FunctionName !== arn) throw new Error(`${state}: FunctionName ${params.FunctionName}`);
      this.invocations.push({ state, input: params.Payload, inputBytes: utf8Bytes(JSON.stringify(params.Payload)) });
      // The lambda:invoke integration's result: the function's response under Payload
      // (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
      return { ExecutedVersion: '$LATEST', Payload: run(params.Payload), StatusCode: 200 } as any;
    };
    const ecs = (state: string, taskDefinition: string, command: string[], run: (input: any) => void) => async (params: any) => {
      const override = checkRunTask(state, params, taskDefinition, command);
      const input = JSON.parse(override.Environment[0].Value);
      this.invocations.push({ state, input, inputBytes: utf8Bytes(JSON.stringify(params.Overrides)) });
      try {
        run(input);
      } catch (e) {
        const exitCode = exitStatusFor((e as Error).name);
        const failure = new Error(JSON.stringify(stoppedTask(exitCode, taskDefinition)));
        failure.name = 'States.TaskFailed';
        throw failure;
      }
      return stoppedTask(0, taskDefinition) as any;
    };
    return {
      ProcessAssetOnLambda: lambda('ProcessAssetOnLambda', substitutions.AssetFunctionArn, (p) => this.asset(p, 'lambda')),
      ProcessAssetOnFargate: ecs('ProcessAssetOnFargate', substitutions.AssetTaskDefinitionArn, ['task', 'asset'], (input) => {
        const b = this.assetBehaviour.get(input.asset?.assetId);
        if (b?.kind === 'fargate-fails') throw typedError('Media.Transient', detail('render', 'INTERNAL_ERROR', 'disk full'));
        this.asset(input, 'fargate');
      }),
      ArchiveOnLambda: lambda('ArchiveOnLambda', substitutions.ArchiveFunctionArn, (p) => {
        const b = this.archiveBehaviour;
        if (b.kind === 'transient-forever' || b.kind === 'fargate-fails') {
          throw typedError('Media.Transient', detail('archive', 'INTERNAL_ERROR', 'UploadPart answered 500 InternalError'));
        }
        if (b.kind === 'lambda-crash') throw lambdaFunctionError('Lambda.Unknown', 'Runtime exited with error: signal: killed');
        return this.archive(p, 'lambda');
      }),
      ArchiveOnFargate: ecs('ArchiveOnFargate', substitutions.ArchiveTaskDefinitionArn, ['task', 'archive'], (input) => {
        if (this.archiveBehaviour.kind === 'fargate-fails') throw typedError('Media.Transient', detail('archive', 'INTERNAL_ERROR', 'UploadPart answered 500 InternalError'));
        this.archive(input, 'fargate');
      }),
      Report: lambda('Report', substitutions.ReportFunctionArn, (p) => this.report(p)),
    };
  }
}

// toq-media task's exit status for each outcome (docs/aws-pipeline.md, "Fargate").
export function exitStatusFor(errorType: string): number {
  return ({ 'Media.InputInvalid': 2, 'Task.InputInvalid': 3, 'Media.Transient': 75 } as Record<string, number>)[errorType] ?? 1;
}

function detail(step: string, code: string, message: string) {
  return { step, code, message, hint: '', exitStatus: null, diagnosticsTail: null };
}

function checkRunTask(state: string, params: any, taskDefinition: string, command: string[]) {
  const problems: string[] = [];
  if (params.Cluster !== substitutions.ClusterArn) problems.push(`Cluster ${params.Cluster}`);
  if (params.TaskDefinition !== taskDefinition) problems.push(`TaskDefinition ${params.TaskDefinition}`);
  if (params.LaunchType !== 'FARGATE') problems.push(`LaunchType ${params.LaunchType}`);
  const vpc = params.NetworkConfiguration?.AwsvpcConfiguration;
  if (JSON.stringify(vpc?.Subnets) !== JSON.stringify(substitutions.TaskSubnetIds.split(','))) problems.push(`Subnets ${JSON.stringify(vpc?.Subnets)}`);
  if (JSON.stringify(vpc?.SecurityGroups) !== JSON.stringify([substitutions.TaskSecurityGroupId])) problems.push('SecurityGroups');
  if (vpc?.AssignPublicIp !== 'DISABLED') problems.push('AssignPublicIp');
  const overrides = params.Overrides?.ContainerOverrides;
  if (!Array.isArray(overrides) || overrides.length !== 1) problems.push('ContainerOverrides');
  const o = overrides?.[0];
  if (o?.Name !== substitutions.TaskContainerName) problems.push(`container ${o?.Name}`);
  if (JSON.stringify(o?.Command) !== JSON.stringify(command)) problems.push(`Command ${JSON.stringify(o?.Command)}`);
  if (o?.Environment?.length !== 1 || o.Environment[0].Name !== 'TOQ_MEDIA_TASK_INPUT' || typeof o.Environment[0].Value !== 'string') problems.push('Environment');
  if (problems.length > 0) throw new Error(`${state}: RunTask parameters: ${problems.join(', ')}`);
  return o;
}

// The rule that keeps incident 003 out: a processing task's input names no output key. The only
// string under an out/ prefix it may hold is outputPrefix itself (where it writes).
export function outputKeysIn(value: unknown, path = '$'): string[] {
  if (typeof value === 'string') return value.includes('/out/') ? [`${path}=${value}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => outputKeysIn(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (k === 'outputPrefix' && path === '$' ? [] : outputKeysIn(v, `${path}.${k}`)));
  }
  return [];
}

function assertRawOnly(input: unknown) {
  const found = outputKeysIn(input);
  if (found.length > 0) throw new Error(`a processing task was given output keys as input: ${found.join(', ')}`);
}

export function truncateUtf8(text: string, maxBytes: number): string {
  if (utf8Bytes(text) <= maxBytes) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const n = utf8Bytes(ch);
    if (bytes + n > maxBytes - 3) break;
    out += ch;
    bytes += n;
  }
  return `${out}...`;
}

// The offline rehearsal of the AWS path (docs/aws-pipeline.md, "Running the state machine
// offline"; README "How to try production locally"): one HTTP endpoint that answers
//   - Step Functions' JSON protocol (X-Amz-Target AWSStepFunctions.StartExecution /
//     DescribeExecution), running executions of the repository's ASL (step-functions.ts);
//   - SQS's JSON protocol for the start queue (AmazonSQS.SendMessage / GetQueueAttributes), with an
//     event source mapping that invokes the starter function with ReportBatchItemFailures and moves
//     a message to the dead-letter queue after maxReceiveCount receives;
//   - /_rehearsal/* for tests: the journal of starts and executions, and faults to inject into the
//     next StartExecution calls (throttling, a 500, a request held before or after the execution
//     is created, an accepted start without an execution), the way a test kills the relay at a
//     chosen step or loses an execution.
// Requests to the AWS APIs must be SigV4-signed with the configured key (sigv4.ts).
//
// Started by scripts/services.sh (service "aws"), configured by environment variables:
//   REHEARSAL_DIR            state: port, executions.jsonl, starts.jsonl, lambda.log
//   REHEARSAL_PORT           0 = any free port (written to $REHEARSAL_DIR/port)
//   TOQ_MEDIA_BINARY         the toq-media executable the functions and tasks run
//   REHEARSAL_TASK_ENV       file of KEY=VALUE lines: the functions' and tasks' environment
//   REHEARSAL_STATE_MACHINE_ARN, REHEARSAL_ACCESS_KEY_ID, REHEARSAL_SECRET_ACCESS_KEY
//   REHEARSAL_FAST_RETRIES   1: Retry intervals 0 (tests)
//   REHEARSAL_CONCURRENCY    execution environments per function (default 2)
//   REHEARSAL_LAMBDA_TIMEOUT seconds (default 900, Lambda's maximum)
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { EcsRunner } from './ecs-runner';
import { LambdaFunction } from './lambda-service';
import { verifySigV4 } from './sigv4';
import { ApiError, StepFunctions, journalPath } from './step-functions';
import { SqsQueue } from './sqs-queue';

const env = process.env;
const dir = env.REHEARSAL_DIR ?? '.';
const binary = env.TOQ_MEDIA_BINARY ?? '';
if (!binary || !fs.existsSync(binary)) {
  console.error(`rehearsal: TOQ_MEDIA_BINARY '${binary}' is not a file (build toq-media first)`);
  process.exit(1);
}
const stateMachineArn = env.REHEARSAL_STATE_MACHINE_ARN ?? 'arn:aws:states:us-east-1:123456789012:stateMachine:toq-media-batch';
const [, , , region, account] = stateMachineArn.split(':');
const secrets: Record<string, string> = { [env.REHEARSAL_ACCESS_KEY_ID ?? 'S3RVER']: env.REHEARSAL_SECRET_ACCESS_KEY ?? 'S3RVER' };
const taskEnv: Record<string, string> = { PATH: env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', AWS_REGION: region };
if (env.REHEARSAL_TASK_ENV) {
  for (const line of fs.readFileSync(env.REHEARSAL_TASK_ENV, 'utf8').split('\n')) {
    const m = /^(?:export )?([A-Z0-9_]+)='?(.*?)'?$/.exec(line.trim());
    if (m) taskEnv[m[1]] = m[2];
  }
}
const lambdaLog = path.join(dir, 'lambda.log');
const concurrency = Number(env.REHEARSAL_CONCURRENCY ?? 2);
const timeoutSeconds = Number(env.REHEARSAL_LAMBDA_TIMEOUT ?? 900);
const functionArn = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
const makeFunction = (task: string) => new LambdaFunction({
  name: `toq-media-${task}`, arn: functionArn(`toq-media-${task}`), task, binary, env: taskEnv,
  timeoutSeconds, concurrency, logFile: lambdaLog,
});
const functions = { asset: makeFunction('asset'), archive: makeFunction('archive'), report: makeFunction('report') };
const starter = makeFunction('starter');
const substitutions: Record<string, string> = {
  AssetFunctionArn: functions.asset.config.arn,
  ArchiveFunctionArn: functions.archive.config.arn,
  ReportFunctionArn: functions.report.config.arn,
  ClusterArn: `arn:aws:ecs:${region}:${account}:cluster/toq-media`,
  AssetTaskDefinitionArn: `arn:aws:ecs:${region}:${account}:task-definition/toq-media-asset:1`,
  ArchiveTaskDefinitionArn: `arn:aws:ecs:${region}:${account}:task-definition/toq-media-archive:1`,
  TaskContainerName: 'toq-media',
  TaskSubnetIds: 'subnet-rehearsal-a,subnet-rehearsal-b',
  TaskSecurityGroupId: 'sg-rehearsal',
};
const ecs = new EcsRunner({ binary, env: taskEnv, clusterArn: substitutions.ClusterArn, containerName: 'toq-media', logFile: lambdaLog });
const log = (line: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...line })}\n`);
const machine = new StepFunctions({
  stateMachineArn, substitutions, functions, ecs, fastRetries: env.REHEARSAL_FAST_RETRIES === '1',
  journal: journalPath(dir), onLog: log,
});

// ---- faults for the next StartExecution calls (tests) ----
// vanish: the start is answered as accepted but no execution exists (DescribeExecution then says
// ExecutionDoesNotExist): serve's overdue check has to fail the job.
type Fault = 'throttle' | 'error500' | 'hold-before' | 'hold-after' | 'vanish';
const faults: Fault[] = [];
const held = new Set<http.ServerResponse>();
const startsJournal = path.join(dir, 'starts.jsonl');
const noteStart = (name: unknown, input: unknown, outcome: string) =>
  fs.appendFileSync(startsJournal, `${JSON.stringify({
    at: new Date().toISOString(), name, outcome,
    inputSha256: createHash('sha256').update(typeof input === 'string' ? input : '').digest('hex'),
  })}\n`);

const queue = new SqsQueue({
  url: '', arn: `arn:aws:sqs:${region}:${account}:toq-media-start`, maxReceiveCount: Number(env.REHEARSAL_MAX_RECEIVE ?? 3),
  visibilitySeconds: Number(env.REHEARSAL_VISIBILITY_SECONDS ?? 2), starter, log,
});

function send(res: http.ServerResponse, status: number, body: unknown, version = '1.0') {
  res.writeHead(status, { 'Content-Type': `application/x-amz-json-${version}`, 'x-amzn-RequestId': createHash('md5').update(String(Math.random())).digest('hex') });
  res.end(JSON.stringify(body));
}

function awsError(res: http.ServerResponse, e: unknown) {
  if (e instanceof ApiError) {
    res.setHeader('x-amzn-ErrorType', e.type);
    send(res, e.status, { __type: `com.amazonaws.states#${e.type}`, message: e.message });
  } else {
    send(res, 500, { __type: 'InternalFailure', message: String((e as Error)?.message ?? e) });
  }
}

async function stepFunctionsCall(op: string, request: any, res: http.ServerResponse) {
  if (op === 'StartExecution') {
    const fault = faults.shift();
    if (fault === 'throttle') {
      noteStart(request?.name, request?.input, 'throttled');
      throw new ApiError('ThrottlingException', 'Rate exceeded');
    }
    if (fault === 'error500') {
      noteStart(request?.name, request?.input, 'error500');
      throw new ApiError('InternalFailure', 'the rehearsal answered 500', 500);
    }
    if (fault === 'hold-before') {
      noteStart(request?.name, request?.input, 'held-before');
      held.add(res);
      res.on('close', () => held.delete(res));
      return;  // never answered: the relay dies or times out waiting
    }
    if (fault === 'vanish') {
      noteStart(request?.name, request?.input, 'vanished');
      send(res, 200, {
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${request?.name}`,
        startDate: Date.now() / 1000,
      });
      return;
    }
    let answer: unknown;
    let outcome = 'started';
    try {
      const before = machine.executions.get(request?.name);
      answer = machine.startExecution(request);
      if (before) outcome = 'idempotent';
    } catch (e) {
      noteStart(request?.name, request?.input, e instanceof ApiError ? e.type : 'error');
      throw e;
    }
    if (fault === 'hold-after') {
      noteStart(request?.name, request?.input, `${outcome}+held-after`);
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    noteStart(request?.name, request?.input, outcome);
    send(res, 200, answer);
    return;
  }
  if (op === 'DescribeExecution') {
    send(res, 200, machine.describeExecution(request));
    return;
  }
  throw new ApiError('UnknownOperationException', `the rehearsal does not answer ${op}`);
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const url = req.url ?? '/';
    try {
      if (url.startsWith('/_rehearsal/')) {
        if (req.method === 'GET' && url === '/_rehearsal/state') {
          send(res, 200, {
            executions: [...machine.executions.values()], faults: faults.length, holding: held.size,
            lambda: Object.fromEntries(([...Object.entries(functions), ['starter', starter]] as Array<[string, LambdaFunction]>)
              .map(([k, f]) => [k, { invocations: f.invocations.length, busy: f.environmentsBusy() }])),
            ecs: ecs.runs.length, dlq: queue.deadLetters(), queued: queue.size(),
          });
        } else if (req.method === 'POST' && url === '/_rehearsal/faults') {
          const wanted = JSON.parse(body.toString('utf8') || '{}');
          for (const f of wanted.startExecution ?? []) faults.push(f);
          send(res, 200, { faults: faults.length });
        } else if (req.method === 'POST' && url === '/_rehearsal/release') {
          for (const r of held) r.destroy();
          held.clear();
          send(res, 200, { released: true });
        } else if (req.method === 'POST' && url === '/_rehearsal/idle') {
          await machine.idle();
          send(res, 200, { idle: true });
        } else {
          send(res, 404, { message: 'unknown rehearsal route' });
        }
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const [prefix, op] = target.split('.');
      const service = prefix === 'AmazonSQS' ? 'sqs' : 'states';
      const check = verifySigV4(req.method ?? 'POST', url, req.headers, body, service, secrets);
      if (!check.ok) {
        const type = check.reason === 'SignatureDoesNotMatch' ? 'InvalidSignatureException' : 'UnrecognizedClientException';
        res.setHeader('x-amzn-ErrorType', type);
        send(res, 400, { __type: type, message: `SigV4: ${check.reason}` });
        return;
      }
      const request = JSON.parse(body.toString('utf8') || '{}');
      if (prefix === 'AWSStepFunctions') {
        if (req.headers['content-type'] !== 'application/x-amz-json-1.0') throw new ApiError('ValidationException', 'Content-Type must be application/x-amz-json-1.0');
        await stepFunctionsCall(op, request, res);
      } else if (prefix === 'AmazonSQS') {
        send(res, 200, queue.call(op, request));
      } else {
        throw new ApiError('UnknownOperationException', `X-Amz-Target '${target}' is not a service the rehearsal answers`);
      }
    } catch (e) {
      awsError(res, e);
    }
  });
});

server.listen(Number(env.REHEARSAL_PORT ?? 0), '127.0.0.1', () => {
  const port = (server.address() as AddressInfo).port;
  queue.setUrl(`http://127.0.0.1:${port}/${account}/toq-media-start`);
  queue.startPolling();
  fs.writeFileSync(path.join(dir, 'port'), `${port}\n`);
  log({ msg: 'rehearsal listening', port, stateMachineArn, queueUrl: queue.url, deadLetterQueueUrl: queue.deadLetterUrl });
});

async function shutdown() {
  queue.stop();
  server.close();
  await Promise.all([...Object.values(functions), starter].map((f) => f.close()));
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

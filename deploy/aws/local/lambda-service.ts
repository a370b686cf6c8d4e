// Lambda, as far as the rehearsal needs it: functions whose execution environments run the real
// `toq-media lambda <task>` as a custom runtime, each behind a Lambda Runtime API server written
// to the documented protocol (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html,
// version 2018-06-01):
//   GET  /2018-06-01/runtime/invocation/next            held until an invocation is assigned; the
//        event is the body, with Lambda-Runtime-Aws-Request-Id, -Deadline-Ms, -Invoked-Function-Arn
//        and -Trace-Id headers
//   POST /2018-06-01/runtime/invocation/{id}/response  202; the invocation succeeds with the body
//   POST /2018-06-01/runtime/invocation/{id}/error     202; it fails with the body's errorType
//   POST /2018-06-01/runtime/init/error                202; the environment failed to start
// An unknown request id answers 400 (InvalidRequestID), a response over 6 MB 413, as Lambda does.
//
// Like Lambda, an environment runs one invocation at a time and is reused; a function runs at most
// `concurrency` environments and queues the rest. An environment is discarded when its process
// exits (the invocation in flight fails with Lambda.Unknown, "Runtime exited"), when it passes its
// deadline (killed; the invocation fails with Sandbox.Timedout) or when its init fails (every
// invocation waiting on it fails with the init error's type). The next invocation starts a new one.
//
// What the caller (Step Functions' lambda:invoke integration) sees: the result, or an Error whose
// `name` is the errorType and whose `message` is the JSON of the error payload
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const kMaxResponseBytes = 6 * 1024 * 1024;

export interface FunctionConfig {
  name: string;             // toq-media-asset
  arn: string;              // arn:aws:lambda:...:function:toq-media-asset
  task: string;             // asset | archive | report | starter
  binary: string;           // the toq-media executable
  env: Record<string, string>;
  timeoutSeconds: number;   // the function's timeout: each invocation's deadline
  concurrency: number;      // environments at most
  logFile?: string;         // the processes' stderr (JSON lines), appended
}

export interface InvokeOptions {
  deadlineMs?: number;  // absolute epoch ms; default now + timeoutSeconds
  traceId?: string;     // Lambda-Runtime-Trace-Id; default a new X-Ray trace header
}

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  payload: unknown;
  traceId: string;
  deadlineMs: number;
  outcome?: { result?: unknown; errorType?: string; errorBody?: unknown };
  environment: number;
  pid?: number;
}

export function lambdaError(errorType: string, payload: Record<string, unknown>): Error {
  const e = new Error(JSON.stringify({ errorType, ...payload, trace: [] }));
  e.name = errorType;
  return e;
}

export function xrayTraceId(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=1`;
}

interface Pending {
  record: InvocationRecord;
  body: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  delivered: boolean;
  timer?: NodeJS.Timeout;
}

let environmentCounter = 0;

class Environment {
  readonly id = ++environmentCounter;
  private server: http.Server;
  private proc?: ChildProcess;
  private held?: http.ServerResponse;  // a /next waiting for work
  current?: Pending;
  initError?: { errorType: string; body: unknown };
  dead = false;
  ready: Promise<void>;

  constructor(private readonly fn: FunctionConfig, private readonly onDead: (env: Environment) => void,
    private readonly onIdle: () => void) {
    this.server = http.createServer((req, res) => this.route(req, res));
    this.ready = new Promise((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  async start(): Promise<void> {
    await this.ready;
    const port = (this.server.address() as AddressInfo).port;
    const log = this.fn.logFile ? fs.openSync(this.fn.logFile, 'a') : 'ignore';
    this.proc = spawn(this.fn.binary, ['lambda', this.fn.task], {
      env: {
        ...this.fn.env,
        AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`,
        AWS_LAMBDA_FUNCTION_NAME: this.fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '2048',
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      },
      stdio: ['ignore', log, log],
    });
    if (typeof log === 'number') fs.closeSync(log);
    this.proc.on('exit', (code, signal) => this.exited(code, signal));
  }

  assign(p: Pending): void {
    this.current = p;
    p.record.environment = this.id;
    p.record.pid = this.pid;
    const remaining = p.record.deadlineMs - Date.now();
    p.timer = setTimeout(() => this.timedOut(), Math.max(0, remaining));
    if (this.held) this.deliver();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.proc?.kill(signal);
  }

  async close(): Promise<void> {
    this.dead = true;
    this.held?.destroy();
    this.kill('SIGKILL');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private deliver(): void {
    const res = this.held!;
    const p = this.current!;
    this.held = undefined;
    p.delivered = true;
    p.record.pid = this.pid;  // the process is spawned by now (assign() may run before it is)
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': p.record.requestId,
      'Lambda-Runtime-Deadline-Ms': String(p.record.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': this.fn.arn,
      'Lambda-Runtime-Trace-Id': p.record.traceId,
    });
    res.end(p.body);
  }

  private finish(outcome: { result?: unknown; error?: Error }): void {
    const p = this.current;
    if (!p) return;
    this.current = undefined;
    clearTimeout(p.timer);
    if (outcome.error) p.reject(outcome.error);
    else p.resolve(outcome.result);
    if (!this.dead) this.onIdle();
  }

  private timedOut(): void {
    const p = this.current;
    if (!p) return;
    const seconds = ((p.record.deadlineMs - Date.now()) / 1000 + this.fn.timeoutSeconds).toFixed(2);
    p.record.outcome = { errorType: 'Sandbox.Timedout' };
    this.finish({ error: lambdaError('Sandbox.Timedout', { errorMessage: `Task timed out after ${seconds} seconds` }) });
    this.dead = true;
    this.kill('SIGKILL');
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
    if (this.current) {
      const p = this.current;
      if (this.initError) {
        p.record.outcome = { errorType: this.initError.errorType, errorBody: this.initError.body };
        const e = new Error(JSON.stringify(this.initError.body));
        e.name = this.initError.errorType;
        this.finish({ error: e });
      } else {
        p.record.outcome = { errorType: 'Lambda.Unknown' };
        this.finish({
          error: lambdaError('Lambda.Unknown', {
            errorMessage: `RequestId: ${p.record.requestId} Error: Runtime exited with error: ${how}`,
          }),
        });
      }
    }
    this.dead = true;
    this.held?.destroy();
    this.server.close();
    this.onDead(this);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= kMaxResponseBytes) chunks.push(c);
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = req.url ?? '';
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'GET' && url === '/2018-06-01/runtime/invocation/next') {
        if (this.held) this.held.destroy();
        this.held = res;
        if (this.current && !this.current.delivered) this.deliver();
        return;
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (req.method === 'POST' && m) {
        const p = this.current;
        if (!p || p.record.requestId !== decodeURIComponent(m[1])) {
          answer(400, { errorMessage: 'Invalid request ID', errorType: 'InvalidRequestID' });
          return;
        }
        if (size > kMaxResponseBytes) {
          answer(413, { errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).', errorType: 'RequestEntityTooLarge' });
          return;
        }
        answer(202, { status: 'OK' });
        if (m[2] === 'response') {
          let result: unknown;
          try {
            result = body.length === 0 ? null : JSON.parse(body);
          } catch {
            result = body;
          }
          p.record.outcome = { result };
          this.finish({ result });
        } else {
          let parsed: any;
          try {
            parsed = JSON.parse(body);
          } catch {
            parsed = { errorMessage: body, errorType: 'Runtime.Unknown' };
          }
          const type = req.headers['lambda-runtime-function-error-type'] as string | undefined ?? parsed?.errorType ?? 'Unhandled';
          p.record.outcome = { errorType: parsed?.errorType ?? type, errorBody: parsed };
          const e = new Error(JSON.stringify({ ...parsed, trace: [] }));
          e.name = parsed?.errorType ?? type;
          this.finish({ error: e });
        }
        return;
      }
      if (req.method === 'POST' && url === '/2018-06-01/runtime/init/error') {
        let parsed: any;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = { errorMessage: body, errorType: 'Runtime.InitError' };
        }
        this.initError = { errorType: parsed?.errorType ?? 'Runtime.InitError', body: parsed };
        answer(202, { status: 'OK' });
        return;
      }
      answer(404, { errorMessage: `no route ${req.method} ${url}`, errorType: 'NotFound' });
    });
  }
}

export class LambdaFunction {
  readonly invocations: InvocationRecord[] = [];
  private environments: Environment[] = [];
  private queue: Pending[] = [];
  private closed = false;

  constructor(readonly config: FunctionConfig) {}

  invoke(payload: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const record: InvocationRecord = {
      requestId: randomUUID(),
      functionName: this.config.name,
      payload,
      traceId: options.traceId ?? xrayTraceId(),
      deadlineMs: options.deadlineMs ?? Date.now() + this.config.timeoutSeconds * 1000,
      environment: 0,
    };
    this.invocations.push(record);
    return new Promise((resolve, reject) => {
      this.queue.push({ record, body: JSON.stringify(payload), resolve, reject, delivered: false });
      this.dispatch();
    });
  }

  // The live environments' processes (tests kill one mid-invocation).
  environmentsBusy(): Array<{ id: number; pid?: number; requestId: string }> {
    return this.environments.filter((e) => e.current && !e.dead)
      .map((e) => ({ id: e.id, pid: e.pid, requestId: e.current!.record.requestId }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue) p.reject(new Error('the rehearsal is stopping'));
    this.queue = [];
    await Promise.all(this.environments.map((e) => e.close()));
    this.environments = [];
  }

  // Synchronous, so that no two callers hand one environment two invocations.
  private dispatch(): void {
    while (!this.closed && this.queue.length > 0) {
      let env = this.environments.find((e) => !e.busy && !e.dead);
      if (!env) {
        if (this.environments.length >= this.config.concurrency) return;
        env = new Environment(this.config, (dead) => this.retire(dead), () => this.dispatch());
        this.environments.push(env);
        void env.start();
      }
      env.assign(this.queue.shift()!);
    }
  }

  private retire(env: Environment): void {
    this.environments = this.environments.filter((e) => e !== env);
    this.dispatch();
  }
}

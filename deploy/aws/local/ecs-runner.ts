// ECS / Fargate, as the state machine's ecs:runTask.sync integration uses it: the RunTask
// parameters' container override names the command (`task asset|archive`) and sets
// TOQ_MEDIA_TASK_INPUT; the rehearsal runs the real `toq-media task ...` as a child process with
// that variable. Exit status 0: the integration returns the stopped task description. Non-zero:
// it fails with States.TaskFailed and the stopped task as Cause
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-ecs.html).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';

export interface EcsConfig {
  binary: string;
  env: Record<string, string>;
  clusterArn: string;
  containerName: string;
  logFile?: string;
}

export interface TaskRun {
  command: string[];
  input: string;
  exitCode: number | null;
  signal: string | null;
  stdoutTail: string;
  stderrTail: string;
}

function tail(text: string, lines = 20): string {
  return text.split('\n').filter((l) => l.length > 0).slice(-lines).join('\n');
}

export class EcsRunner {
  readonly runs: TaskRun[] = [];

  constructor(private readonly config: EcsConfig) {}

  async runTask(params: any): Promise<unknown> {
    const override = params?.Overrides?.ContainerOverrides?.[0];
    const command: string[] = override?.Command ?? [];
    const input = (override?.Environment ?? []).find((e: any) => e.Name === 'TOQ_MEDIA_TASK_INPUT')?.Value;
    if (override?.Name !== this.config.containerName || command[0] !== 'task' || typeof input !== 'string') {
      const e = new Error(`RunTask parameters the rehearsal cannot run: ${JSON.stringify(params?.Overrides)}`);
      e.name = 'ECS.InvalidParameterException';
      throw e;
    }
    const run: TaskRun = { command, input, exitCode: null, signal: null, stdoutTail: '', stderrTail: '' };
    this.runs.push(run);
    const child = spawn(this.config.binary, command, {
      env: { ...this.config.env, TOQ_MEDIA_TASK_INPUT: input },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (this.config.logFile) fs.appendFileSync(this.config.logFile, d);
    });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])));
    run.exitCode = code;
    run.signal = signal;
    run.stdoutTail = tail(stdout);
    run.stderrTail = tail(stderr);
    const stopped = {
      Attachments: [], ClusterArn: this.config.clusterArn, LaunchType: 'FARGATE', LastStatus: 'STOPPED',
      StopCode: 'EssentialContainerExited', StoppedReason: 'Essential container in task exited',
      TaskDefinitionArn: params.TaskDefinition,
      Containers: [{ ExitCode: code ?? 137, LastStatus: 'STOPPED', Name: this.config.containerName, Reason: signal ?? undefined }],
    };
    if (code === 0) return stopped;
    const e = new Error(JSON.stringify(stopped));
    e.name = 'States.TaskFailed';
    throw e;
  }
}

// The repository's state machine, as the CDK app deploys it: the file's text with CloudFormation's
// DefinitionSubstitutions applied (each ${Name} replaced by its value; a placeholder without a value
// is an error, as it is for CloudFormation).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

import { deployDir } from './contract';

export const aslPath = path.join(deployDir, 'statemachine', 'media-batch.asl.json');
export const aslText = () => fs.readFileSync(aslPath, 'utf8');

export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))].sort();
}

export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`no substitution for \${${name}}`);
    return values[name];
  });
}

// Every state of the definition, nested Map processors included, with its path.
export function allStates(definition: any, prefix = ''): Array<{ name: string; path: string; state: any }> {
  const out: Array<{ name: string; path: string; state: any }> = [];
  for (const [name, state] of Object.entries<any>(definition.States)) {
    out.push({ name, path: `${prefix}${name}`, state });
    const nested = state.ItemProcessor ?? state.Iterator;
    if (nested) out.push(...allStates(nested, `${prefix}${name}/`));
    for (const [i, branch] of (state.Branches ?? []).entries()) out.push(...allStates(branch, `${prefix}${name}[${i}]/`));
  }
  return out;
}

export interface RunOutcome {
  output?: unknown;
  error?: Error;
  events: any[];
}

export async function runLocally(definition: object, input: unknown, handlers: Record<string, (i: any) => Promise<any>>): Promise<RunOutcome> {
  const machine = new StateMachine(definition as any, { validationOptions: { checkArn: true, checkPaths: true } });
  const retryStates = allStates(definition).filter((s) => s.state.Retry).map((s) => s.name);
  const execution = machine.run(input as any, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      retryIntervalOverrides: Object.fromEntries(retryStates.map((n) => [n, 0])),
    },
  });
  const events: any[] = [];
  const collect = (async () => {
    for await (const e of execution.eventLogs) events.push(e);
  })();
  let output: unknown;
  let error: Error | undefined;
  try {
    output = await execution.result;
  } catch (e) {
    error = e as Error;
  }
  await collect;
  return { output, error, events };
}

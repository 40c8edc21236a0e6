import { isSecretField, scrubSecrets, secretsOf, type JsonSchema } from '@volback/core';
import type { CliIo } from './io.js';

/** Secrets learnt while a command ran (a target's, by its driver's schema), per run of `main`. */
const learnt = new WeakMap<CliIo, Set<string>>();

/** Environment values shorter than this are not taken for secrets: `KEY=1` would scrub every 1. */
const MIN_ENV_SECRET_LENGTH = 8;

/** Records the secrets of a target once its driver (and so its config schema) is known. */
export function learnTargetSecrets(io: CliIo, target: string, schema: JsonSchema): void {
  const known = learnt.get(io) ?? new Set<string>();
  for (const s of secretsOf(target, schema)) known.add(s);
  learnt.set(io, known);
}

/**
 * Every secret value this run may hold: in the arguments (targets with credentials, by name),
 * in `VOLBACK_STORE`, in environment variables named like a secret (`AWS_SECRET_ACCESS_KEY`),
 * and those learnt from a driver's schema. The CLI scrubs them out of whatever it reports.
 */
export function knownSecrets(io: CliIo, argv: readonly string[]): string[] {
  const found = new Set<string>(learnt.get(io) ?? []);
  const targets = [...argv.map((a) => a.replace(/^--?[\w-]+=/, '')), io.env.VOLBACK_STORE ?? ''];
  for (const t of targets) for (const s of secretsOf(t)) found.add(s);
  for (const [name, value] of Object.entries(io.env)) {
    if (value !== undefined && value.length >= MIN_ENV_SECRET_LENGTH && isSecretField(name)) found.add(value);
  }
  return [...found];
}

/**
 * `io` with everything written to stdout and stderr scrubbed of {@link knownSecrets}: the last
 * line of defence, for errors and for whatever else quotes a target or a config (a conformance
 * run's notes, a driver's message) that its author did not redact.
 */
export function scrubbingIo(io: CliIo, argv: readonly string[]): CliIo {
  const scrubbed: CliIo = {
    env: io.env,
    stdout: {
      write: (text: string) => io.stdout.write(scrubSecrets(text, knownSecrets(scrubbed, argv))),
      isTTY: io.stdout.isTTY,
      ...(io.stdout.columns ? { columns: io.stdout.columns } : {}),
    },
    stderr: {
      write: (text: string) => io.stderr.write(scrubSecrets(text, knownSecrets(scrubbed, argv))),
      isTTY: io.stderr.isTTY,
      columns: io.stderr.columns,
    },
  };
  return scrubbed;
}

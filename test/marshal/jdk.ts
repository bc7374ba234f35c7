// A JDK for the Java serialization interop tests: whether one is installed, and javac with a cache, so
// a run compiles a test program only when its source changed (the classes live in the system temp
// folder under a name derived from the source; a half-written folder is never used).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const hasJdk = spawnSync('sh', ['-c', 'command -v javac && command -v java']).status === 0;
export const NO_JDK = 'no JDK (Debian: default-jdk-headless): Java serialization interop not checked';

/** Compiles the Java files `sources` (file name → text) and returns the class folder; throws with javac's message on failure. */
export function compileJava(sources: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const [name, text] of Object.entries(sources).sort()) hash.update(`${name}\0${text}\0`);
  const dir = join(tmpdir(), `courier-javac-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), 'courier-javac-tmp-'));
  const files = Object.entries(sources).map(([name, text]) => {
    writeFileSync(join(work, name), text);
    return join(work, name);
  });
  const r = spawnSync('javac', ['-d', work, ...files], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(work, { recursive: true, force: true });
    throw new Error(`javac failed: ${r.stderr}`);
  }
  try {
    renameSync(work, dir);
  } catch (err) {
    // Another test process compiled the same source first: use its folder.
    rmSync(work, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}

/** Runs `java -cp classes main args…` and returns its stdout; throws with stderr when it fails. */
export function runJava(classes: string, main: string, ...args: string[]): string {
  const r = spawnSync('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', classes, main, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`java ${main} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

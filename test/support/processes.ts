import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (the cwd of every spawned service, as with `npm start`). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type Entry = 'all-in-one' | 'api' | 'worker';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Generous bounds: a cold `node --import tsx` start takes a few seconds, more on a busy 2-core box. */
const LINE_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 15_000;

/** Every process started by this module and not yet exited (killed by `killAll`, and on exit). */
const running = new Set<ServiceProcess>();
process.once('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/**
 * A service started as a real OS process: `node --import tsx src/main/<entry>.ts` in the repo
 * root, with its stdout and stderr captured line by line.
 */
export class ServiceProcess {
  readonly child: ChildProcess;
  /** Every output line so far, stdout and stderr interleaved in arrival order. */
  readonly lines: string[] = [];
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  /** Resolves once the process exited and its output streams closed. */
  readonly exited: Promise<Exit>;
  exit: Exit | null = null;
  private waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    entry: Entry,
    env: Record<string, string | undefined>,
  ) {
    const childEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      // The child is a service, not a test worker: drop what vitest put into our environment.
      if (v === undefined || k.startsWith('VITEST') || k === 'NODE_ENV') continue;
      childEnv[k] = v;
    }
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete childEnv[k];
      else childEnv[k] = v;
    }
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main', `${entry}.ts`)], {
      cwd: repoRoot,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    const capture = (stream: NodeJS.ReadableStream, into: string[]) => {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        into.push(line);
        this.lines.push(line);
        if (process.env.NODELESS_TEST_ECHO === '1') process.stderr.write(`[${this.name}] ${line}\n`);
        this.notify();
      });
    };
    capture(this.child.stdout!, this.stdout);
    capture(this.child.stderr!, this.stderr);
    this.exited = new Promise<Exit>((resolve) => {
      // 'close' fires after 'exit' and after the stdio streams ended: every line is captured.
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
      this.child.once('error', (err) => {
        this.lines.push(`spawn error: ${err.message}`);
        this.exit = { code: null, signal: null };
        running.delete(this);
        this.notify();
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private notify() {
    for (const w of [...this.waiters]) w();
  }

  /** The last output lines, for failure messages. */
  tail(n = 30): string {
    return this.lines.slice(-n).map((l) => `  [${this.name}] ${l}`).join('\n');
  }

  /**
   * Resolves with the match of the first output line (from index `from` on, default: any line so
   * far) matching `re`; rejects when the process exits first or after `timeoutMs`.
   */
  waitForLine(re: RegExp, opts: { from?: number; timeoutMs?: number } = {}): Promise<RegExpMatchArray> {
    let next = opts.from ?? 0;
    const timeoutMs = opts.timeoutMs ?? LINE_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (; next < this.lines.length; next++) {
          const m = this.lines[next].match(re);
          if (m) {
            resolve(m);
            return true;
          }
        }
        if (this.exit) {
          reject(new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before printing ${re}; output:\n${this.tail()}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = () => {
        if (check()) done();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${this.name} to print ${re}; output:\n${this.tail()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
    });
  }

  /** SIGTERM, then waits for the exit (SIGKILL if it has not exited after `timeoutMs`). */
  async stop(timeoutMs = STOP_TIMEOUT_MS): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const forced = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.lines.push(`(test: no exit ${timeoutMs} ms after SIGTERM, sending SIGKILL)`);
        this.child.kill('SIGKILL');
        resolve();
      }, timeoutMs);
    });
    await Promise.race([this.exited, forced]);
    clearTimeout(timer);
    return this.exited;
  }

  /** SIGKILL: a crash, no shutdown code runs. */
  async kill(): Promise<Exit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** Spawns `src/main/<entry>.ts`. `env` overrides the inherited environment; `undefined` removes a variable. */
export function startService(entry: Entry, env: Record<string, string | undefined>, name: string = entry): ServiceProcess {
  return new ServiceProcess(name, entry, env);
}

/** SIGKILLs every process this module started that is still running, and waits for them. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

/** A TCP port that was free a moment ago (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

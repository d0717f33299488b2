/**
 * A server under test as a child process on loopback: started, its port read from its
 * log, its resident memory read from /proc, stopped with SIGTERM (SIGKILL if it hangs).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly wsUrl: string;
  readonly log: () => string;
  /** VmRSS of the process, bytes; undefined where /proc is not available. */
  rssBytes(): number | undefined;
  /** Its proportional set size, bytes: a page mapped several times counts once (readPssBytes). */
  pssBytes(): number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  command: string;
  args: string[];
  cwd: string;
  /** Matches the log line that says the server listens; group 1 is the port. */
  readyPattern: RegExp;
  startTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export function readRssBytes(pid: number | undefined): number | undefined {
  return readProcKib(pid, 'status', 'VmRSS');
}

/**
 * Pss of /proc/PID/smaps_rollup. RSS counts a file page once for every mapping of it, so
 * sessions that map one weights file each (runtime/shared-weights.ts) count its pages once
 * per session, though the kernel keeps one copy; PSS counts what the process holds once,
 * and splits pages shared with other processes among them.
 */
export function readPssBytes(pid: number | undefined): number | undefined {
  return readProcKib(pid, 'smaps_rollup', 'Pss');
}

/** A `Field:   N kB` line of /proc/PID/<file>, in bytes; undefined where /proc cannot tell. */
function readProcKib(pid: number | undefined, file: string, field: string): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = readFileSync(`/proc/${pid}/${file}`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function startServer(options: StartOptions): Promise<ServerProcess> {
  const child = spawn(options.command, options.args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within ${options.startTimeoutMs} ms:\n${output.slice(-2000)}`)), options.startTimeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-100_000);
      const match = output.match(options.readyPattern);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      // Keep draining the pipes so a chatty server never blocks on a full one.
      child.stdout!.on('data', (c: Buffer) => { output += c.toString().slice(0, 10_000); });
      child.stderr!.on('data', (c: Buffer) => { output += c.toString().slice(0, 10_000); });
      const port = Number(match[1]);
      resolve({
        child,
        port,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        log: () => output,
        rssBytes: () => readRssBytes(child.pid),
        pssBytes: () => readPssBytes(child.pid),
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`server exited (${code ?? signal}) before it was ready:\n${output.slice(-2000)}`)));
  });
}

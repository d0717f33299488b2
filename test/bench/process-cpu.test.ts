/**
 * Reading another process's CPU time from /proc: a real child that burns a known amount
 * of CPU, a pid that is not there, and stat lines whose thread name holds ") (".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStatCpuUs, readProcessCpu } from '../../src/bench/process-cpu.js';

/** Above Linux's largest pid_max (2^22), so never a live process. */
const NO_SUCH_PID = 2 ** 22 + 1;

/** Spins on its main thread until it has used SPIN_CPU_US of CPU, says so, then idles. */
const SPIN_CPU_US = 400_000;
const SPINNER = `
  const used = () => { const u = process.cpuUsage(); return u.user + u.system; };
  const until = used() + ${SPIN_CPU_US};
  while (used() < until) {}
  process.stdout.write('spun\\n');
  setInterval(() => {}, 1000);
`;

describe('parseStatCpuUs', () => {
  it('adds utime and stime (fields 14, 15) in 10 ms ticks, counting fields after the last ")"', () => {
    const rest = 'S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 50 7 9 20 0 3 0 100 1000000 500';
    expect(parseStatCpuUs(`4242 (node) ${rest}`)).toBe(3_000_000);
    expect(parseStatCpuUs(`4242 (a) (b c) ${rest}`)).toBe(3_000_000);
    expect(parseStatCpuUs(`4242 ()) ) ${rest}\n`)).toBe(3_000_000);
  });

  it('gives undefined for what is not a stat line', () => {
    expect(parseStatCpuUs('')).toBeUndefined();
    expect(parseStatCpuUs('4242 node S 1 2 3')).toBeUndefined();
    expect(parseStatCpuUs('4242 (node) S 1 2 3')).toBeUndefined();
  });
});

describe('readProcessCpu', () => {
  let child: ChildProcess | undefined;

  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it('gives undefined for a pid that does not exist, and for nonsense pids', () => {
    expect(readProcessCpu(NO_SUCH_PID)).toBeUndefined();
    expect(readProcessCpu(0)).toBeUndefined();
    expect(readProcessCpu(-1)).toBeUndefined();
    expect(readProcessCpu(1.5)).toBeUndefined();
  });

  it.skipIf(process.platform !== 'linux')('sees a child spend its CPU time, on its main thread', async () => {
    child = spawn(process.execPath, ['-e', SPINNER], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child, 'spawn');
    const before = readProcessCpu(child.pid!);
    expect(before).toBeDefined();
    await new Promise<void>((resolve, reject) => {
      child!.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('spun')) resolve(); });
      child!.once('exit', (code) => reject(new Error(`spinner exited with ${code}`)));
    });
    const after = readProcessCpu(child.pid!)!;
    expect(after.processUs - before!.processUs).toBeGreaterThanOrEqual(200_000);
    expect(after.mainThreadUs - before!.mainThreadUs).toBeGreaterThanOrEqual(200_000);
    expect(after.mainThreadUs).toBeLessThanOrEqual(after.processUs);

    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(readProcessCpu(child.pid!)).toBeUndefined();
  });
});

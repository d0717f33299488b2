/**
 * Reading another process's CPU time from /proc: a real child that burns a known amount
 * of CPU, a pid that is not there, and stat lines whose thread name holds ") (".
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { busiestThreadsUs, parseStatCpuUs, processCpuSince, readProcessCpu } from '../../src/bench/process-cpu.js';

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

/**
 * The same spin on a worker thread while the main thread waits; the worker counts its own
 * thread's time (process.cpuUsage would include the process starting up).
 */
const WORKER_SPIN = `
  const { readFileSync } = require('node:fs');
  const own = () => { const f = readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10000; };
  const until = own() + ${SPIN_CPU_US};
  while (own() < until) {}
  process.stdout.write('spun\\n');
`;
const WORKER_SPINNER = `
  const { Worker } = require('node:worker_threads');
  const w = new Worker(${JSON.stringify(WORKER_SPIN)}, { eval: true, stdout: true });
  w.stdout.on('data', (d) => process.stdout.write(d));
  setInterval(() => {}, 1000);
`;

async function spun(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('spun')) resolve(); });
    child.once('exit', (code) => reject(new Error(`spinner exited with ${code}`)));
  });
}

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

  it.skipIf(process.platform !== 'linux')('tells a busy worker thread from an idle main thread', async () => {
    child = spawn(process.execPath, ['-e', WORKER_SPINNER], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child, 'spawn');
    const before = readProcessCpu(child.pid!);
    await spun(child);
    const used = processCpuSince(before, readProcessCpu(child.pid!))!;
    const busiest = busiestThreadsUs(used);
    // The worker thread leads (it started after the first reading, so it counts from zero).
    expect(busiest[0]).toBeGreaterThanOrEqual(SPIN_CPU_US * 0.9);
    expect(used.mainThreadUs).toBeLessThan(busiest[0]!);
    expect(busiest).toEqual([...busiest].sort((a, b) => b - a));
    expect(busiest.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(used.processUs + 20_000);
  });
});

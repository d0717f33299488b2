/**
 * CPU time of another process on this machine, read from Linux's /proc: the whole process
 * (all its threads) and its main thread alone — for wsinfer, the thread that serves the
 * sockets, so the two together say whether the event loop or the workers are the limit.
 */
import { readFileSync, readdirSync } from 'node:fs';

/**
 * /proc reports CPU time in clock ticks of USER_HZ, which the kernel fixes at 100 for
 * user space on every architecture (sysconf(_SC_CLK_TCK)); Node has no sysconf to ask.
 */
const USER_HZ = 100;
const US_PER_TICK = 1_000_000 / USER_HZ;

/** utime and stime are fields 14 and 15 of stat; the 3rd (state) is the first after comm. */
const UTIME_INDEX_AFTER_COMM = 14 - 3;
const STIME_INDEX_AFTER_COMM = 15 - 3;

export interface ProcessCpu {
  /** User + system time of every thread of the process, dead ones included. */
  processUs: number;
  /** User + system time of the main thread (the one whose id is the pid). */
  mainThreadUs: number;
  /** User + system time of each live thread, by thread id: which threads took the cores. */
  threadsUs: Map<number, number>;
}

/**
 * utime + stime, in microseconds, from one line of /proc/<pid>/stat or
 * /proc/<pid>/task/<tid>/stat; undefined when the line is not one. The comm field (2nd)
 * is the thread's name in parentheses and may itself hold spaces and ')', so the fields
 * are counted from the last ')'.
 */
export function parseStatCpuUs(line: string): number | undefined {
  const commEnd = line.lastIndexOf(')');
  if (commEnd < 0) return undefined;
  const fields = line.slice(commEnd + 1).trim().split(/\s+/);
  const utime = Number(fields[UTIME_INDEX_AFTER_COMM]);
  const stime = Number(fields[STIME_INDEX_AFTER_COMM]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime) || utime < 0 || stime < 0) return undefined;
  return (utime + stime) * US_PER_TICK;
}

function readStatCpuUs(path: string): number | undefined {
  try {
    return parseStatCpuUs(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The process's CPU time so far, or undefined where there is no /proc (macOS) or no such
 * process (gone, or never was). Synchronous because a measurement window starts and ends
 * synchronously; reading these small files takes microseconds.
 */
export function readProcessCpu(pid: number): ProcessCpu | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  // The threads first: the process total read after them then holds at least their time.
  const threadsUs = readThreadsUs(pid);
  const mainThreadUs = threadsUs.get(pid);
  const processUs = readStatCpuUs(`/proc/${pid}/stat`);
  if (processUs === undefined || mainThreadUs === undefined) return undefined;
  // The kernel scales each thread's and the process's utime/stime from its own runtime
  // separately, so the two can disagree by a tick (450 against 440 ms seen): a thread
  // never used more than its process.
  return { processUs, mainThreadUs: Math.min(mainThreadUs, processUs), threadsUs };
}

function readThreadsUs(pid: number): Map<number, number> {
  const threadsUs = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return threadsUs;
  }
  for (const tid of tids) {
    // A thread may exit between the listing and the read: it is then simply not counted.
    const us = readStatCpuUs(`/proc/${pid}/task/${tid}/stat`);
    if (us !== undefined) threadsUs.set(Number(tid), us);
  }
  return threadsUs;
}

/**
 * CPU time between two readings; undefined unless both were read. A thread that started
 * in between counts from zero; one that ended in between is in the process total only.
 */
export function processCpuSince(start: ProcessCpu | undefined, end: ProcessCpu | undefined): ProcessCpu | undefined {
  if (!start || !end) return undefined;
  const threadsUs = new Map<number, number>();
  for (const [tid, us] of end.threadsUs) threadsUs.set(tid, us - (start.threadsUs.get(tid) ?? 0));
  return { processUs: end.processUs - start.processUs, mainThreadUs: end.mainThreadUs - start.mainThreadUs, threadsUs };
}

/** Two windows' CPU time together (a step's windows merged); thread ids are the same process's. */
export function addProcessCpu(a: ProcessCpu, b: ProcessCpu): ProcessCpu {
  const threadsUs = new Map(a.threadsUs);
  for (const [tid, us] of b.threadsUs) threadsUs.set(tid, (threadsUs.get(tid) ?? 0) + us);
  return { processUs: a.processUs + b.processUs, mainThreadUs: a.mainThreadUs + b.mainThreadUs, threadsUs };
}

/** Most threads a report lists: a server's instances and its socket thread, not every helper. */
const REPORTED_THREADS = 8;

/** Each thread's CPU time, busiest first, at most REPORTED_THREADS of them. */
export function busiestThreadsUs(cpu: ProcessCpu): number[] {
  return [...cpu.threadsUs.values()].filter((us) => us > 0).sort((a, b) => b - a).slice(0, REPORTED_THREADS);
}

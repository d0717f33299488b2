/**
 * Resident memory per extra instance: the server's RSS serving one model with
 * instanceGroup count 1, then MORE_INSTANCES, each after a short load so the sessions
 * have run batches of every size they will see, read once the server has been idle for
 * SETTLE_MS (at rest, as a server spends most of its life between bursts). The
 * difference divided by the extra instances is what one more worker costs.
 *
 * RSS at rest includes whatever garbage the socket thread's heap held when its last
 * collection ran, and that moved a one-against-two difference by 13–27 MiB for medium
 * between identical pairs, sometimes below what a plain worker thread holding a session
 * costs. Two extra instances instead of one halve that error per instance; and the figure
 * is the median of PAIRS alternating pairs.
 *
 * Both RSS and PSS are read. The instances map one file of weights each
 * (runtime/shared-weights.ts): RSS counts its pages once per instance, though the kernel
 * keeps one copy; PSS counts them once. The goal uses PSS, what one more instance takes
 * from the machine; RSS stands beside it.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchmark } from '../../src/bench/run-benchmark.js';
import type { MemoryFigures } from './suite-result.js';
import { type WsinferBuild, startWsinfer } from './wsinfer-process.js';

/** Idle time after the load before RSS is read: longer than an instance's idle heap trim (250 ms). */
const SETTLE_MS = 1000;
/** Alternating (1 instance, MORE_INSTANCES) pairs; odd, so the median is one of them. */
const PAIRS = 5;
const MORE_INSTANCES = 3;

interface ResidentBytes {
  rss: number;
  pss?: number;
}

async function residentWithInstances(modelsDir: string, model: string, count: number, loadMs: number, build: WsinferBuild): Promise<ResidentBytes> {
  const repo = await mkdtemp(join(tmpdir(), 'wsinfer-bench-mem-'));
  try {
    await mkdir(join(repo, model, '1'), { recursive: true });
    await copyFile(join(modelsDir, model, '1', 'model.onnx'), join(repo, model, '1', 'model.onnx'));
    const config = JSON.parse(await readFile(join(modelsDir, model, 'config.json'), 'utf8')) as Record<string, unknown>;
    config.instanceGroup = [{ kind: 'cpu', count }];
    await writeFile(join(repo, model, 'config.json'), JSON.stringify(config));
    const server = await startWsinfer(repo, build);
    try {
      await runBenchmark({
        url: server.wsUrl, protocol: 'ws', model, batch: 1, shapes: new Map(), inputSets: 4, seed: 1, mode: 'concurrency',
        levels: [8], distribution: 'constant', measurementIntervalMs: loadMs, warmupMs: 0, maxTrials: 1, stabilityTolerance: 0.1,
        connections: 2, framing: 'msgpack', requestTimeoutMs: 30_000, maxInFlight: 1000, verify: false, verifySamples: 0, quiet: true,
      });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const rss = server.rssBytes();
      if (rss === undefined) throw new Error('cannot read the server\'s resident memory (/proc) on this system');
      const pss = server.pssBytes();
      return pss === undefined ? { rss } : { rss, pss };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(repo, { recursive: true, force: true });
  }
}

type MemoryPair = NonNullable<MemoryFigures['pairs']>[number];

/** What the goal counts: PSS where every figure has it, else RSS (results from before PSS was read). */
export type ResidentMeasure = 'pss' | 'rss';

export function goalMeasure(memory: Pick<MemoryFigures, 'pssOneInstanceBytes' | 'pssMoreInstancesBytes'>): ResidentMeasure {
  return memory.pssOneInstanceBytes !== undefined && memory.pssMoreInstancesBytes !== undefined ? 'pss' : 'rss';
}

/** Bytes the larger server of `pair` held beyond the one-instance server, by `measure`. */
function grownBytes(pair: MemoryPair, measure: ResidentMeasure): number {
  return measure === 'pss'
    ? pair.pssMoreInstancesBytes! - pair.pssOneInstanceBytes!
    : pair.rssMoreInstancesBytes - pair.rssOneInstanceBytes;
}

/** Bytes one extra instance added in `pair`, its larger server running `moreInstances`, by `measure`. */
export function perExtraInstanceBytes(pair: MemoryPair, moreInstances: number, measure: ResidentMeasure = goalMeasure(pair)): number {
  return grownBytes(pair, measure) / (moreInstances - 1);
}

/** The pair whose extra instances cost the median amount by the goal's measure (the upper middle of an even count). */
export function medianPair(pairs: readonly MemoryPair[]): MemoryPair {
  if (pairs.length === 0) throw new Error('no memory pairs measured');
  const measure = pairs.every((p) => goalMeasure(p) === 'pss') ? 'pss' : 'rss';
  return [...pairs].sort((a, b) => grownBytes(a, measure) - grownBytes(b, measure))[Math.floor(pairs.length / 2)]!;
}

export async function probeMemory(modelsDir: string, model: string, build: WsinferBuild, loadMs = 1000): Promise<MemoryFigures> {
  const fileBytes = (await stat(join(modelsDir, model, '1', 'model.onnx'))).size;
  const pairs: MemoryPair[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const one = await residentWithInstances(modelsDir, model, 1, loadMs, build);
    const more = await residentWithInstances(modelsDir, model, MORE_INSTANCES, loadMs, build);
    pairs.push({
      rssOneInstanceBytes: one.rss,
      rssMoreInstancesBytes: more.rss,
      ...(one.pss !== undefined && more.pss !== undefined ? { pssOneInstanceBytes: one.pss, pssMoreInstancesBytes: more.pss } : {}),
    });
  }
  return { model, fileBytes, moreInstances: MORE_INSTANCES, ...medianPair(pairs), pairs };
}

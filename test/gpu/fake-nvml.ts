/**
 * Builds test/fixtures/fake-nvml/*.c into a libnvidia-ml.so.1 and lays out
 * scenarios for it: each scenario gets its own directory with a copy of the library and a
 * `<library>.scenario` file beside it, which the fake reads. Copies, not links: the dynamic
 * loader treats one file as one library, and two scenarios must not share its state.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = fileURLToPath(new URL('../fixtures/fake-nvml/', import.meta.url));
const SOURCES = ['fake_scenario.c', 'fake_nvml.c', 'fake_nvml_mig.c'].map((name) => join(SOURCE_DIR, name));
const HEADERS = [join(SOURCE_DIR, 'fake_nvml.h')];

export const FAKE_NVML_VARIANTS = {
  /** Every entry point the addon looks for. */
  full: [],
  /** No nvmlDeviceGetMemoryInfo_v2: reserved memory unknown. */
  noMemoryV2: ['-DFAKE_NO_MEMORY_V2'],
  /** Only unsuffixed entry points; no power, MIG or attributes. */
  legacy: ['-DFAKE_LEGACY'],
} as const;

export type FakeNvmlVariant = keyof typeof FAKE_NVML_VARIANTS;

/** Compiles the variant once per source version; gcc missing fails the test loudly. */
export function buildFakeNvml(variant: FakeNvmlVariant = 'full'): string {
  const flags = FAKE_NVML_VARIANTS[variant];
  const hash = createHash('sha256').update(flags.join(' '));
  for (const file of [...SOURCES, ...HEADERS]) hash.update(readFileSync(file));
  const key = hash.digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'wsinfer-fake-nvml');
  const output = join(dir, `libfake-nvml-${variant}-${key}.so`);
  if (existsSync(output)) return output;
  mkdirSync(dir, { recursive: true });
  const partial = `${output}.${process.pid}.tmp`;
  execFileSync('gcc', ['-shared', '-fPIC', '-fvisibility=hidden', '-O1', '-Wall', ...flags, '-o', partial, ...SOURCES, '-lpthread'], {
    stdio: 'pipe',
  });
  renameSync(partial, output); // atomic: a concurrent build never sees half a file
  return output;
}

export type ScenarioValues = Record<string, string | number | boolean>;

export interface FakeNvmlScenario {
  /** Pass as WSINFER_NVML_LIBRARY / libraryPath. */
  readonly libraryPath: string;
  readonly scenarioPath: string;
  /** Replaces the scenario; the fake re-reads it at the start of the next snapshot. */
  write(values: ScenarioValues): void;
  /** nvmlInit / nvmlShutdown calls the fake has seen, in order. */
  calls(): string[];
}

const scenarioDirs: string[] = [];
// Removed at exit rather than after each test: the library stays mapped while the addon
// holds it, and Linux is fine with unlinking a mapped file.
process.once('exit', () => {
  for (const dir of scenarioDirs) rmSync(dir, { recursive: true, force: true });
});

export function fakeNvmlScenario(values: ScenarioValues, variant: FakeNvmlVariant = 'full'): FakeNvmlScenario {
  const dir = mkdtempSync(join(tmpdir(), 'wsinfer-nvml-scenario-'));
  scenarioDirs.push(dir);
  const libraryPath = join(dir, 'libnvidia-ml.so.1');
  copyFileSync(buildFakeNvml(variant), libraryPath);
  const scenarioPath = `${libraryPath}.scenario`;
  const write = (next: ScenarioValues): void => {
    const text = Object.entries(next)
      .map(([key, value]) => `${key}=${typeof value === 'boolean' ? Number(value) : value}`)
      .join('\n');
    writeFileSync(scenarioPath, `${text}\n`);
  };
  write(values);
  return {
    libraryPath,
    scenarioPath,
    write,
    calls: () => {
      const path = `${scenarioPath}.calls`;
      return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
    },
  };
}

const GIB = 1024 ** 3;

/** One H100 80GB, no MIG, two CUDA processes. */
export const H100_TWO_PROCESSES: ScenarioValues = {
  driver: '550.54.15',
  count: 1,
  'gpu0.uuid': 'GPU-3f4b5c6d-1111-2222-3333-444455556666',
  'gpu0.name': 'NVIDIA H100 80GB HBM3',
  'gpu0.bus': '00000000:17:00.0',
  'gpu0.mem.total': 85520809984,
  'gpu0.mem.reserved': 565182464,
  'gpu0.mem.used': 6 * GIB,
  'gpu0.mem.free': 85520809984 - 565182464 - 6 * GIB,
  'gpu0.util.gpu': 37,
  'gpu0.util.mem': 12,
  'gpu0.temp': 45,
  'gpu0.power_mw': 312500,
  'gpu0.mig.current': 0,
  'gpu0.mig.pending': 0,
  'gpu0.procs': `4242:${2 * GIB},4343:${4 * GIB}`,
};

/**
 * An H100 in MIG mode with three instances of different profiles (slots 0, 1 and 3: slots
 * need not be contiguous). The parent refuses to list processes (an unprivileged container),
 * so the per-instance lists stand in for it.
 */
export const H100_MIG: ScenarioValues = {
  driver: '550.54.15',
  count: 1,
  'gpu0.uuid': 'GPU-aaaaaaaa-0000-0000-0000-000000000001',
  'gpu0.name': 'NVIDIA H100 80GB HBM3',
  'gpu0.bus': '00000000:3B:00.0',
  'gpu0.mem.total': 85520809984,
  'gpu0.mem.reserved': 565182464,
  'gpu0.mem.used': 3 * GIB,
  'gpu0.mem.free': 85520809984 - 565182464 - 3 * GIB,
  'gpu0.util.gpu': 99, // the fake must answer NOT_SUPPORTED anyway, as NVML does under MIG
  'gpu0.util.mem': 99,
  'gpu0.temp': 38,
  'gpu0.power_mw': 98765,
  'gpu0.mig.current': 1,
  'gpu0.mig.pending': 1,
  'gpu0.mig.max': 7,
  'gpu0.procs': '!4',
  'gpu0.mig0.uuid': 'MIG-11111111-aaaa-bbbb-cccc-000000000000',
  'gpu0.mig0.gi': 2,
  'gpu0.mig0.ci': 0,
  'gpu0.mig0.slices': 3,
  'gpu0.mig0.ci_slices': 3,
  'gpu0.mig0.sm': 60,
  'gpu0.mig0.mem_mb': 40448,
  'gpu0.mig0.mem.total': 40448 * 1024 * 1024,
  'gpu0.mig0.mem.reserved': 0,
  'gpu0.mig0.mem.used': 2 * GIB,
  'gpu0.mig0.mem.free': 40448 * 1024 * 1024 - 2 * GIB,
  'gpu0.mig0.procs': `5001:${2 * GIB}`,
  'gpu0.mig1.uuid': 'MIG-22222222-aaaa-bbbb-cccc-000000000000',
  'gpu0.mig1.gi': 3,
  'gpu0.mig1.ci': 0,
  'gpu0.mig1.slices': 2,
  'gpu0.mig1.ci_slices': 2,
  'gpu0.mig1.sm': 32,
  'gpu0.mig1.mem_mb': 20096,
  'gpu0.mig1.mem.total': 20096 * 1024 * 1024,
  'gpu0.mig1.mem.reserved': 0,
  'gpu0.mig1.mem.used': 1 * GIB,
  'gpu0.mig1.mem.free': 20096 * 1024 * 1024 - 1 * GIB,
  'gpu0.mig1.procs': `5002:${1 * GIB}`,
  'gpu0.mig3.uuid': 'MIG-33333333-aaaa-bbbb-cccc-000000000000',
  'gpu0.mig3.gi': 9,
  'gpu0.mig3.ci': 0,
  'gpu0.mig3.slices': 1,
  'gpu0.mig3.ci_slices': 1,
  'gpu0.mig3.sm': 16,
  'gpu0.mig3.mem_mb': 9856,
  'gpu0.mig3.mem.total': 9856 * 1024 * 1024,
  'gpu0.mig3.mem.reserved': 0,
  'gpu0.mig3.mem.used': 0,
  'gpu0.mig3.mem.free': 9856 * 1024 * 1024,
  'gpu0.mig3.procs': '',
};

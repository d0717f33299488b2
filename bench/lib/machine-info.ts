/** What BENCHMARKS.md says about where its figures come from. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntimeNode: string;
  gitSha: string;
  /** The working tree differs from gitSha. */
  gitDirty: boolean;
}

function git(args: string[], cwd: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineInfo(root: string): MachineInfo {
  const cpuList = cpus();
  const ortPackage = JSON.parse(readFileSync(new URL('../../node_modules/onnxruntime-node/package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    onnxruntimeNode: ortPackage.version,
    // GIT_COMMIT, where set, names the commit of a tree whose .git is missing or not its own
    // (a container, a copy sent to another machine); git is asked only without it.
    gitSha: process.env.GIT_COMMIT?.trim().slice(0, 12) || git(['rev-parse', '--short=12', 'HEAD'], root) || 'unknown',
    // The report the suite is about to rewrite does not count: a run after a run would
    // otherwise always say "uncommitted changes" about its own output.
    gitDirty: !process.env.GIT_COMMIT?.trim() && git(['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)BENCHMARKS.md'], root).length > 0,
  };
}

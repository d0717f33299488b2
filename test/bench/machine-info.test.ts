/**
 * What BENCHMARKS.md says about the tree it measured: a real git repository in a temporary
 * directory, changed one file at a time.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { machineInfo } from '../../bench/lib/machine-info.js';

describe('machineInfo', () => {
  let dir: string | undefined;
  const savedCommit = process.env.GIT_COMMIT;

  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    if (savedCommit === undefined) delete process.env.GIT_COMMIT;
    else process.env.GIT_COMMIT = savedCommit;
  });

  function repo(): string {
    dir = mkdtempSync(join(tmpdir(), 'wsinfer-machine-info-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    writeFileSync(join(dir, 'BENCHMARKS.md'), 'old report\n');
    writeFileSync(join(dir, 'server.ts'), 'export {};\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'first');
    return dir;
  }

  it('calls a tree with only the report rewritten clean, and one with a changed source not', () => {
    delete process.env.GIT_COMMIT;
    const root = repo();
    expect(machineInfo(root)).toMatchObject({ gitDirty: false });
    expect(machineInfo(root).gitSha).toMatch(/^[0-9a-f]{12}$/);

    writeFileSync(join(root, 'BENCHMARKS.md'), 'the last run\'s report\n');
    expect(machineInfo(root).gitDirty).toBe(false);

    writeFileSync(join(root, 'server.ts'), 'export const changed = true;\n');
    expect(machineInfo(root).gitDirty).toBe(true);
  });

  it('takes the commit from GIT_COMMIT where set, without asking git', () => {
    process.env.GIT_COMMIT = '0123456789abcdef0123';
    expect(machineInfo(tmpdir())).toMatchObject({ gitSha: '0123456789ab', gitDirty: false });
  });
});

/**
 * `npm run bench`'s command line, run for real: a mistake gets its reason and the usage,
 * exit code 2, and nothing is measured or written.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function bench(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'bench/suite.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('npm run bench, usage', () => {
  it('says which model or option was wrong, shows the usage, and exits 2', () => {
    const model = bench(['--only', 'fraud,nosuchmodel']);
    expect(model.status).toBe(2);
    expect(model.stderr).toContain('bench: --only names shipped models (fraud, cnn, medium), not nosuchmodel');
    expect(model.stderr).toContain('Usage: npm run bench');

    const option = bench(['--no-such-option']);
    expect(option.status).toBe(2);
    expect(option.stderr).toMatch(/bench: Unknown option '--no-such-option'/);

    const pairs = bench(['--pairs', '0']);
    expect(pairs.status).toBe(2);
    expect(pairs.stderr).toContain('--pairs must be a whole number from 1 to 100');
  }, 120_000);

  it('prints the usage on --help and exits 0', () => {
    const help = bench(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--pairs <n>');
    expect(help.stdout).toContain('--render <result.json>');
  }, 60_000);
});

/**
 * `wsinfer package` and `wsinfer validate` as real child processes, the way a CI job runs
 * them: exit codes and what lands on stdout and stderr.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../integration/helpers/cli-process.js';
import { TempModelRepo } from '../integration/helpers/model-repo.js';
import { FRAUD_ONNX, flipByte } from './lifecycle-fixtures.js';

let repo: TempModelRepo;

beforeAll(async () => { repo = await TempModelRepo.create(); });
afterAll(async () => { await repo.remove(); });

async function run(...args: string[]) {
  const cli = runCli(args);
  const { code } = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

describe('the wsinfer CLI', () => {
  it('lists package and validate', async () => {
    const { code, stdout } = await run('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}package +add an ONNX file/m);
    expect(stdout).toMatch(/^ {2}validate +re-check every version/m);
  });

  it('packages, validates, then fails validation once model.onnx changes', async () => {
    const packaged = await run('package', FRAUD_ONNX, '--name', 'fraud', '--models', repo.dir);
    expect(packaged.stderr).toBe('');
    expect(packaged.code).toBe(0);
    expect(packaged.stdout).toContain(`packaged fraud version 1 in ${join(repo.dir, 'fraud', '1')}`);

    const again = await run('package', FRAUD_ONNX, '--name', 'fraud', '--models', repo.dir, '--version', '1');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('wsinfer package: fraud version 1 already exists');

    const passed = await run('validate', repo.dir);
    expect(passed).toMatchObject({ code: 0, stderr: '' });
    expect(passed.stdout).toContain('ok    fraud/1  sha256, load, signature, sample (max |diff| 0), config');

    await flipByte(join(repo.dir, 'fraud', '1', 'model.onnx'));
    const failed = await run('validate', '--models', repo.dir, '--json');
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.ok).toBe(false);
    expect(report.versions[0].problems[0]).toMatch(/^model\.onnx has sha256 .* \(the file changed after packaging\)$/);
  });

  it('exits 2 on a usage error', async () => {
    const { code, stderr } = await run('validate', '--frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain("wsinfer validate: Unknown option '--frobnicate'");
  });
});

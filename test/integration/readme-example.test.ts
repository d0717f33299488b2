import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startTestServer } from './helpers/test-server.js';

let t: TestServer;
let dir: string;

beforeAll(async () => {
  t = await startTestServer((repo) => repo.addShipped('fraud'));
  dir = await mkdtemp(join(fileURLToPath(new URL('../../', import.meta.url)), '.readme-'));
});
afterAll(async () => {
  await t?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('README', () => {
  it('the TypeScript client example runs as written against a real server', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /### From TypeScript\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    // Same code; only the package name points at the sources and the URL at the test server.
    const source = example!
      .replace("from 'wsinfer'", "from '../src/index.js'")
      .replace('ws://localhost:8080/ws', t.wsUrl);
    const file = join(dir, 'example.ts');
    await writeFile(file, source);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--import', 'tsx', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d; });
    child.stderr.on('data', (d: Buffer) => { stderr += d; });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^fraud p=0\.\d{3} from version 1\nqueued \d+ µs, ran \d+ µs in a batch of \d+\n100 answers\n$/);
  });
});

/**
 * The spin gate as a user sees it on /metrics, from real servers: off with
 * --spin-wait-us 0 however much traffic there is, and on by default, reading the machine.
 */
import { cpus } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, startTestServer, type TestServer } from './helpers/test-server.js';

let spinning: TestServer;
let sleeping: TestServer;
// On a worker thread, not inline: the gate counts instance threads.
const ON_A_WORKER = { maxBatchSize: 64, instanceGroup: [{ kind: 'cpu', count: 1 }] };

beforeAll(async () => {
  [spinning, sleeping] = await Promise.all([
    startTestServer((repo) => repo.addShipped('fraud', ON_A_WORKER)),
    startTestServer((repo) => repo.addShipped('fraud', ON_A_WORKER), { spinWaitUs: 0 }),
  ]);
});
afterAll(async () => {
  await Promise.all([spinning?.stop(), sleeping?.stop()]);
});

async function infer(httpUrl: string): Promise<number> {
  const meta = (await (await fetch(`${httpUrl}/v2/models/fraud`)).json()) as { inputs: Array<{ name: string; shape: number[] }> };
  const input = meta.inputs[0]!;
  const width = input.shape[1]!;
  const response = await fetch(`${httpUrl}/v2/models/fraud/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: input.name, datatype: 'FP32', shape: [1, width], data: Array.from({ length: width }, (_, i) => i / width) }] }),
  });
  return response.status;
}

describe('spin gate metrics', () => {
  it('stay at 0 with --spin-wait-us 0, through traffic', async () => {
    for (let i = 0; i < 20; i++) expect(await infer(sleeping.httpUrl)).toBe(200);
    expect(await metricValue(sleeping.httpUrl, 'wsinfer_spin_allowed_threads', {})).toBe(0);
    expect(await metricValue(sleeping.httpUrl, 'wsinfer_spin_polling_threads', {})).toBe(0);
  });

  it('are exported by default: whole threads, no more than the machine has cores', async () => {
    for (let i = 0; i < 20; i++) expect(await infer(spinning.httpUrl)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 250)); // at least one probe
    const allowed = await metricValue(spinning.httpUrl, 'wsinfer_spin_allowed_threads', {});
    const polling = await metricValue(spinning.httpUrl, 'wsinfer_spin_polling_threads', {});
    expect(Number.isInteger(allowed)).toBe(true);
    expect(allowed).toBeGreaterThanOrEqual(0);
    expect(allowed).toBeLessThanOrEqual(cpus().length);
    // fraud has one instance: at most that one thread polls.
    expect([0, 1]).toContain(polling);
  });
});

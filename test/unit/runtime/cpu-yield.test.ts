/** yieldCpu() reaches sched_yield through the addon npm ci builds; polling threads call it every turn. */
import { describe, expect, it } from 'vitest';
import { yieldCpu } from '../../../src/runtime/cpu-yield.js';

describe('yieldCpu', () => {
  it.runIf(process.platform === 'linux')('calls sched_yield through the built addon, many times over', () => {
    for (let i = 0; i < 1000; i++) expect(yieldCpu()).toBe(true);
  });
});

/**
 * Bound series as a scrape of /metrics shows them: through a real prom-client registry,
 * line for line what prom-client's own metrics print for the same updates.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledCounter, LabelledGauge, LabelledHistogram } from '../../../src/metrics/bound-series.js';

const lines = (text: string, name: string) => text.split('\n').filter((line) => line.startsWith(name));

describe('bound series', () => {
  it('print what prom-client prints for the same counter, gauge and histogram updates', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const counter = new LabelledCounter('requests_total', 'Requests', ['model', 'outcome'], [ours]);
    const gauge = new LabelledGauge('pending', 'Pending', ['model'], [ours]);
    const histogram = new LabelledHistogram('duration_seconds', 'Duration', ['model'], [0.001, 0.01, 0.1], [ours]);
    const pCounter = new Counter({ name: 'requests_total', help: 'Requests', labelNames: ['model', 'outcome'], registers: [theirs] });
    const pGauge = new Gauge({ name: 'pending', help: 'Pending', labelNames: ['model'], registers: [theirs] });
    const pHistogram = new Histogram({ name: 'duration_seconds', help: 'Duration', labelNames: ['model'], buckets: [0.001, 0.01, 0.1], registers: [theirs] });

    const success = counter.bind({ model: 'm', outcome: 'success' });
    success.inc();
    success.inc(2);
    counter.bind({ model: 'm', outcome: 'error' }).inc();
    pCounter.inc({ model: 'm', outcome: 'success' }, 3);
    pCounter.inc({ model: 'm', outcome: 'error' });

    const pending = gauge.bind({ model: 'm' });
    pending.inc();
    pending.inc();
    pending.dec();
    pGauge.inc({ model: 'm' }, 1);

    const durations = histogram.bind({ model: 'm' });
    for (const v of [0.0005, 0.001, 0.05, 0.05, 2]) {
      durations.observe(v);
      pHistogram.observe({ model: 'm' }, v);
    }

    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(lines(await ours.metrics(), 'duration_seconds_bucket')).toEqual([
      'duration_seconds_bucket{le="0.001",model="m"} 2',
      'duration_seconds_bucket{le="0.01",model="m"} 2',
      'duration_seconds_bucket{le="0.1",model="m"} 4',
      'duration_seconds_bucket{le="+Inf",model="m"} 5',
    ]);
  });

  it('binds a label set once: the same series back, another set its own', () => {
    const counter = new LabelledCounter('c_total', 'C', ['model', 'version'], [new Registry()]);
    const first = counter.bind({ model: 'm', version: '1' });
    expect(counter.bind({ version: '1', model: 'm' })).toBe(first);
    expect(counter.bind({ model: 'm', version: '2' })).not.toBe(first);
  });

  it('leaves a non-finite observation out, and counts one past the last bucket only in +Inf', async () => {
    const registry = new Registry();
    const series = new LabelledHistogram('h', 'H', ['model'], [1, 2], [registry]).bind({ model: 'm' });
    series.observe(Number.NaN);
    series.observe(Number.POSITIVE_INFINITY);
    series.observe(5);
    expect(lines(await registry.metrics(), 'h_')).toEqual([
      'h_bucket{le="1",model="m"} 0',
      'h_bucket{le="2",model="m"} 0',
      'h_bucket{le="+Inf",model="m"} 1',
      'h_sum{model="m"} 5',
      'h_count{model="m"} 1',
    ]);
  });

  it('reset zeroes every series, and series bound before keep counting', async () => {
    const registry = new Registry();
    const counter = new LabelledCounter('c_total', 'C', ['model'], [registry]);
    const series = counter.bind({ model: 'm' });
    series.inc(5);
    registry.resetMetrics();
    expect(lines(await registry.metrics(), 'c_total{')).toEqual(['c_total{model="m"} 0']);
    series.inc();
    expect(lines(await registry.metrics(), 'c_total{')).toEqual(['c_total{model="m"} 1']);
  });
});

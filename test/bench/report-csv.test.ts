import { describe, expect, it } from 'vitest';
import { csvHeader, csvRow, toCsv } from '../../src/bench/report-csv.js';
import { step } from './step-fixtures.js';

const PERF_ANALYZER_HEADER = 'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,' +
  'Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency';

describe('perf_analyzer CSV', () => {
  it('uses perf_analyzer\'s header, with Request Rate first for open-loop runs', () => {
    expect(csvHeader('concurrency')).toBe(PERF_ANALYZER_HEADER);
    expect(csvHeader('rate')).toBe(PERF_ANALYZER_HEADER.replace('Concurrency', 'Request Rate'));
  });

  it('writes one row per step in microseconds; network is what the measured parts leave of the mean', () => {
    // 800.4 - 10.4 - 300 - 100 - 5.6 = 384.4
    expect(csvRow(step())).toBe('8,10000,10,384,300,0,100,0,6,700,1001,1200,2000');
  });

  it('writes zeros for server figures a server did not report', () => {
    const row = csvRow(step({ server: undefined, level: 1 })).split(',');
    expect(row[4]).toBe('0');
    expect(row[6]).toBe('0');
    expect(Number(row[3])).toBe(Math.round(800.4 - 10.4 - 5.6));
  });

  it('has as many cells in each row as in the header and ends with a newline', () => {
    const csv = toCsv([step({ level: 1 }), step({ level: 8 })]);
    const lines = csv.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.split(',')).toHaveLength(13);
    expect(csv.endsWith('\n')).toBe(true);
  });
});

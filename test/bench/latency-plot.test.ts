import { describe, expect, it } from 'vitest';
import { escapeXml, niceTicks, renderLatencyPlot } from '../../src/bench/latency-plot.js';
import { step } from './step-fixtures.js';

/** Tag balance and attribute quoting: enough to say a viewer will parse it. */
function assertWellFormed(xml: string): void {
  const stack: string[] = [];
  const tags = xml.match(/<[^>]+>/g) ?? [];
  for (const tag of tags) {
    if (tag.startsWith('<?') || tag.startsWith('<!--')) continue;
    expect(tag).toMatch(/^<\/?[a-zA-Z][\w:-]*(\s+[\w:-]+="[^"<]*")*\s*\/?>$/);
    const name = tag.match(/^<\/?([\w:-]+)/)![1]!;
    if (tag.startsWith('</')) expect(stack.pop()).toBe(name);
    else if (!tag.endsWith('/>')) stack.push(name);
  }
  expect(stack).toEqual([]);
  // No raw ampersands outside entities.
  expect(xml.replace(/&(lt|gt|amp|apos|quot);/g, '')).not.toContain('&');
}

describe('latency plot (SVG)', () => {
  const steps = [1, 8, 64].map((level, i) => step({
    level,
    inferPerSec: 1000 * (i + 1) ** 2,
    latency: { count: 10, meanUs: 500, p50Us: 400 * (i + 1), p90Us: 600 * (i + 1), p95Us: 700 * (i + 1), p99Us: 900 * (i + 1), maxUs: 2000 },
  }));

  it('is well-formed SVG with one line per percentile', () => {
    const svg = renderLatencyPlot(steps, 'fraud <ws> & "friends"');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    assertWellFormed(svg);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg.match(/<circle /g)).toHaveLength(12);
    for (const label of ['p50', 'p90', 'p95', 'p99']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('fraud &lt;ws&gt; &amp; &quot;friends&quot;');
  });

  it('draws a single step without lines, and no steps without failing', () => {
    assertWellFormed(renderLatencyPlot(steps.slice(0, 1), 'one'));
    expect(renderLatencyPlot(steps.slice(0, 1), 'one')).not.toContain('<polyline');
    assertWellFormed(renderLatencyPlot([], 'none'));
  });

  it('puts higher throughput further right and higher latency further up', () => {
    const svg = renderLatencyPlot(steps, 't');
    const p99 = svg.match(/<polyline fill="none" stroke="#e7298a" stroke-width="2" points="([^"]+)"/)![1]!;
    const points = p99.split(' ').map((p) => p.split(',').map(Number) as [number, number]);
    expect(points[1]![0]).toBeGreaterThan(points[0]![0]);
    expect(points[1]![1]).toBeLessThan(points[0]![1]);
  });

  it('chooses round tick values that cover the data', () => {
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(escapeXml(`<a href='x'>&</a>`)).toBe('&lt;a href=&apos;x&apos;&gt;&amp;&lt;/a&gt;');
  });
});

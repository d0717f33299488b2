/** The number formats and table markup BENCHMARKS.md's sections share. */

export const int = (v: number) => Math.round(v).toLocaleString('en-US');
export const percent = (v: number) => `${v.toFixed(0)} %`;

/** A Markdown table, the first column left-aligned and the figures after it right-aligned. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

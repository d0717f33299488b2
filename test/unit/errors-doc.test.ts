import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorSpec } from '../../src/errors.js';

describe('docs/errors.md', () => {
  it('documents every code with its HTTP status, retryable flag and close code', async () => {
    const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    for (const [code, spec] of Object.entries(ERROR_CODES) as Array<[string, ErrorSpec]>) {
      const row = doc.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, `${code} has a row`).toBeDefined();
      const cells = row!.split('|').map((cell) => cell.trim());
      expect(cells[2]).toBe(String(spec.httpStatus));
      expect(cells[3]).toBe(spec.retryable ? 'yes' : 'no');
      expect(cells[4]).toBe(spec.wsCloseCode === undefined ? '—' : String(spec.wsCloseCode));
    }
  });
});

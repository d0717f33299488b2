/**
 * The line on stderr while a run goes: one per measurement window. On a terminal it is
 * rewritten in place, and each finished step leaves its last line behind.
 */
import type { StepRunOptions } from './step-runner.js';

type WindowEvent = Parameters<NonNullable<StepRunOptions['onWindow']>>[0];

export class ProgressLine {
  private lastLevel: number | undefined;
  private written = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly maxTrials = 10) {}

  readonly onWindow = (event: WindowEvent): void => {
    const { mode, level, trial, window } = event;
    const text = `${mode === 'rate' ? 'rate' : 'concurrency'} ${level} · window ${trial}/${this.maxTrials} · ` +
      `${window.inferPerSec.toFixed(0)} infer/s · p50 ${(window.p50Us / 1000).toFixed(2)} ms · p95 ${(window.p95Us / 1000).toFixed(2)} ms · ` +
      `p99 ${(window.p99Us / 1000).toFixed(2)} ms · errors ${window.errors}`;
    if (!this.stream.isTTY) {
      this.stream.write(`${text}\n`);
      return;
    }
    if (this.written && this.lastLevel !== level) this.stream.write('\n');
    this.stream.write(`\r\x1b[2K${text}`);
    this.lastLevel = level;
    this.written = true;
  };

  finish(): void {
    if (this.stream.isTTY && this.written) this.stream.write('\n');
    this.written = false;
  }
}

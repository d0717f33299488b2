/**
 * The server's log: one line per event, to stderr, with a level and an ISO time. Small on
 * purpose; anything that wants structured logs can pass its own Logger.
 */

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

function line(level: string, message: string): string {
  return `${new Date().toISOString()} ${level} ${message}\n`;
}

export const consoleLogger: Logger = {
  info: (message) => process.stderr.write(line('info ', message)),
  warn: (message) => process.stderr.write(line('warn ', message)),
  error: (message) => process.stderr.write(line('error', message)),
};

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Keeps lines in memory; tests read what a user would have seen in the log. */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(message: string): void { this.lines.push(`info ${message}`); }
  warn(message: string): void { this.lines.push(`warn ${message}`); }
  error(message: string): void { this.lines.push(`error ${message}`); }
}

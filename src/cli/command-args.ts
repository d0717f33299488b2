/**
 * What every command does with its arguments before its real work: parse them, answer
 * `--help` with the usage (exit 0), or explain a bad argument above the usage (exit 2).
 */

export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr };

/** The parsed options, or the exit code the command should return right away. */
export function parseOrExit<T>(command: string, usage: string, parse: () => T | 'help', io: CommandIo = processIo): { options: T } | { exitCode: number } {
  let parsed: T | 'help';
  try {
    parsed = parse();
  } catch (error) {
    io.stderr.write(`wsinfer ${command}: ${(error as Error).message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if (parsed === 'help') {
    io.stdout.write(usage);
    return { exitCode: 0 };
  }
  return { options: parsed };
}

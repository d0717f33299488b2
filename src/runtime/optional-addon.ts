/**
 * Load one of wsinfer's small addons from build/Release, or null when it was not built
 * (no compiler at install time, an unsupported platform): each caller then does without
 * and says so through its own return value.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** `name` as in binding.gyp; the path is the same from src/runtime/ and dist/runtime/. */
export function loadOptionalAddon<T>(name: string): T | null {
  try {
    return require(`../../build/Release/${name}.node`) as T;
  } catch {
    return null;
  }
}

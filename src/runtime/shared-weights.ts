/**
 * One copy of a model's weights for all its CPU instances.
 *
 * Each instance is a thread with a session of its own (a run blocks the thread it runs
 * on), and each session would hold its own weights: onnxruntime prepacks every MatMul's
 * weights into a layout of its own, on the heap, and onnxruntime-node 1.30 does not offer
 * the C API's container that shares prepacked weights between sessions. So as the loader
 * opens its probe session, onnxruntime writes the optimised graph with its weights —
 * prepacked and page-aligned — to a data file (the config entries below), and every
 * instance opens that graph instead: the sessions map the same file, and the kernel keeps
 * one copy of its pages for all of them.
 *
 * For medium (11 MiB of weights) an extra instance then costs 11.7 MiB of proportional
 * set size against 19.4–21 MiB, with the same batch run times and bit-identical outputs
 * (BENCHMARKS.md, "What we changed"). RSS does not show it: it counts a file page once for
 * every mapping of it, and each session maps the file for itself.
 *
 * The files live in a folder of their own under the OS temp dir (TMPDIR) for as long as
 * the model version is loaded; a replacement instance opens them too. Folders left by a
 * process of this host that died are removed by the next one to prepare weights.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type * as ort from 'onnxruntime-node';
import { onnxruntime } from './onnxruntime.js';
import { type SessionSettings, firstLine, sessionOptions } from './session-factory.js';

const FOLDER_PREFIX = 'wsinfer-weights-';
const GRAPH_FILE = 'model.onnx';
const DATA_FILE = 'weights.bin';
/** Smaller initializers stay in the graph file: a page of padding each would cost more than they do. */
const MIN_EXTERNAL_BYTES = 4096;

export interface SharedWeights {
  /** The optimised graph whose weights are in the shared data file: what instances open. */
  readonly modelPath: string;
  /** Removes the files; call once no session will open them again. */
  dispose(): Promise<void>;
}

export interface ProbeWithSharedWeights {
  session: ort.InferenceSession;
  /** Absent when the weights could not be written; `reason` says why. */
  shared?: SharedWeights;
  reason?: string;
}

/**
 * Opens the loader's probe session (CPU, one intra-op thread) from `modelPath` and, as it
 * optimises, has onnxruntime write the graph and its prepacked weights for the instances.
 * Where that cannot be done (no initializer large enough to move out, a graph that cannot
 * be serialised, no room in the temp dir) the probe is opened as usual and `reason` says
 * why: the instances then load the original file, each with its own weights.
 */
export async function openProbeWithSharedWeights(modelPath: string, settings: Omit<SessionSettings, 'executionProvider'>): Promise<ProbeWithSharedWeights> {
  const base = sessionOptions({ ...settings, executionProvider: 'cpu' });
  let folder: string | undefined;
  try {
    await removeAbandonedFolders();
    folder = await mkdtemp(join(tmpdir(), `${ownFolderPrefix()}${process.pid}-`));
    const graphPath = join(folder, GRAPH_FILE);
    const session = await onnxruntime.InferenceSession.create(modelPath, {
      ...base,
      optimizedModelFilePath: graphPath,
      extra: {
        session: {
          optimized_model_external_initializers_file_name: DATA_FILE,
          optimized_model_external_initializers_min_size_in_bytes: String(MIN_EXTERNAL_BYTES),
          save_external_prepacked_constant_initializers: '1',
        },
      },
    });
    if (!existsSync(join(folder, DATA_FILE))) {
      await rm(folder, { recursive: true, force: true });
      return { session, reason: `no initializer of ${MIN_EXTERNAL_BYTES} bytes or more to share` };
    }
    const owned = folder;
    return { session, shared: { modelPath: graphPath, dispose: () => rm(owned, { recursive: true, force: true }) } };
  } catch (error) {
    if (folder) await rm(folder, { recursive: true, force: true });
    const reason = `could not write the shared weights: ${firstLine((error as Error).message)}`;
    return { session: await onnxruntime.InferenceSession.create(modelPath, base), reason };
  }
}

/**
 * `wsinfer-weights-<host>-`: folders are named by host (a hash of its name) and pid, so a
 * temp dir shared between containers, which can all be pid 1, is swept only of this host's.
 */
export function ownFolderPrefix(): string {
  return `${FOLDER_PREFIX}${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}-`;
}

let sweep: Promise<void> | undefined;

/**
 * Once per process: this host's folders whose process is gone, or that this pid made in an
 * earlier life (a restarted container's pid 1) before this process started.
 */
function removeAbandonedFolders(): Promise<void> {
  sweep ??= (async () => {
    const root = tmpdir();
    const prefix = ownFolderPrefix();
    const startedMs = Date.now() - process.uptime() * 1000;
    let names: string[];
    try {
      names = await readdir(root);
    } catch {
      return;
    }
    await Promise.all(names.filter((name) => name.startsWith(prefix)).map(async (name) => {
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      if (!Number.isInteger(pid)) return;
      const path = join(root, basename(name));
      if (pid === process.pid) {
        const madeMs = await stat(path).then((info) => info.mtimeMs, () => Infinity);
        if (madeMs >= startedMs) return;
      } else if (processAlive(pid)) {
        return;
      }
      await rm(path, { recursive: true, force: true }).catch(() => {});
    }));
  })();
  return sweep;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

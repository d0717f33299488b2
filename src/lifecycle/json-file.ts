/** Reading the JSON files packaging takes (sample, reference data), with errors that name them. */
import { readFile } from 'node:fs/promises';
import { WsinferError } from '../errors.js';

/** `what` names the file in messages, e.g. "sample file". Missing or not JSON → ERR_INPUT_INVALID. */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new WsinferError('ERR_INPUT_INVALID', `${what} ${path} cannot be read: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WsinferError('ERR_INPUT_INVALID', `${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

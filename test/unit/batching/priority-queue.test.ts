/**
 * The batcher's queue decides who is served next; these tests pin that order through
 * removals from the middle and through enough traffic to trigger compaction.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { PriorityQueue } from '../../../src/batching/priority-queue.js';

interface Item {
  readonly id: string;
  readonly priorityLevel: number;
}

const item = (id: string, priorityLevel = 1): Item => ({ id, priorityLevel });
const ids = (queue: Iterable<Item>): string[] => Array.from(queue, (i) => i.id);

function drainIds(queue: PriorityQueue<Item>): string[] {
  const out: string[] = [];
  for (let next = queue.shift(); next; next = queue.shift()) out.push(next.id);
  return out;
}

describe('PriorityQueue', () => {
  it('is FIFO within one level', () => {
    const queue = new PriorityQueue<Item>(1);
    for (const id of ['a', 'b', 'c']) queue.push(item(id));
    expect(drainIds(queue)).toEqual(['a', 'b', 'c']);
  });

  it('serves level 1 before level 2 before level 3, FIFO inside each', () => {
    const queue = new PriorityQueue<Item>(3);
    queue.push(item('low-1', 3));
    queue.push(item('mid-1', 2));
    queue.push(item('low-2', 3));
    queue.push(item('high-1', 1));
    queue.push(item('mid-2', 2));
    queue.push(item('high-2', 1));
    expect(ids(queue)).toEqual(['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1', 'low-2']);
    expect(drainIds(queue)).toEqual(['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1', 'low-2']);
  });

  it('puts levels beyond the range at the nearest end', () => {
    const queue = new PriorityQueue<Item>(2);
    queue.push(item('beyond-lowest', 9));
    queue.push(item('lowest', 2));
    queue.push(item('above-highest', 0));
    expect(ids(queue)).toEqual(['above-highest', 'beyond-lowest', 'lowest']);
  });

  it('removes an item from the middle and keeps the rest in order', () => {
    const queue = new PriorityQueue<Item>(1);
    const items = ['a', 'b', 'c', 'd'].map((id) => item(id));
    for (const i of items) queue.push(i);
    expect(queue.remove(items[2]!)).toBe(true);
    expect(queue.size).toBe(3);
    expect(ids(queue)).toEqual(['a', 'b', 'd']);
    expect(drainIds(queue)).toEqual(['a', 'b', 'd']);
  });

  it('answers false when removing an item it does not hold, and counts nothing twice', () => {
    const queue = new PriorityQueue<Item>(1);
    const a = item('a');
    queue.push(a);
    expect(queue.remove(a)).toBe(true);
    expect(queue.remove(a)).toBe(false);
    expect(queue.remove(item('never-pushed'))).toBe(false);
    expect(queue.size).toBe(0);
  });

  it('counts live items through pushes, shifts and removals', () => {
    const queue = new PriorityQueue<Item>(2);
    const items = [item('a', 1), item('b', 2), item('c', 1)];
    for (const i of items) queue.push(i);
    expect(queue.size).toBe(3);
    queue.remove(items[0]!);
    expect(queue.size).toBe(2);
    expect(queue.shift()?.id).toBe('c');
    expect(queue.size).toBe(1);
    expect(queue.shift()?.id).toBe('b');
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it('skips removed items when iterating and peeking', () => {
    const queue = new PriorityQueue<Item>(2);
    const items = [item('a', 1), item('b', 1), item('c', 2), item('d', 2)];
    for (const i of items) queue.push(i);
    queue.remove(items[0]!);
    queue.remove(items[2]!);
    expect(ids(queue)).toEqual(['b', 'd']);
    expect(queue.peek()?.id).toBe('b');
    queue.remove(items[1]!);
    expect(queue.peek()?.id).toBe('d');
  });

  it('keeps FIFO order over many push/shift cycles, through compaction', () => {
    const queue = new PriorityQueue<Item>(1);
    let pushed = 0;
    const served: number[] = [];
    // Keep ~500 queued while 5000 pass through, so dead slots pile up before the head.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 100; i++) queue.push(item(String(pushed++)));
      while (queue.size > 500) served.push(Number(queue.shift()!.id));
    }
    served.push(...drainIds(queue).map(Number));
    expect(served).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('keeps order when removals from the middle and shifts interleave at scale', () => {
    const queue = new PriorityQueue<Item>(2);
    const all = Array.from({ length: 4000 }, (_, i) => item(String(i), (i % 3) === 0 ? 1 : 2));
    for (const i of all) queue.push(i);
    // Remove every 7th, then serve the first 2500, then check what is left.
    for (let i = 0; i < all.length; i += 7) queue.remove(all[i]!);
    const expected = [...all.filter((i) => i.priorityLevel === 1), ...all.filter((i) => i.priorityLevel === 2)]
      .filter((i) => Number(i.id) % 7 !== 0)
      .map((i) => i.id);
    const served: string[] = [];
    for (let n = 0; n < 2500; n++) served.push(queue.shift()!.id);
    expect(served).toEqual(expected.slice(0, 2500));
    expect(ids(queue)).toEqual(expected.slice(2500));
    expect(queue.size).toBe(expected.length - 2500);
  });

  it('sees an item pushed while iterating', () => {
    const queue = new PriorityQueue<Item>(1);
    queue.push(item('a'));
    const seen: string[] = [];
    for (const i of queue) {
      seen.push(i.id);
      if (i.id === 'a') queue.push(item('b'));
    }
    expect(seen).toEqual(['a', 'b']);
  });

  it('rejects fewer than one level', () => {
    expect(() => new PriorityQueue<Item>(0)).toThrow(RangeError);
    expect(() => new PriorityQueue<Item>(1.5)).toThrow(RangeError);
  });
});

describe('PriorityQueue memory', () => {
  it('lets go of items that left, while their dead slots still wait behind a live one', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new PriorityQueue<Item>(1);
    const refs = fill(queue, 500);
    queue.push(item('stays'));
    for (let i = 0; i < 250; i++) queue.shift();
    for (const ref of refs.slice(250)) queue.remove(ref.deref()!);
    // WeakRefs read in this job stay alive until it ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(ids(queue)).toEqual(['stays']);
  });
});

function fill(queue: PriorityQueue<Item>, count: number): Array<WeakRef<Item>> {
  const refs: Array<WeakRef<Item>> = [];
  for (let i = 0; i < count; i++) {
    const entry: Item & { payload: number[] } = { priorityLevel: 1, id: `i${i}`, payload: new Array(64).fill(i) };
    queue.push(entry);
    refs.push(new WeakRef(entry));
  }
  return refs;
}

describe('PriorityQueue removal', () => {
  it('removes an item once, and only from the queue that holds it', () => {
    const a = new PriorityQueue<Item>(1);
    const b = new PriorityQueue<Item>(1);
    const x = item('x');
    a.push(x);
    b.push(item('y'));
    expect(b.remove(x)).toBe(false);
    expect(ids(a)).toEqual(['x']);
    expect(a.remove(x)).toBe(true);
    expect(a.remove(x)).toBe(false);
    expect([a.size, b.size]).toEqual([0, 1]);
  });

  it('takes an item back after it left and was pushed again', () => {
    const queue = new PriorityQueue<Item>(2);
    const x = item('x', 2);
    queue.push(x);
    expect(queue.shift()).toBe(x);
    queue.push(x);
    queue.push(item('first', 1));
    expect(drainIds(queue)).toEqual(['first', 'x']);
    expect(queue.size).toBe(0);
  });
});

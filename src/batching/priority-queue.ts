/**
 * The batcher's queue: one FIFO per priority level, level 1 served first. Removal is by
 * tombstone (O(1)) because requests leave from the middle — on timeout, or when a batch
 * takes same-shape requests past ones of another shape.
 */

export interface Queueable {
  /** 1 = highest. */
  readonly priorityLevel: number;
}

/** The extension point: any queue with these four operations can back a batcher. */
export interface RequestQueue<T extends Queueable> {
  readonly size: number;
  push(item: T): void;
  shift(): T | undefined;
  remove(item: T): boolean;
  /** Live items, highest priority first, FIFO within a level. */
  [Symbol.iterator](): Iterator<T>;
}

interface Slot<T> {
  /** Cleared on removal: a dead slot waits in its array until the head passes it, and must
   * not keep the request (its tensors, its reply) alive that long. */
  item: T | undefined;
  removed: boolean;
  /** The queue it belongs to: an item can only be removed from its own. */
  readonly queue: object;
}

/**
 * Each item carries its own slot, under a symbol, instead of a Map from item to slot: a
 * Map that grows and shrinks with the queue many times a second rehashes into a new table
 * each time, and V8 links every obsolete table to its successor. Once one obsolete table
 * reached the old generation, that chain kept every later request alive through each
 * scavenge until a mark-compact: 1.5-1.9 MB copied per scavenge, 3-4 ms pauses, at
 * fraud's 30,000 req/s (bench/what-we-changed.md, item 29).
 */
const SLOT = Symbol('priority-queue slot');
type Slotted<T> = T & { [SLOT]?: Slot<T> };

/** Compact a level's array once this many dead slots sit before its head. */
const COMPACT_AFTER = 1024;

class Fifo<T> {
  slots: Array<Slot<T>> = [];
  head = 0;

  push(slot: Slot<T>): void {
    this.slots.push(slot);
  }

  dropDeadHead(): void {
    while (this.head < this.slots.length && this.slots[this.head]!.removed) this.head++;
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }
  }
}

export class PriorityQueue<T extends Queueable> implements RequestQueue<T> {
  private readonly levels: Array<Fifo<T>>;
  private live = 0;

  constructor(readonly priorityLevels: number) {
    if (!Number.isInteger(priorityLevels) || priorityLevels < 1) throw new RangeError('priorityLevels must be ≥ 1');
    this.levels = Array.from({ length: priorityLevels }, () => new Fifo<T>());
  }

  get size(): number {
    return this.live;
  }

  push(item: T): void {
    const level = Math.min(Math.max(1, item.priorityLevel), this.levels.length);
    const slot: Slot<T> = { item, removed: false, queue: this };
    this.levels[level - 1]!.push(slot);
    (item as Slotted<T>)[SLOT] = slot;
    this.live++;
  }

  shift(): T | undefined {
    for (const fifo of this.levels) {
      fifo.dropDeadHead();
      if (fifo.head < fifo.slots.length) {
        const slot = fifo.slots[fifo.head]!;
        const item = slot.item!;
        this.release(item as Slotted<T>, slot);
        fifo.dropDeadHead();
        return item;
      }
    }
    return undefined;
  }

  peek(): T | undefined {
    for (const item of this) return item;
    return undefined;
  }

  remove(item: T): boolean {
    const slot = (item as Slotted<T>)[SLOT];
    if (!slot || slot.removed || slot.queue !== this) return false;
    this.release(item as Slotted<T>, slot);
    return true;
  }

  private release(item: Slotted<T>, slot: Slot<T>): void {
    slot.removed = true;
    slot.item = undefined;
    item[SLOT] = undefined;
    this.live--;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const fifo of this.levels) {
      fifo.dropDeadHead();
      // Read length each step: an item pushed while iterating is seen, like Array#values.
      for (let i = fifo.head; i < fifo.slots.length; i++) {
        const slot = fifo.slots[i]!;
        if (!slot.removed) yield slot.item!;
      }
    }
  }
}

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
}

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
  private readonly slotOf = new Map<T, Slot<T>>();

  constructor(readonly priorityLevels: number) {
    if (!Number.isInteger(priorityLevels) || priorityLevels < 1) throw new RangeError('priorityLevels must be ≥ 1');
    this.levels = Array.from({ length: priorityLevels }, () => new Fifo<T>());
  }

  get size(): number {
    return this.slotOf.size;
  }

  push(item: T): void {
    const level = Math.min(Math.max(1, item.priorityLevel), this.levels.length);
    const slot = { item, removed: false };
    this.levels[level - 1]!.push(slot);
    this.slotOf.set(item, slot);
  }

  shift(): T | undefined {
    for (const fifo of this.levels) {
      fifo.dropDeadHead();
      if (fifo.head < fifo.slots.length) {
        const slot = fifo.slots[fifo.head]!;
        const item = slot.item!;
        slot.removed = true;
        slot.item = undefined;
        this.slotOf.delete(item);
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
    const slot = this.slotOf.get(item);
    if (!slot) return false;
    slot.removed = true;
    slot.item = undefined;
    this.slotOf.delete(item);
    return true;
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

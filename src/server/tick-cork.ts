/**
 * Replies to one batch are sent in the same tick, one WebSocket frame each. Uncorked,
 * every frame is its own write syscall: at concurrency 64 on fraud, writev was the
 * largest single item of the main thread's profile (~15 µs per reply on loopback).
 * Corking the TCP socket until the tick's callbacks have run sends them in one writev.
 */
import type { WebSocket } from 'ws';

interface Corkable {
  cork(): void;
  uncork(): void;
}

export class TickCork {
  private held = false;

  constructor(private readonly stream: Corkable | undefined) {}

  /** The TCP socket under a `ws` WebSocket (ws keeps it as `_socket`; absent in tests' fakes). */
  static of(socket: WebSocket): TickCork {
    const raw = (socket as unknown as { _socket?: Partial<Corkable> })._socket;
    return new TickCork(typeof raw?.cork === 'function' && typeof raw.uncork === 'function' ? (raw as Corkable) : undefined);
  }

  /** Cork now, uncork once the current tick (with its promise callbacks) is done. */
  hold(): void {
    if (this.held || !this.stream) return;
    this.held = true;
    this.stream.cork();
    process.nextTick(() => {
      this.held = false;
      this.stream!.uncork();
    });
  }
}

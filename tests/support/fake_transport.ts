/**
 * A transport whose sockets the test drives by hand: it decides when a socket opens,
 * how many bytes each write takes, and what arrives.
 */
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "../../src/net/transport.ts";

export class FakeSocket implements TransportSocket {
  written: Uint8Array[] = [];
  /** The most bytes one write takes; Infinity takes everything. */
  capacity = Infinity;
  closed = false;

  constructor(readonly address: TransportAddress, readonly events: TransportEvents) {}

  write(data: Uint8Array): number {
    if (this.closed) return 0;
    const taken = Math.min(data.length, this.capacity);
    if (taken > 0) this.written.push(data.slice(0, taken));
    return taken;
  }

  close(): void {
    this.closed = true;
    queueMicrotask(() => this.events.onClose());
  }

  /** Everything written so far, joined. */
  bytes(): Uint8Array {
    const total = this.written.reduce((n, chunk) => n + chunk.length, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of this.written) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

export class FakeTransport implements Transport {
  readonly name = "fake";
  readonly sockets: FakeSocket[] = [];

  connect(address: TransportAddress, events: TransportEvents): TransportSocket {
    const socket = new FakeSocket(address, events);
    this.sockets.push(socket);
    return socket;
  }
}

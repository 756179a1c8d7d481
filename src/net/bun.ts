/**
 * The Bun transport: `Bun.connect`. Bun's `socket.write` does not buffer: it returns how
 * many bytes the kernel took, and the Selector keeps the rest for the `drain` callback.
 *
 * @module
 */
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";

// The few members of Bun's socket API used here, so the file type-checks anywhere.
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(enabled: boolean): boolean;
}
interface BunSocketHandler {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
  connectError(socket: BunSocket, error: Error): void;
  end(socket: BunSocket): void;
}
interface BunTlsOptions {
  ca?: string | string[];
  cert?: string;
  key?: string;
  serverName?: string;
  rejectUnauthorized?: boolean;
}
declare const Bun: {
  connect(options: { hostname: string; port: number; tls?: BunTlsOptions; socket: BunSocketHandler }): Promise<BunSocket>;
};

class BunConnection implements TransportSocket {
  #socket: BunSocket | null = null;
  #closed = false;
  #error: Error | undefined;
  readonly #events: TransportEvents;

  constructor(address: TransportAddress, events: TransportEvents) {
    this.#events = events;
    const tls = address.tls;
    Bun.connect({
      hostname: address.host,
      port: address.port,
      tls: tls && {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        serverName: tls.servername ?? address.host,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
      },
      socket: {
        open: (socket) => {
          if (this.#closed) {
            socket.end();
            return;
          }
          this.#socket = socket;
          socket.setNoDelay?.(true);
          events.onOpen();
        },
        data: (_socket, chunk) => {
          if (!this.#closed) events.onData(chunk);
        },
        drain: () => {
          if (!this.#closed) events.onDrain();
        },
        error: (_socket, error) => {
          this.#error ??= error;
        },
        connectError: (_socket, error) => this.#finish(error),
        // The broker half-closed; end ours too so `close` follows.
        end: (socket) => socket.end(),
        close: (_socket, error) => this.#finish(error ?? this.#error ?? new Error("connection closed by the broker")),
      },
    }).catch((error: unknown) => this.#finish(error instanceof Error ? error : new Error(String(error))));
  }

  write(data: Uint8Array): number {
    if (this.#closed || this.#socket === null) return 0;
    const written = this.#socket.write(data);
    return written > 0 ? written : 0;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.end();
    queueMicrotask(() => this.#events.onClose());
  }

  #finish(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket?.end();
    this.#events.onClose(error);
  }
}

/**
 * The transport for Bun.
 *
 * @example
 * ```ts
 * import { bunTransport } from "./bun.ts";
 * import { Selector } from "./selector.ts";
 * const selector = new Selector(bunTransport);
 * ```
 */
export const bunTransport: Transport = {
  name: "bun",
  connect: (address, events) => new BunConnection(address, events),
};

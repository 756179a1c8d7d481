/**
 * The Bun transport: `Bun.connect`. Bun's `socket.write` does not buffer: it returns how
 * many bytes the kernel took, and the Selector keeps the rest for the `drain` callback.
 *
 * @module
 */
import { rootCertificates } from "node:tls";
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";
import { CloseOnce, isTlsErrorCode, tlsFailure } from "./transport.ts";

// The few members of Bun's socket API used here, so the file type-checks anywhere.
interface BunSocket {
  write(data: Uint8Array): number;
  end(): void;
  setNoDelay?(enabled: boolean): boolean;
}
interface BunSocketHandler {
  open(socket: BunSocket): void;
  handshake?(socket: BunSocket, success: boolean, authorizationError: (Error & { code?: string }) | null): void;
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
  #error: Error | undefined;
  readonly #closing: CloseOnce;

  constructor(address: TransportAddress, events: TransportEvents) {
    this.#closing = new CloseOnce(events, () => this.#socket?.end());
    const tls = address.tls;
    const verify = tls !== undefined && (tls.rejectUnauthorized ?? true);
    const ready = (socket: BunSocket) => {
      if (this.#closing.closed) {
        socket.end();
        return;
      }
      this.#socket = socket;
      socket.setNoDelay?.(true);
      events.onOpen();
    };
    Bun.connect({
      hostname: address.host,
      port: address.port,
      tls: tls && {
        // Bun trusts only `ca` when given; keep the default roots too, as Deno does.
        ca: tls.ca === undefined ? undefined : [...rootCertificates, ...[tls.ca].flat()],
        cert: tls.cert,
        key: tls.key,
        serverName: tls.servername ?? address.host,
        rejectUnauthorized: verify,
      },
      socket: {
        // With TLS, `open` comes before the handshake; bytes may flow only after it.
        open: (socket) => {
          if (tls === undefined) ready(socket);
        },
        handshake: (socket, success, authorizationError) => {
          if (success && (authorizationError === null || !verify)) ready(socket);
          // A peer that hung up mid-handshake (a plaintext listener, a restarting broker): a retriable socket error, as on Node and Deno.
          else if (typeof authorizationError?.code === "string" && !isTlsErrorCode(authorizationError.code)) {
            this.#error ??= authorizationError;
          } else this.#error ??= tlsFailure(address, authorizationError ?? new Error("the TLS handshake did not complete"));
        },
        data: (_socket, chunk) => {
          if (!this.#closing.closed) events.onData(chunk);
        },
        drain: () => {
          if (!this.#closing.closed) events.onDrain();
        },
        error: (_socket, error: Error & { code?: string }) => {
          this.#error ??= tls !== undefined && isTlsErrorCode(error.code) ? tlsFailure(address, error) : error;
        },
        connectError: (_socket, error) => this.#closing.fail(error),
        // The broker half-closed; end ours too so `close` follows.
        end: (socket) => socket.end(),
        close: (_socket, error) => this.#closing.fail(this.#error ?? error ?? new Error("connection closed by the broker")),
      },
    }).catch((error: unknown) => this.#closing.fail(error instanceof Error ? error : new Error(String(error))));
  }

  write(data: Uint8Array): number {
    if (this.#closing.closed || this.#socket === null) return 0;
    const written = this.#socket.write(data);
    return written > 0 ? written : 0;
  }

  close(): void {
    this.#closing.close();
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

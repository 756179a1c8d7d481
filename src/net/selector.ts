/**
 * The Selector: a runtime-agnostic event loop over many broker connections, in the
 * shape of Kafka's Java `Selector`. It frames responses by their 4-byte size, queues
 * requests per connection across partial writes, coalesces small requests into large
 * writes, and reports what happened since the last {@link Selector.poll}.
 *
 * @module
 */
import { CorruptResponseError, KafkaError, NetworkError } from "../errors.ts";
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "./transport.ts";

/** A complete response frame (without its size prefix) received from a node. */
export interface NetworkReceive {
  /** The node whose connection delivered it. */
  nodeId: number;
  /** The frame's bytes, owned by the receiver. */
  payload: Uint8Array;
}

/** A connection that closed without being asked to. */
export interface Disconnection {
  /** The node whose connection closed. */
  nodeId: number;
  /** Why it closed. */
  error: Error;
}

/**
 * What the NetworkClient needs from a selector; the real {@link Selector} and the fake
 * one in the tests both implement it. After each `poll`, the four lists hold what
 * happened since the previous `poll`.
 */
export interface Selectable {
  /** Starts connecting to a node; `connected` or `disconnected` reports the outcome. */
  connect(nodeId: number, address: TransportAddress): void;
  /**
   * Queues a whole request frame (size prefix included) on a connected node, as one array
   * or as chunks to write in order (which must stay unchanged until written). If the
   * connection is gone, the next `poll` reports the node in `disconnected`.
   */
  send(nodeId: number, frame: Uint8Array | readonly Uint8Array[]): void;
  /** Closes a node's connection without reporting it in `disconnected`. */
  close(nodeId: number): void;
  /** Makes a pending or the next `poll` return at once. */
  wakeup(): void;
  /** Writes what is queued, then waits up to `timeoutMs` for something to happen. */
  poll(timeoutMs: number): Promise<void>;
  /** Nodes whose connection opened. */
  readonly connected: readonly number[];
  /** Connections that closed or failed, with the reason. */
  readonly disconnected: readonly Disconnection[];
  /** One node id per request frame handed to the socket completely, in order. */
  readonly completedSends: readonly number[];
  /** Complete response frames, in arrival order per node. */
  readonly completedReceives: readonly NetworkReceive[];
}

/** Settings for {@link Selector}. */
export interface SelectorOptions {
  /** The largest response frame accepted; a larger size field closes the connection. Default 100 MiB. */
  maxReceiveSize?: number;
}

// Chunks smaller than this are copied together into one write; larger ones go as they are.
const COALESCE_BELOW_BYTES = 64 * 1024;
// The most bytes one coalesced write gathers.
const MAX_COALESCED_WRITE_BYTES = 256 * 1024;
const MAX_TIMER_MS = 2_147_483_647;

/** What one poll reports: the four lists of {@link Selectable}. */
interface PollEvents {
  connected: number[];
  disconnected: Disconnection[];
  completedSends: number[];
  completedReceives: NetworkReceive[];
}

function emptyPollEvents(): PollEvents {
  return { connected: [], disconnected: [], completedSends: [], completedReceives: [] };
}

// How much of a peer's first bytes a CorruptResponseError shows.
const PREVIEW_BYTES = 64;

/**
 * The start of what a peer sent, up to its first line break, with bytes outside
 * printable ASCII as `\xNN`: `HTTP/1.1 400 Bad Request` rather than a frame size.
 */
function printable(head: Uint8Array, rest: Uint8Array): string {
  let text = "";
  for (let i = 0; i < head.length + rest.length && i < PREVIEW_BYTES; i++) {
    const byte = i < head.length ? head[i] : rest[i - head.length];
    if (byte === 0x0d || byte === 0x0a) break;
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, "0")}`;
  }
  return text;
}

/** One connection: its socket, its send queue and its receive framing state. */
class Channel implements TransportEvents {
  socket!: TransportSocket;
  open = false;
  // Chunks of frames not yet fully taken by the socket; `sentOfHead` bytes of the first are gone. `frameEnds`
  // holds, for each chunk, whether it is the last of its frame.
  readonly queue: Uint8Array[] = [];
  readonly frameEnds: boolean[] = [];
  sentOfHead = 0;
  // The socket took less than offered; only its drain event makes writing worthwhile again.
  awaitingDrain = false;
  readonly #size = new Uint8Array(4);
  #sizeFilled = 0;
  #payload: Uint8Array | null = null;
  #payloadFilled = 0;

  constructor(readonly selector: Selector, readonly nodeId: number, readonly address: string) {}

  onOpen(): void {
    this.open = true;
    this.selector.channelOpened(this);
  }

  onData(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#payload === null) {
        const take = Math.min(4 - this.#sizeFilled, chunk.length - offset);
        this.#size.set(chunk.subarray(offset, offset + take), this.#sizeFilled);
        this.#sizeFilled += take;
        offset += take;
        if (this.#sizeFilled < 4) return;
        const size = ((this.#size[0] << 24) | (this.#size[1] << 16) | (this.#size[2] << 8) | this.#size[3]) | 0;
        if (size < 0 || size > this.selector.maxReceiveSize) {
          // Often no Kafka broker at all (an HTTP server): its first bytes say what it is.
          const received = printable(this.#size, chunk.subarray(offset));
          this.selector.channelFailed(
            this,
            new CorruptResponseError(
              `node ${this.nodeId} at ${this.address} sent a frame of ${size} bytes; the limit is ${this.selector.maxReceiveSize}` +
                ` (it began with "${received}")`,
              undefined,
              received,
            ),
          );
          return;
        }
        this.#payload = new Uint8Array(size);
        this.#payloadFilled = 0;
      }
      const take = Math.min(this.#payload.length - this.#payloadFilled, chunk.length - offset);
      this.#payload.set(chunk.subarray(offset, offset + take), this.#payloadFilled);
      this.#payloadFilled += take;
      offset += take;
      if (this.#payloadFilled === this.#payload.length) {
        this.selector.frameReceived(this, this.#payload);
        this.#payload = null;
        this.#sizeFilled = 0;
      }
    }
  }

  onDrain(): void {
    this.awaitingDrain = false;
    this.selector.flush(this);
  }

  onClose(error?: Error): void {
    // A close we asked for is not news; the channel is already forgotten.
    if (error !== undefined) this.selector.channelFailed(this, error);
  }
}

/**
 * The real selector, driving sockets from a {@link Transport}.
 *
 * @example Send one frame and wait for the answer
 * ```ts
 * import { Selector } from "./selector.ts";
 * import { runtimeTransport } from "./runtime_transport.ts";
 * const selector = new Selector(runtimeTransport());
 * selector.connect(1, { host: "127.0.0.1", port: 9092 });
 * await selector.poll(1000); // selector.connected is [1] once the socket opened
 * ```
 */
export class Selector implements Selectable {
  connected: number[] = [];
  disconnected: Disconnection[] = [];
  completedSends: number[] = [];
  completedReceives: NetworkReceive[] = [];
  /** The largest response frame accepted. */
  readonly maxReceiveSize: number;
  readonly #transport: Transport;
  readonly #channels = new Map<number, Channel>();
  readonly #withQueuedWrites = new Set<Channel>();
  // Gathered since the last poll; the next poll reports them.
  #pendingEvents: PollEvents = emptyPollEvents();
  // Set when something happened or wakeup() was called: the next poll returns without waiting.
  #wakePending = false;
  // Ends the wait of the poll in progress, if one is waiting.
  #endWait: (() => void) | null = null;

  /**
   * @param transport The runtime's sockets.
   * @param options Limits; see {@link SelectorOptions}.
   */
  constructor(transport: Transport, options: SelectorOptions = {}) {
    this.#transport = transport;
    this.maxReceiveSize = options.maxReceiveSize ?? 100 * 1024 * 1024;
  }

  connect(nodeId: number, address: TransportAddress): void {
    if (this.#channels.has(nodeId)) throw new Error(`node ${nodeId} already has a connection`);
    const channel = new Channel(this, nodeId, `${address.host}:${address.port}`);
    this.#channels.set(nodeId, channel);
    channel.socket = this.#transport.connect(address, channel);
  }

  send(nodeId: number, frame: Uint8Array | readonly Uint8Array[]): void {
    const channel = this.#channels.get(nodeId);
    if (channel === undefined || !channel.open) {
      // The socket died after the caller last looked; say so in the next poll, as a failed send.
      this.#pendingEvents.disconnected.push({ nodeId, error: new NetworkError(`cannot send to node ${nodeId}: its connection is closed`) });
      this.#wakePoll();
      return;
    }
    if (frame instanceof Uint8Array) {
      channel.queue.push(frame);
      channel.frameEnds.push(true);
    } else {
      for (let i = 0; i < frame.length; i++) {
        channel.queue.push(frame[i]);
        channel.frameEnds.push(i === frame.length - 1);
      }
    }
    this.#withQueuedWrites.add(channel);
  }

  close(nodeId: number): void {
    const channel = this.#channels.get(nodeId);
    if (channel === undefined) return;
    this.#forget(channel);
    channel.socket.close();
  }

  /** Closes every connection. */
  closeAll(): void {
    for (const nodeId of [...this.#channels.keys()]) this.close(nodeId);
  }

  /** Whether a node's connection is open. */
  isConnected(nodeId: number): boolean {
    return this.#channels.get(nodeId)?.open ?? false;
  }

  wakeup(): void {
    this.#wakePoll();
  }

  async poll(timeoutMs: number): Promise<void> {
    for (const channel of this.#withQueuedWrites) {
      if (!channel.awaitingDrain) this.flush(channel);
    }
    if (!this.#wakePending) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.#wakePoll(), Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
        this.#endWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.#wakePending = false;
    // Swap the two sets of lists: the ones the caller read last time are emptied and gather from now on.
    const events = this.#pendingEvents;
    this.#pendingEvents = {
      connected: this.connected,
      disconnected: this.disconnected,
      completedSends: this.completedSends,
      completedReceives: this.completedReceives,
    };
    this.#pendingEvents.connected.length = 0;
    this.#pendingEvents.disconnected.length = 0;
    this.#pendingEvents.completedSends.length = 0;
    this.#pendingEvents.completedReceives.length = 0;
    this.connected = events.connected;
    this.disconnected = events.disconnected;
    this.completedSends = events.completedSends;
    this.completedReceives = events.completedReceives;
  }

  /** Hands as much of a channel's queue to its socket as it takes. */
  flush(channel: Channel): void {
    const queue = channel.queue;
    while (queue.length > 0 && this.#channels.get(channel.nodeId) === channel) {
      const chunk = this.#nextWrite(channel);
      const taken = channel.socket.write(chunk);
      this.#advance(channel, taken);
      if (taken < chunk.length) {
        channel.awaitingDrain = true;
        return;
      }
    }
    this.#withQueuedWrites.delete(channel);
  }

  /**
   * The next bytes to write: the head chunk's rest, or several small chunks copied
   * together (a large one, a record batch written by reference, goes on its own).
   */
  #nextWrite(channel: Channel): Uint8Array {
    const queue = channel.queue;
    const head = channel.sentOfHead === 0 ? queue[0] : queue[0].subarray(channel.sentOfHead);
    if (queue.length === 1 || head.length >= COALESCE_BELOW_BYTES) return head;
    let total = head.length;
    let count = 1;
    while (
      count < queue.length && queue[count].length < COALESCE_BELOW_BYTES && total + queue[count].length <= MAX_COALESCED_WRITE_BYTES
    ) {
      total += queue[count].length;
      count++;
    }
    if (count === 1) return head;
    const joined = new Uint8Array(total);
    joined.set(head, 0);
    let offset = head.length;
    for (let i = 1; i < count; i++) {
      joined.set(queue[i], offset);
      offset += queue[i].length;
    }
    return joined;
  }

  /** Drops `taken` written bytes from the queue, completing every frame fully written. */
  #advance(channel: Channel, taken: number): void {
    const queue = channel.queue;
    let left = taken;
    let completed = 0;
    while (left > 0) {
      const rest = queue[completed].length - channel.sentOfHead;
      if (left < rest) {
        channel.sentOfHead += left;
        break;
      }
      left -= rest;
      channel.sentOfHead = 0;
      if (channel.frameEnds[completed]) this.#pendingEvents.completedSends.push(channel.nodeId);
      completed++;
    }
    if (completed > 0) {
      queue.splice(0, completed);
      channel.frameEnds.splice(0, completed);
      this.#wakePoll();
    }
  }

  /** @internal Called by a channel whose socket opened. */
  channelOpened(channel: Channel): void {
    if (this.#channels.get(channel.nodeId) !== channel) return;
    this.#pendingEvents.connected.push(channel.nodeId);
    this.#wakePoll();
  }

  /** @internal Called by a channel with a complete frame. */
  frameReceived(channel: Channel, payload: Uint8Array): void {
    if (this.#channels.get(channel.nodeId) !== channel) return;
    this.#pendingEvents.completedReceives.push({ nodeId: channel.nodeId, payload });
    this.#wakePoll();
  }

  /** @internal Called when a channel's socket failed or its bytes made no sense. */
  channelFailed(channel: Channel, error: Error): void {
    if (this.#channels.get(channel.nodeId) !== channel) return;
    this.#forget(channel);
    channel.socket.close();
    // Typed errors from the adapters (a TLS failure is an SslAuthenticationError) keep their type.
    const reason = error instanceof KafkaError
      ? error
      : new NetworkError(`connection to node ${channel.nodeId} at ${channel.address} failed: ${error.message}`, error);
    this.#pendingEvents.disconnected.push({ nodeId: channel.nodeId, error: reason });
    this.#wakePoll();
  }

  #forget(channel: Channel): void {
    this.#channels.delete(channel.nodeId);
    this.#withQueuedWrites.delete(channel);
  }

  #wakePoll(): void {
    this.#wakePending = true;
    const endWait = this.#endWait;
    if (endWait !== null) {
      this.#endWait = null;
      endWait();
    }
  }
}

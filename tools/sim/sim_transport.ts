/**
 * A {@link Transport} whose sockets lead to the model cluster over a simulated network:
 * requests reach their broker after a latency, in order per connection; responses come
 * back the same way. This is where network faults happen: connections refused, reset
 * before or after the broker applied a request, gone silent (black-holed), slow, or
 * failing the TLS handshake (reported as src/net reports it: an SslAuthenticationError
 * from `tlsFailure`, which the NetworkClient treats as an authentication failure).
 *
 * @module
 */
import type { Transport, TransportAddress, TransportEvents, TransportSocket } from "../../src/net/transport.ts";
import { tlsFailure } from "../../src/net/transport.ts";
import type { FaultPlan } from "./faults.ts";
import type { ModelBrokerNode, ModelCluster } from "./model_broker.ts";
import type { Random } from "./random.ts";
import type { Trace } from "./trace.ts";

/** The clock and timers the network runs on. */
export interface NetworkClock {
  now(): number;
  later(ms: number, fn: () => void): void;
}

function socketError(code: string, text: string): Error {
  return Object.assign(new Error(`${text} (${code})`), { code });
}

/**
 * The simulated network, as a Transport for the producer's `transport` setting.
 *
 * @example
 * ```ts
 * import { SimTransport } from "./sim_transport.ts";
 * // simulation.ts builds one per run and passes it as { transport } to the KafkaProducer.
 * console.log(typeof SimTransport);
 * ```
 */
export class SimTransport implements Transport {
  readonly name = "sim";
  readonly #cluster: ModelCluster;
  readonly #plan: FaultPlan;
  readonly #random: Random;
  readonly #trace: Trace;
  readonly #clock: NetworkClock;
  readonly #open = new Set<SimConnection>();
  #nextId = 1;
  // Requests carried and not yet at their broker, and what waits for there to be none.
  #inTransit = 0;
  readonly #onQuiet: (() => void)[] = [];
  /** Connection attempts so far. */
  connects = 0;

  /**
   * @param cluster The brokers behind the addresses.
   * @param plan The run's faults.
   * @param random The network's own random stream.
   * @param trace Where events go.
   * @param clock Virtual time.
   */
  constructor(cluster: ModelCluster, plan: FaultPlan, random: Random, trace: Trace, clock: NetworkClock) {
    this.#cluster = cluster;
    this.#plan = plan;
    this.#random = random;
    this.#trace = trace;
    this.#clock = clock;
  }

  connect(address: TransportAddress, events: TransportEvents): TransportSocket {
    this.connects++;
    const connection = new SimConnection(this.#nextId++, address, events, this);
    this.#attempt(connection, address, events, 0);
    return connection;
  }

  /**
   * One SYN. A partitioned broker never sees it; the kernel sends it again 1, 2, 4, 8 ... s
   * later (Linux's SYN retransmission), so a connection begun during a partition opens soon
   * after it ends, unless the client's connection setup timeout gave up on it first.
   */
  #attempt(connection: SimConnection, address: TransportAddress, events: TransportEvents, synRetries: number): void {
    const broker = this.#cluster.brokerAt(address.host, address.port);
    const now = this.#clock.now();
    const latency = this.latency();
    const label = `c${connection.id} -> ${address.host}`;
    if (broker === undefined) {
      this.#trace.event("net", `${label}: unknown host`);
      this.#clock.later(latency, () => connection.fail(socketError("ENOTFOUND", `getaddrinfo ENOTFOUND ${address.host}`)));
    } else if (now < broker.partitionedUntil) {
      if (synRetries === 0) this.#trace.event("net", `${label}: unreachable (partitioned)`);
      this.#clock.later(1_000 * 2 ** synRetries, () => {
        if (connection.state === "connecting") this.#attempt(connection, address, events, synRetries + 1);
      });
    } else if (!broker.up || (this.#cluster.chaos && this.#random.chance(this.#plan.connectRefused))) {
      this.#trace.event("net", `${label}: refused`);
      this.#clock.later(
        latency,
        () => connection.fail(socketError("ECONNREFUSED", `connect ECONNREFUSED ${address.host}:${address.port}`)),
      );
    } else if (now < broker.authFailingUntil) {
      this.#trace.event("net", `${label}: TLS handshake fails`);
      this.#clock.later(
        latency,
        () => connection.fail(tlsFailure(address, new Error("certificate verify failed: certificate has expired"))),
      );
    } else {
      this.#clock.later(latency, () => {
        if (connection.state !== "connecting") return;
        if (!broker.up) return connection.fail(socketError("ECONNREFUSED", "connect ECONNREFUSED"));
        connection.state = "open";
        connection.broker = broker;
        this.#open.add(connection);
        this.#trace.event("net", `${label}: open`);
        events.onOpen();
      });
    }
  }

  /** A one-way latency draw. */
  latency(): number {
    const [min, max] = this.#plan.latencyMs;
    return this.#random.int(min, max);
  }

  /** Resets every open connection to a broker (it restarted). */
  resetBroker(brokerId: number, why: string): void {
    for (const connection of [...this.#open]) {
      if (connection.broker?.id === brokerId) connection.fail(socketError("ECONNRESET", `read ECONNRESET (${why})`));
    }
  }

  /** @internal */
  forget(connection: SimConnection): void {
    this.#open.delete(connection);
  }

  /**
   * Runs `fn` once no request is on its way to a broker. A broker forgets an idle producer
   * after `producer.id.expiration.ms` (a day by default), far longer than TCP keeps
   * retransmitting what a network partition held; the model's compressed time must not let
   * a request the client sent before the expiry arrive after it.
   */
  whenNoRequestInTransit(fn: () => void): void {
    if (this.#inTransit === 0) fn();
    else this.#onQuiet.push(fn);
  }

  #arrived(): void {
    if (--this.#inTransit > 0) return;
    for (const fn of this.#onQuiet.splice(0)) fn();
  }

  /** @internal Carries one request frame to its broker and the response back, with the plan's faults. */
  carry(connection: SimConnection, payload: Uint8Array): void {
    const broker = connection.broker!;
    const chaos = this.#cluster.chaos;
    const now = this.#clock.now();
    const label = `c${connection.id}`;
    if (chaos && this.#random.chance(this.#plan.dropBeforeApply)) {
      connection.doomed = true;
      this.#trace.event("net", `${label}: reset before the broker reads the request`);
      this.#clock.later(this.latency(), () => connection.fail(socketError("ECONNRESET", "read ECONNRESET")));
      return;
    }
    const arrival = Math.max(connection.lastArrival, now + this.latency());
    connection.lastArrival = arrival;
    const afterApply = chaos && this.#random.chance(this.#plan.dropAfterApply);
    const blackhole = !afterApply && chaos && this.#random.chance(this.#plan.blackhole);
    const slow = chaos && this.#random.chance(this.#plan.slow) ? this.#random.int(0, this.#plan.slowMs) : 0;
    const back = this.latency() + slow;
    // A network partition holds the bytes both ways until it heals; TCP retransmits them then (a
    // partition of seconds is far shorter than TCP's retransmission timeout, ~15 minutes), so a
    // connection opened before it carries on after it, unless the client gave up on it meanwhile:
    // a Kafka client only learns of a silent connection from its request.timeout.ms. A model that
    // dropped those bytes for good made every connection opened before the partition a black hole
    // after the heal, which no real network does (and which cost a healthy producer its probe).
    this.#inTransit++;
    const arrive = () => {
      if (this.#clock.now() < broker.partitionedUntil && broker.up && !connection.resetBeforeArrival) {
        return void this.#clock.later(broker.partitionedUntil - this.#clock.now(), arrive);
      }
      // A broker that went down, or a connection reset before the request got there, loses it.
      const lost = !broker.up || connection.resetBeforeArrival;
      const response = lost
        ? undefined
        : this.#cluster.handle(broker.id, payload, { sentAt: now, clientGaveUp: connection.state !== "open" });
      this.#arrived();
      if (lost) return;
      if (afterApply) {
        connection.doomed = true;
        this.#trace.event("net", `${label}: reset after the broker applied the request`);
        this.#clock.later(this.latency(), () => connection.fail(socketError("ECONNRESET", "read ECONNRESET")));
        return;
      }
      if (blackhole) {
        this.#trace.event("net", `${label}: goes silent after the broker applied the request`);
        connection.silent = true;
      }
      if (response === undefined) return;
      const at = Math.max(connection.lastDelivery, this.#clock.now() + back);
      connection.lastDelivery = at;
      const deliver = () => {
        if (connection.state !== "open" || connection.silent) return;
        if (this.#clock.now() < broker.partitionedUntil) {
          return void this.#clock.later(broker.partitionedUntil - this.#clock.now(), deliver);
        }
        connection.events.onData(response);
      };
      this.#clock.later(at - this.#clock.now(), deliver);
    };
    this.#clock.later(arrival - now, arrive);
  }
}

/** One simulated socket. */
class SimConnection implements TransportSocket {
  state: "connecting" | "open" | "closed" = "connecting";
  broker: ModelBrokerNode | undefined;
  /** Responses are no longer delivered (a black hole; a partition only delays them). */
  silent = false;
  /** A reset is on its way: later requests on this connection never reach the broker. */
  doomed = false;
  resetBeforeArrival = false;
  lastArrival = 0;
  lastDelivery = 0;
  #pending = new Uint8Array(0);

  constructor(
    readonly id: number,
    readonly address: TransportAddress,
    readonly events: TransportEvents,
    readonly network: SimTransport,
  ) {}

  write(data: Uint8Array): number {
    if (this.state !== "open") return data.length;
    let buffer = data;
    if (this.#pending.length > 0) {
      buffer = new Uint8Array(this.#pending.length + data.length);
      buffer.set(this.#pending, 0);
      buffer.set(data, this.#pending.length);
    }
    let at = 0;
    while (buffer.length - at >= 4) {
      const size = new DataView(buffer.buffer, buffer.byteOffset + at, 4).getInt32(0);
      if (buffer.length - at - 4 < size) break;
      const payload = buffer.slice(at + 4, at + 4 + size);
      at += 4 + size;
      if (!this.doomed) this.network.carry(this, payload);
    }
    this.#pending = buffer.slice(at);
    return data.length;
  }

  close(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.network.forget(this);
    queueMicrotask(() => this.events.onClose());
  }

  /** The far end failed the connection. */
  fail(error: Error): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.resetBeforeArrival = true;
    this.network.forget(this);
    this.events.onClose(error);
  }
}

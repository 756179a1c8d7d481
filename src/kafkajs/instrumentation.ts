/**
 * KafkaJS's instrumentation events: `producer.on(producer.events.REQUEST, listener)` and
 * the like. Connect and disconnect come from the facade; request, request timeout and
 * request queue size from the NetworkClient of each native producer, through its
 * {@link NetworkObserver} hook.
 *
 * @module
 */
import type { NetworkObserver } from "../client/network_observer.ts";
import type { ClientRequest } from "../client/client_request.ts";
import { KafkaJSNonRetriableError } from "./errors.ts";
import type { Logger } from "./logger.ts";

/** One event, as a listener receives it. */
export interface InstrumentationEvent<T> {
  /** Counts the events of this process (a string, as KafkaJS's type declares it). */
  id: string;
  /** The event's name, as `producer.network.request`. */
  type: string;
  /** When it happened, ms since the epoch. */
  timestamp: number;
  /** What happened. */
  payload: T;
}

/** Removes the listener `on()` added (`T`: the event's name, as in KafkaJS's type). */
export type RemoveInstrumentationEventListener<_T = string> = () => void;

/** Which request an event is about, where it went, and when. */
export interface RequestTiming {
  /** The API's key. */
  apiKey: number;
  /** The API's name (`Produce`, `Metadata`, ...). */
  apiName: string;
  /** The version sent. */
  apiVersion: number;
  /** `host:port` of the broker. */
  broker: string;
  /** The client id sent with it. */
  clientId: string;
  /** Its correlation id. */
  correlationId: number;
  /** When it was made, ms since the epoch. */
  createdAt: number;
  /** How long it waited before it was written, ms. */
  pendingDuration: number;
  /** When it was written. */
  sentAt: number;
}

/** A request answered by a broker: `duration` from writing to the answer, `size` of the answer in bytes. */
export type RequestEvent = InstrumentationEvent<RequestTiming & { duration: number; size: number }>;

/** A request that got no answer within `requestTimeout`. */
export type RequestTimeoutEvent = InstrumentationEvent<RequestTiming>;

/** How many requests to a broker wait for an answer. */
export type RequestQueueSizeEvent = InstrumentationEvent<{ broker: string; clientId: string; queueSize: number }>;

/** Connected (payload null). */
export type ConnectEvent = InstrumentationEvent<null>;

/** Disconnected (payload null). */
export type DisconnectEvent = InstrumentationEvent<null>;

/** The names of the events of one kind of client. */
export interface ClientEvents<P extends string> {
  /** Connected. */
  readonly CONNECT: `${P}.connect`;
  /** Disconnected. */
  readonly DISCONNECT: `${P}.disconnect`;
  /** A request was answered. */
  readonly REQUEST: `${P}.network.request`;
  /** A request timed out. */
  readonly REQUEST_TIMEOUT: `${P}.network.request_timeout`;
  /** The number of unanswered requests to a broker changed. */
  readonly REQUEST_QUEUE_SIZE: `${P}.network.request_queue_size`;
}

/** The producer's events. */
export type ProducerEvents = ClientEvents<"producer">;

/** The admin client's events. */
export type AdminEvents = ClientEvents<"admin">;

/**
 * The event names for `producer` or `admin`.
 *
 * @example
 * ```ts
 * import { clientEvents } from "./instrumentation.ts";
 * console.log(clientEvents("producer").REQUEST); // producer.network.request
 * ```
 */
export function clientEvents<P extends string>(prefix: P): ClientEvents<P> {
  return Object.freeze({
    CONNECT: `${prefix}.connect`,
    DISCONNECT: `${prefix}.disconnect`,
    REQUEST: `${prefix}.network.request`,
    REQUEST_TIMEOUT: `${prefix}.network.request_timeout`,
    REQUEST_QUEUE_SIZE: `${prefix}.network.request_queue_size`,
  } as ClientEvents<P>);
}

let nextId = 0;

/**
 * Listeners by event name; an event is made only when someone listens to it. A listener
 * that throws (or rejects) is logged as an error and affects nothing else.
 *
 * @example
 * ```ts
 * import { clientEvents, Instrumentation } from "./instrumentation.ts";
 * import { consoleLogCreator, createLogger, logLevel } from "./logger.ts";
 * const events = new Instrumentation(clientEvents("producer"), createLogger(logLevel.INFO, consoleLogCreator));
 * const remove = events.on("producer.connect", (event) => console.log(event.type));
 * events.emit("producer.connect", null); // producer.connect
 * remove();
 * ```
 */
export class Instrumentation<P extends string> {
  readonly events: ClientEvents<P>;
  readonly #names: readonly string[];
  readonly #listeners = new Map<string, Set<(event: InstrumentationEvent<unknown>) => unknown>>();
  readonly #logger: Logger;

  /**
   * @param events The names of the events one can listen to.
   * @param logger Where failing listeners are reported.
   */
  constructor(events: ClientEvents<P>, logger: Logger) {
    this.events = events;
    this.#names = Object.values(events);
    this.#logger = logger;
  }

  /** Adds a listener; an unknown event name throws KafkaJSNonRetriableError listing the known ones. */
  // deno-lint-ignore no-explicit-any
  on(eventName: string, listener: (event: InstrumentationEvent<any>) => unknown): () => void {
    if (!this.#names.includes(eventName)) {
      const prefix = this.events.CONNECT.split(".")[0];
      const known = Object.keys(this.events).map((key) => `${prefix}.events.${key}`).join(", ");
      throw new KafkaJSNonRetriableError(`Event name should be one of ${known}`);
    }
    if (typeof listener !== "function") throw new KafkaJSNonRetriableError(`the listener for ${eventName} must be a function`);
    let listeners = this.#listeners.get(eventName);
    if (listeners === undefined) this.#listeners.set(eventName, listeners = new Set());
    const entry = (event: InstrumentationEvent<unknown>) => listener(event);
    listeners.add(entry);
    return () => void listeners.delete(entry);
  }

  /** Whether anyone listens to the event. */
  has(eventName: string): boolean {
    return (this.#listeners.get(eventName)?.size ?? 0) > 0;
  }

  /** Calls the event's listeners, if there are any, with `payload()`'s result. */
  emit<T>(eventName: string, payload: T | (() => T)): void {
    const listeners = this.#listeners.get(eventName);
    if (listeners === undefined || listeners.size === 0) return;
    const event = {
      id: String(nextId++),
      type: eventName,
      timestamp: Date.now(),
      payload: typeof payload === "function" ? (payload as () => T)() : payload,
    };
    for (const listener of listeners) {
      try {
        Promise.resolve(listener(event)).catch((error) => this.#failed(eventName, error));
      } catch (error) {
        this.#failed(eventName, error);
      }
    }
  }

  #failed(eventName: string, error: unknown): void {
    this.#logger.error(`Failed to execute listener: ${(error as Error)?.message ?? error}`, {
      eventName,
      stack: (error as Error)?.stack,
    });
  }

  /** A NetworkObserver that turns the native client's reports into this client's request events. */
  networkObserver(clientId: string): NetworkObserver {
    const { REQUEST, REQUEST_TIMEOUT, REQUEST_QUEUE_SIZE } = this.events;
    const timing = (request: ClientRequest, broker: string | undefined): RequestTiming => ({
      apiKey: request.api.key,
      apiName: request.api.name,
      apiVersion: request.version,
      broker: broker ?? `node ${request.destination}`,
      clientId,
      correlationId: request.correlationId,
      createdAt: request.createdMs,
      sentAt: request.sendTimeMs,
      pendingDuration: request.sendTimeMs - request.createdMs,
    });
    return {
      requestAnswered: (request, bytes, now, broker) => {
        if (this.has(REQUEST)) this.emit(REQUEST, () => ({ ...timing(request, broker), duration: now - request.sendTimeMs, size: bytes }));
      },
      requestTimedOut: (request, _now, broker) => this.emit(REQUEST_TIMEOUT, () => timing(request, broker)),
      inFlightChanged: (nodeId, count, broker) => {
        if (this.has(REQUEST_QUEUE_SIZE)) this.emit(REQUEST_QUEUE_SIZE, { broker: broker ?? `node ${nodeId}`, clientId, queueSize: count });
      },
    };
  }
}

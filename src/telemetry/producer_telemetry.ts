/**
 * OpenTelemetry for the producer, through @opentelemetry/api's global tracer, propagator
 * and meter: one PRODUCER span per record (`send <topic>`, ended at the acknowledgement
 * or the failure), the span's W3C trace context in the record's headers, and the
 * `messaging.client.sent.messages` and `messaging.client.operation.duration` metrics.
 *
 * With nothing registered with the API, a send costs one look at its globals and nothing
 * else. A provider registered later, or replaced, is picked up at the next send.
 *
 * @module
 */
import type * as otel from "@opentelemetry/api";
// Types only, and this directory's own modules: the chunk this file becomes shares no code with the main entry.
import type { Cluster } from "../client/metadata.ts";
import type { Logger } from "../logger.ts";
import type { RecordSettler } from "../producer/producer_batch.ts";
import type { ProducerRecord, RecordMetadata } from "../producer/producer_record.ts";
import type { ObservedSend, SendObserver } from "../producer/send_observer.ts";
import type { KafkaProtocolError } from "../protocol/error_codes.ts";
import { ATTRIBUTES, INSTRUMENTATION_SCOPE, METRICS } from "./semantic_conventions.ts";
import { HEADER_SETTER, withHeaders } from "./trace_headers.ts";
import { openTelemetryRegistered } from "./opentelemetry_global.ts";

/** The @opentelemetry/api module. */
export type OpenTelemetryApi = typeof otel;

/** What {@link ProducerTelemetry} needs from its producer. */
export interface ProducerTelemetryOptions {
  /** The producer's `clientId` (`messaging.client.id`). */
  clientId: string;
  /** The client's version, the instrumentation scope's. */
  version: string;
  /** The cluster as the producer knows it now, to name the broker that answered (`server.address`, `server.port`). */
  cluster: () => Cluster;
  /** Where a tracer, propagator or meter that throws is reported; it never fails a send. */
  logger: Logger;
}

interface Instruments {
  sent: otel.Counter;
  duration: otel.Histogram;
}

/** Milliseconds since the epoch, in sub-millisecond steps, as span times are given. */
const epochMs = () => performance.timeOrigin + performance.now();

/**
 * The producer's {@link SendObserver} over @opentelemetry/api.
 *
 * @example
 * ```ts
 * import * as api from "@opentelemetry/api";
 * import { ProducerTelemetry } from "./producer_telemetry.ts";
 * import { Cluster } from "../client/metadata.ts";
 * import { silentLogger } from "../logger.ts";
 * const telemetry = new ProducerTelemetry(api, { clientId: "app", version: "0.1.0", cluster: () => Cluster.bootstrap([]), logger: silentLogger });
 * // Nothing registered: the send is left alone.
 * console.log(telemetry.observe({ topic: "orders" }, Promise.withResolvers())); // undefined
 * ```
 */
export class ProducerTelemetry implements SendObserver {
  readonly #api: OpenTelemetryApi;
  readonly #options: ProducerTelemetryOptions;
  // The tracer provider the API hands out while none is registered.
  readonly #unregisteredTracerProvider: otel.TracerProvider;
  // The global providers as last seen, and what follows from them (undefined: nothing to record).
  #tracerProvider: otel.TracerProvider | undefined;
  #tracer: otel.Tracer | undefined;
  #meterProvider: otel.MeterProvider | undefined;
  #instruments: Instruments | undefined;

  /**
   * @param api The @opentelemetry/api module.
   * @param options The producer's client id and cluster.
   */
  constructor(api: OpenTelemetryApi, options: ProducerTelemetryOptions) {
    this.#api = api;
    this.#options = options;
    // A fresh proxy delegates to the no-op provider: the one the global proxy delegates to until a provider is set.
    this.#unregisteredTracerProvider = new api.ProxyTracerProvider().getDelegate();
  }

  /** Starts the record's span and puts its context in a copy of the record; undefined when nothing records. */
  observe<K, V>(record: ProducerRecord<K, V>, inner: RecordSettler, sentMsAgo?: number): ObservedSend<K, V> | undefined {
    try {
      // The common case, nothing registered, in one look instead of the API's two.
      if (!openTelemetryRegistered()) return undefined;
      const tracer = this.#currentTracer();
      const instruments = this.#currentInstruments();
      if (tracer === undefined && instruments === undefined) return undefined;
      return this.#begin(record, inner, tracer, instruments, sentMsAgo ?? 0);
    } catch (error) {
      this.#options.logger.warn("OpenTelemetry failed to start a send's span; the record is sent untraced", { error: String(error) });
      return undefined;
    }
  }

  #begin<K, V>(
    record: ProducerRecord<K, V>,
    inner: RecordSettler,
    tracer: otel.Tracer | undefined,
    instruments: Instruments | undefined,
    sentMsAgo: number,
  ): ObservedSend<K, V> {
    const api = this.#api;
    const startMs = epochMs() - sentMsAgo;
    const parent = api.context.active();
    const span = tracer?.startSpan(
      `send ${record.topic}`,
      { kind: api.SpanKind.PRODUCER, attributes: this.#startAttributes(record), startTime: startMs },
      parent,
    );
    const carrier: [string, string][] = [];
    // Without a tracer, a context the caller holds (one a propagator extracted) passes through.
    api.propagation.inject(span === undefined ? parent : api.trace.setSpan(parent, span), carrier, HEADER_SETTER);
    const sent = carrier.length === 0 ? record : withHeaders(record, carrier);
    return new TracedSend(this, sent, inner, span, instruments, startMs);
  }

  /** The tracer of the registered tracer provider, or undefined while none is registered. */
  #currentTracer(): otel.Tracer | undefined {
    // The global provider is a proxy in front of the registered one (or of the no-op provider).
    const global = this.#api.trace.getTracerProvider() as otel.TracerProvider & { getDelegate?(): otel.TracerProvider };
    const provider = global.getDelegate?.() ?? global;
    if (provider !== this.#tracerProvider) {
      this.#tracerProvider = provider;
      this.#tracer = provider === this.#unregisteredTracerProvider
        ? undefined
        : provider.getTracer(INSTRUMENTATION_SCOPE, this.#options.version);
    }
    return this.#tracer;
  }

  /** The instruments of the registered meter provider, or undefined while none is registered. */
  #currentInstruments(): Instruments | undefined {
    const provider = this.#api.metrics.getMeterProvider();
    if (provider !== this.#meterProvider) {
      this.#meterProvider = provider;
      const meter = provider.getMeter(INSTRUMENTATION_SCOPE, this.#options.version);
      const { sentMessages, operationDuration } = METRICS;
      this.#instruments = meter === this.#api.createNoopMeter() ? undefined : {
        sent: meter.createCounter(sentMessages.name, { unit: sentMessages.unit, description: sentMessages.description }),
        duration: meter.createHistogram(operationDuration.name, {
          unit: operationDuration.unit,
          description: operationDuration.description,
          advice: { explicitBucketBoundaries: [...operationDuration.buckets] },
        }),
      };
    }
    return this.#instruments;
  }

  /** The attributes known when the send begins (samplers see these). */
  #startAttributes(record: ProducerRecord<unknown, unknown>): otel.Attributes {
    const attributes: otel.Attributes = {
      [ATTRIBUTES.system]: "kafka",
      [ATTRIBUTES.operationName]: "send",
      [ATTRIBUTES.operationType]: "send",
      [ATTRIBUTES.destination]: record.topic,
      [ATTRIBUTES.clientId]: this.#options.clientId,
    };
    if (typeof record.partition === "number") attributes[ATTRIBUTES.partition] = String(record.partition);
    const key = record.key;
    // Keys with a canonical string form only: bytes have none.
    if (typeof key === "string" || typeof key === "number" || typeof key === "bigint" || typeof key === "boolean") {
      attributes[ATTRIBUTES.key] = String(key);
    }
    if (record.value === null || record.value === undefined) attributes[ATTRIBUTES.tombstone] = true;
    return attributes;
  }

  /** Ends a send's span and records its metrics; never throws. */
  ended(
    send: TracedSend<unknown, unknown>,
    metadata: RecordMetadata | undefined,
    error: Error | undefined,
    nodeId: number | undefined,
  ): void {
    try {
      this.#end(send, metadata, error, nodeId);
    } catch (thrown) {
      this.#options.logger.warn("OpenTelemetry failed to end a send's span", { error: String(thrown) });
    }
  }

  #end(send: TracedSend<unknown, unknown>, metadata: RecordMetadata | undefined, error: Error | undefined, nodeId: number | undefined) {
    const endMs = epochMs();
    const topic = send.record.topic;
    const partition = metadata?.partition ?? send.record.partition;
    const node = nodeId === undefined || nodeId < 0 ? undefined : this.#options.cluster().node(nodeId);
    // Where the record went, for the span and the metrics alike.
    const outcome: otel.Attributes = {};
    if (typeof partition === "number" && partition >= 0) outcome[ATTRIBUTES.partition] = String(partition);
    if (node !== undefined) {
      outcome[ATTRIBUTES.serverAddress] = node.host;
      outcome[ATTRIBUTES.serverPort] = node.port;
    }
    if (error !== undefined) outcome[ATTRIBUTES.errorType] = errorType(error);
    const span = send.span;
    if (span !== undefined) {
      span.setAttributes(outcome);
      if (metadata !== undefined && metadata.offset >= 0) span.setAttribute(ATTRIBUTES.offset, metadata.offset);
      if (error !== undefined) {
        span.recordException(error, endMs);
        span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: error.message });
      }
      span.end(endMs);
    }
    const instruments = send.instruments;
    if (instruments === undefined) return;
    const attributes: otel.Attributes = {
      [ATTRIBUTES.system]: "kafka",
      [ATTRIBUTES.operationName]: "send",
      [ATTRIBUTES.operationType]: "send",
      [ATTRIBUTES.destination]: topic,
      ...outcome,
    };
    instruments.sent.add(1, attributes);
    instruments.duration.record((endMs - send.startMs) / 1000, attributes);
  }
}

/**
 * `error.type`: the Kafka error's name for an error the broker sent (`NOT_ENOUGH_REPLICAS`),
 * else the error's class (`TimeoutError`, `RecordTooLargeError`, ...), else `_OTHER`.
 */
function errorType(error: Error): string {
  const kafkaName = (error as Partial<KafkaProtocolError>)?.errorName;
  if (typeof kafkaName === "string") return kafkaName;
  return typeof error?.name === "string" && error.name.length > 0 ? error.name : "_OTHER";
}

/** One record's send while it is followed: settled once, through the span first. */
class TracedSend<K, V> implements ObservedSend<K, V> {
  readonly record: ProducerRecord<K, V>;
  readonly span: otel.Span | undefined;
  readonly instruments: Instruments | undefined;
  readonly startMs: number;
  readonly #telemetry: ProducerTelemetry;
  readonly #inner: RecordSettler;
  #settled = false;

  constructor(
    telemetry: ProducerTelemetry,
    record: ProducerRecord<K, V>,
    inner: RecordSettler,
    span: otel.Span | undefined,
    instruments: Instruments | undefined,
    startMs: number,
  ) {
    this.#telemetry = telemetry;
    this.record = record;
    this.#inner = inner;
    this.span = span;
    this.instruments = instruments;
    this.startMs = startMs;
  }

  resolve(metadata: RecordMetadata, nodeId?: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#telemetry.ended(this as TracedSend<unknown, unknown>, metadata, undefined, nodeId);
    this.#inner.resolve(metadata);
  }

  reject(error: Error, nodeId?: number): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#telemetry.ended(this as TracedSend<unknown, unknown>, undefined, error, nodeId);
    this.#inner.reject(error);
  }
}

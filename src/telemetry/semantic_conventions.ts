/**
 * The OpenTelemetry semantic conventions the producer's spans and metrics follow
 * (messaging, Kafka: https://opentelemetry.io/docs/specs/semconv/messaging/kafka/), by
 * name, so that no other file spells them.
 *
 * @module
 */

/**
 * Attribute names of the messaging, Kafka, server and error conventions.
 *
 * @example
 * ```ts
 * import { ATTRIBUTES } from "./semantic_conventions.ts";
 * console.log(ATTRIBUTES.offset); // "messaging.kafka.offset"
 * ```
 */
export const ATTRIBUTES = {
  system: "messaging.system",
  operationType: "messaging.operation.type",
  operationName: "messaging.operation.name",
  destination: "messaging.destination.name",
  partition: "messaging.destination.partition.id",
  clientId: "messaging.client.id",
  key: "messaging.kafka.message.key",
  tombstone: "messaging.kafka.message.tombstone",
  offset: "messaging.kafka.offset",
  serverAddress: "server.address",
  serverPort: "server.port",
  errorType: "error.type",
} as const;

/**
 * The metrics, with their instrument kind, unit and description from the conventions;
 * the duration histogram's bucket boundaries are the ones they advise.
 *
 * @example
 * ```ts
 * import { METRICS } from "./semantic_conventions.ts";
 * console.log(METRICS.sentMessages.name, METRICS.operationDuration.unit); // messaging.client.sent.messages s
 * ```
 */
export const METRICS = {
  sentMessages: {
    name: "messaging.client.sent.messages",
    unit: "{message}",
    description: "Number of messages producer attempted to send to the broker.",
  },
  operationDuration: {
    name: "messaging.client.operation.duration",
    unit: "s",
    description: "Duration of messaging operation initiated by a producer or consumer client.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  },
} as const;

/**
 * The instrumentation scope the tracer and meter are named after.
 *
 * @example
 * ```ts
 * import { INSTRUMENTATION_SCOPE } from "./semantic_conventions.ts";
 * console.log(INSTRUMENTATION_SCOPE); // "@edge-kafka/producer"
 * ```
 */
export const INSTRUMENTATION_SCOPE = "@edge-kafka/producer";

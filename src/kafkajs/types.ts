/**
 * The shapes KafkaJS's producer API takes and returns (its `types/index.d.ts`, producer
 * side), with `Buffer` as `Uint8Array` (a Buffer is one) so they need no Node types; and
 * the conversion of a native partition description into KafkaJS's.
 *
 * @module
 */
import type { PartitionInfo } from "../client/metadata.ts";
import type { logCreator, logLevel } from "./logger.ts";

/** Returns the brokers to bootstrap from; called at each connect. */
export type BrokersFunction = () => string[] | Promise<string[]>;

/** KafkaJS's retry settings: `retries` attempts after the first, waits from `initialRetryTime` growing by `multiplier`. */
export interface RetryOptions {
  /** The longest wait between attempts, in ms (default 30000). */
  maxRetryTime?: number;
  /** The first wait, in ms (default 300). */
  initialRetryTime?: number;
  /** Random spread of each wait, as a fraction (default 0.2). */
  factor?: number;
  /** How much each wait grows (default 2). */
  multiplier?: number;
  /** Attempts after the first (default 5; unlimited for an idempotent producer). */
  retries?: number;
  /** A consumer setting in KafkaJS; accepted and unused here. */
  restartOnFailure?: (e: Error) => Promise<boolean>;
}

/** TLS options: the part of Node's `tls.ConnectionOptions` that this client's transports take. */
export interface TlsConnectionOptions {
  /** CA certificates to trust in addition to the runtime's, PEM. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Client certificate chain for mutual TLS, PEM. */
  cert?: string | Uint8Array;
  /** The client certificate's private key, unencrypted PEM. */
  key?: string | Uint8Array;
  /** Server name for SNI and host name verification. */
  servername?: string;
  /** Verify the broker's certificate (default true). */
  rejectUnauthorized?: boolean;
}

/** SASL with a user and password: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (any case). */
export interface SASLPasswordOptions {
  /** The mechanism. */
  mechanism: "plain" | "scram-sha-256" | "scram-sha-512" | "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";
  /** The user. */
  username: string;
  /** The password. */
  password: string;
}

/** What an OAUTHBEARER provider returns: the token, and optionally its lifetime and SASL extensions. */
export interface OauthbearerProviderResponse {
  /** The token (a JWT). */
  value: string;
  /** When the token expires, ms since the epoch (default: read from the JWT's `exp`). */
  lifetimeMs?: number;
  /** SASL extensions (`logicalCluster`, ...). */
  extensions?: Record<string, string>;
}

/** SASL OAUTHBEARER: the provider is called for each authentication and returns `{ value }` (a token). */
export interface SASLOAuthBearerOptions {
  /** The mechanism. */
  mechanism: "oauthbearer" | "OAUTHBEARER";
  /** Returns a fresh token. */
  oauthBearerProvider: () => Promise<OauthbearerProviderResponse>;
}

/** The SASL mechanisms this client speaks (KafkaJS's `aws` and custom mechanisms are not among them). */
export type SASLOptions = SASLPasswordOptions | SASLOAuthBearerOptions;

/** `new Kafka(config)`. */
export interface KafkaConfig {
  /** `host:port` of brokers to bootstrap from, or a function returning them (called at each connect). */
  brokers: string[] | BrokersFunction;
  /** TLS: true for the runtime's trusted CAs, or options. */
  ssl?: boolean | TlsConnectionOptions;
  /** SASL authentication. */
  sasl?: SASLOptions;
  /** Sent with every request (default "kafkajs"). */
  clientId?: string;
  /** How long a connection may take to open, in ms (default 1000). */
  connectionTimeout?: number;
  /** Accepted for compatibility and unused: SASL exchanges are bounded by `requestTimeout`. */
  authenticationTimeout?: number;
  /** Accepted for compatibility and unused: sessions are re-authenticated at 85-95% of their lifetime, as the Java client does. */
  reauthenticationThreshold?: number;
  /** How long to wait for a response, in ms (default 30000). */
  requestTimeout?: number;
  /** Accepted for compatibility: requests always time out after `requestTimeout` here. */
  enforceRequestTimeout?: boolean;
  /** Retries of connect and admin calls; the producer's default too. */
  retry?: RetryOptions;
  /** Entries above this level are dropped (default INFO). */
  logLevel?: logLevel;
  /** Where log entries go (default: JSON lines on the console). */
  logCreator?: logCreator;
}

/** A partition, as partitioners and `fetchTopicMetadata` see it. */
export interface PartitionMetadata {
  /** The partition's error code, 0 when fine. */
  partitionErrorCode: number;
  /** The partition number. */
  partitionId: number;
  /** The leader's broker id, -1 when there is none. */
  leader: number;
  /** The broker ids of its replicas. */
  replicas: number[];
  /** The broker ids of its in-sync replicas. */
  isr: number[];
  /** The broker ids of offline replicas. */
  offlineReplicas?: number[];
}

/**
 * A native partition description in KafkaJS's shape.
 *
 * @example
 * ```ts
 * import { toPartitionMetadata } from "./types.ts";
 * const p = toPartitionMetadata({ topic: "t", partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], errorCode: 0 });
 * console.log(p.partitionId, p.leader); // 0 1
 * ```
 */
export function toPartitionMetadata(p: PartitionInfo): PartitionMetadata {
  return {
    partitionErrorCode: p.errorCode,
    partitionId: p.partition,
    leader: p.leader,
    replicas: p.replicas,
    isr: p.isr,
    offlineReplicas: p.offlineReplicas,
  };
}

/** Message headers: a value, or several values for one name. */
export interface IHeaders {
  /** A header's value, or its values. */
  [key: string]: Uint8Array | string | (Uint8Array | string)[] | undefined;
}

/** One message to send. */
export interface Message {
  /** The key: messages with one key go to one partition. */
  key?: Uint8Array | string | null;
  /** The value; null is a tombstone. Required. */
  value: Uint8Array | string | null;
  /** A partition chosen by the caller, bypassing the partitioner. */
  partition?: number;
  /** Headers. */
  headers?: IHeaders;
  /** Milliseconds since the epoch, as a string (a number works too); default: now. */
  timestamp?: string | number;
}

/** What a partitioner is called with. */
export interface PartitionerArgs {
  /** The topic. */
  topic: string;
  /** The topic's partitions. */
  partitionMetadata: PartitionMetadata[];
  /** The message. */
  message: Message;
}

/** Makes a partitioner: a function from a message to its partition. */
export type ICustomPartitioner = () => (args: PartitionerArgs) => number;

/** `kafka.producer(config)`. */
export interface ProducerConfig {
  /** Chooses each message's partition (default: `Partitioners.DefaultPartitioner`). */
  createPartitioner?: ICustomPartitioner;
  /** Retries of sends (default: the Kafka's `retry`; unlimited retries for an idempotent producer). */
  retry?: RetryOptions;
  /** Refresh metadata at least this often, in ms (default 300000). */
  metadataMaxAge?: number;
  /** Let the broker create a topic it does not know, when its own settings allow (default true). */
  allowAutoTopicCreation?: boolean;
  /** Producer ids and sequence numbers, so retries never duplicate (default true here; false in KafkaJS). */
  idempotent?: boolean;
  /** Makes `transaction()` available. */
  transactionalId?: string;
  /** The coordinator aborts a transaction open longer than this, in ms (default 60000). */
  transactionTimeout?: number;
  /** Unanswered requests per broker connection (default 5; at most 5 with idempotence). */
  maxInFlightRequests?: number;
  /** This client's batching: how long a batch waits for more records, in ms (default 0: sent at once). */
  lingerMs?: number;
  /** This client's batching: the bytes a batch fills before it is sent (default 16384). */
  batchSize?: number;
}

/** `producer.send(record)`. */
export interface ProducerRecord {
  /** The topic. */
  topic: string;
  /** The messages. */
  messages: Message[];
  /** -1 (all in-sync replicas, the default), 1 (the leader) or 0 (no acknowledgement). */
  acks?: number;
  /** How long the broker may wait for the acknowledgements, in ms (default 30000). */
  timeout?: number;
  /** A `CompressionTypes` codec (default none). */
  compression?: number;
}

/** Messages for one topic in `sendBatch()`. */
export interface TopicMessages {
  /** The topic. */
  topic: string;
  /** The messages. */
  messages: Message[];
}

/** `producer.sendBatch(batch)`. */
export interface ProducerBatch {
  /** As in {@link ProducerRecord}. */
  acks?: number;
  /** As in {@link ProducerRecord}. */
  timeout?: number;
  /** As in {@link ProducerRecord}. */
  compression?: number;
  /** The messages, per topic. */
  topicMessages?: TopicMessages[];
}

/** Where one send's messages to one partition were written. */
export interface RecordMetadata {
  /** The topic. */
  topicName: string;
  /** The partition. */
  partition: number;
  /** 0: written. */
  errorCode: number;
  /** Unused (KafkaJS's type has it; its producer never sets it). */
  offset?: string;
  /** Unused (KafkaJS's type has it; its producer never sets it). */
  timestamp?: string;
  /** The offset of this send's first message in the partition. */
  baseOffset?: string;
  /** The broker's append time for LogAppendTime topics, else "-1". */
  logAppendTime?: string;
  /** The partition's log start offset. */
  logStartOffset?: string;
}

/** A partition's offset, as a string. */
export interface PartitionOffset {
  /** The partition. */
  partition: number;
  /** The offset. */
  offset: string;
}

/** Offsets of one topic. */
export interface TopicOffsets {
  /** The topic. */
  topic: string;
  /** Its partitions' offsets. */
  partitions: PartitionOffset[];
}

/** Offsets of several topics. */
export interface Offsets {
  /** The topics. */
  topics: TopicOffsets[];
}

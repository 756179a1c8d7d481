/**
 * The Kafka error-code table (from Apache Kafka's `Errors.java`) and the error class
 * raised for a non-zero error code in a response.
 *
 * @module
 */

import { KafkaError } from "../errors.ts";

/**
 * What this client knows about one protocol error code.
 *
 * @example
 * ```ts
 * import { errorInfo } from "./error_codes.ts";
 * const info = errorInfo(6);
 * console.log(info?.name, info?.retriable); // "NOT_LEADER_OR_FOLLOWER" true
 * ```
 */
export interface ErrorInfo {
  /** The numeric code on the wire. */
  readonly code: number;
  /** The UPPER_SNAKE name used by Apache Kafka, e.g. "NOT_LEADER_OR_FOLLOWER". */
  readonly name: string;
  /** Whether Kafka's exception for it is retriable (extends RetriableException). */
  readonly retriable: boolean;
  /** Whether it means cached metadata is stale (extends InvalidMetadataException). */
  readonly invalidMetadata: boolean;
  /** A one-line description. */
  readonly description: string;
}

// Flags: N = neither, R = retriable, RM = retriable and invalid metadata (every
// InvalidMetadataException is also a RetriableException).
const N = 0;
const R = 1;
const M = 2;
const RM = R | M;

// [code, name, flags, description], in code order from -1 with no gaps.
const TABLE = [
  [-1, "UNKNOWN_SERVER_ERROR", N, "The server experienced an unexpected error when processing the request."],
  [0, "NONE", N, "No error."],
  [1, "OFFSET_OUT_OF_RANGE", N, "The requested offset is not within the range of offsets maintained by the server."],
  [
    2,
    "CORRUPT_MESSAGE",
    R,
    "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt.",
  ],
  [3, "UNKNOWN_TOPIC_OR_PARTITION", RM, "This server does not host this topic-partition."],
  [4, "INVALID_FETCH_SIZE", N, "The requested fetch size is invalid."],
  [5, "LEADER_NOT_AVAILABLE", RM, "There is no leader for this topic-partition as we are in the middle of a leadership election."],
  [6, "NOT_LEADER_OR_FOLLOWER", RM, "This broker is not the leader (or, for replica requests, not a replica) of the topic-partition."],
  [7, "REQUEST_TIMED_OUT", R, "The request timed out."],
  [8, "BROKER_NOT_AVAILABLE", N, "The broker is not available."],
  [9, "REPLICA_NOT_AVAILABLE", RM, "The replica is not available for the requested topic-partition."],
  [10, "MESSAGE_TOO_LARGE", N, "The request included a message larger than the max message size the server will accept."],
  [11, "STALE_CONTROLLER_EPOCH", N, "The controller moved to another broker."],
  [12, "OFFSET_METADATA_TOO_LARGE", N, "The metadata field of the offset request was too large."],
  [13, "NETWORK_EXCEPTION", RM, "The server disconnected before a response was received."],
  [14, "COORDINATOR_LOAD_IN_PROGRESS", R, "The coordinator is loading and hence can't process requests."],
  [15, "COORDINATOR_NOT_AVAILABLE", R, "The coordinator is not available."],
  [16, "NOT_COORDINATOR", R, "This is not the correct coordinator."],
  [17, "INVALID_TOPIC_EXCEPTION", N, "The request attempted to perform an operation on an invalid topic."],
  [18, "RECORD_LIST_TOO_LARGE", N, "The request included message batch larger than the configured segment size on the server."],
  [19, "NOT_ENOUGH_REPLICAS", R, "Messages are rejected since there are fewer in-sync replicas than required."],
  [20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", R, "Messages are written to the log, but to fewer in-sync replicas than required."],
  [21, "INVALID_REQUIRED_ACKS", N, "Produce request specified an invalid value for required acks."],
  [22, "ILLEGAL_GENERATION", N, "Specified group generation id is not valid."],
  [
    23,
    "INCONSISTENT_GROUP_PROTOCOL",
    N,
    "The member's supported protocols are incompatible with the group's, or the protocol list is empty.",
  ],
  [24, "INVALID_GROUP_ID", N, "The group id is invalid."],
  [25, "UNKNOWN_MEMBER_ID", N, "The coordinator is not aware of this member."],
  [26, "INVALID_SESSION_TIMEOUT", N, "The session timeout is outside group.min.session.timeout.ms..group.max.session.timeout.ms."],
  [27, "REBALANCE_IN_PROGRESS", N, "The group is rebalancing, so a rejoin is needed."],
  [28, "INVALID_COMMIT_OFFSET_SIZE", N, "The committing offset data size is not valid."],
  [29, "TOPIC_AUTHORIZATION_FAILED", N, "Topic authorization failed."],
  [30, "GROUP_AUTHORIZATION_FAILED", N, "Group authorization failed."],
  [31, "CLUSTER_AUTHORIZATION_FAILED", N, "Cluster authorization failed."],
  [32, "INVALID_TIMESTAMP", N, "The timestamp of the message is out of acceptable range."],
  [33, "UNSUPPORTED_SASL_MECHANISM", N, "The broker does not support the requested SASL mechanism."],
  [34, "ILLEGAL_SASL_STATE", N, "Request is not valid given the current SASL state."],
  [35, "UNSUPPORTED_VERSION", N, "The version of API is not supported."],
  [36, "TOPIC_ALREADY_EXISTS", N, "Topic with this name already exists."],
  [37, "INVALID_PARTITIONS", N, "Number of partitions is below 1."],
  [38, "INVALID_REPLICATION_FACTOR", N, "Replication factor is below 1 or larger than the number of available brokers."],
  [39, "INVALID_REPLICA_ASSIGNMENT", N, "Replica assignment is invalid."],
  [40, "INVALID_CONFIG", N, "Configuration is invalid."],
  [41, "NOT_CONTROLLER", R, "This is not the correct controller for this cluster."],
  [42, "INVALID_REQUEST", N, "The request is malformed or was sent to an incompatible broker; see the broker logs."],
  [43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", N, "The message format version on the broker does not support the request."],
  [44, "POLICY_VIOLATION", N, "Request parameters do not satisfy the configured policy."],
  [45, "OUT_OF_ORDER_SEQUENCE_NUMBER", N, "The broker received an out of order sequence number."],
  [46, "DUPLICATE_SEQUENCE_NUMBER", N, "The broker received a duplicate sequence number."],
  [47, "INVALID_PRODUCER_EPOCH", N, "Producer attempted to produce with an old epoch."],
  [48, "INVALID_TXN_STATE", N, "The producer attempted a transactional operation in an invalid state."],
  [
    49,
    "INVALID_PRODUCER_ID_MAPPING",
    N,
    "The producer attempted to use a producer id which is not currently assigned to its transactional id.",
  ],
  [
    50,
    "INVALID_TRANSACTION_TIMEOUT",
    N,
    "The transaction timeout is larger than the maximum value allowed by the broker (as configured by transaction.max.timeout.ms).",
  ],
  [
    51,
    "CONCURRENT_TRANSACTIONS",
    R,
    "The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing.",
  ],
  [
    52,
    "TRANSACTION_COORDINATOR_FENCED",
    N,
    "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator for a given producer.",
  ],
  [53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", N, "Transactional Id authorization failed."],
  [54, "SECURITY_DISABLED", N, "Security features are disabled."],
  [55, "OPERATION_NOT_ATTEMPTED", N, "The broker did not attempt this operation because another one in the same batch failed."],
  [56, "KAFKA_STORAGE_ERROR", RM, "Disk error when trying to access log file on the disk."],
  [57, "LOG_DIR_NOT_FOUND", N, "The user-specified log directory is not found in the broker config."],
  [58, "SASL_AUTHENTICATION_FAILED", N, "SASL Authentication failed."],
  [59, "UNKNOWN_PRODUCER_ID", N, "The broker has no producer metadata for this producer id, e.g. because its records expired."],
  [60, "REASSIGNMENT_IN_PROGRESS", N, "A partition reassignment is in progress."],
  [61, "DELEGATION_TOKEN_AUTH_DISABLED", N, "Delegation Token feature is not enabled."],
  [62, "DELEGATION_TOKEN_NOT_FOUND", N, "Delegation Token is not found on server."],
  [63, "DELEGATION_TOKEN_OWNER_MISMATCH", N, "Specified Principal is not valid Owner/Renewer."],
  [
    64,
    "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
    N,
    "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token authenticated channels.",
  ],
  [65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", N, "Delegation Token authorization failed."],
  [66, "DELEGATION_TOKEN_EXPIRED", N, "Delegation Token is expired."],
  [67, "INVALID_PRINCIPAL_TYPE", N, "Supplied principalType is not supported."],
  [68, "NON_EMPTY_GROUP", N, "The group is not empty."],
  [69, "GROUP_ID_NOT_FOUND", N, "The group id does not exist."],
  [70, "FETCH_SESSION_ID_NOT_FOUND", R, "The fetch session ID was not found."],
  [71, "INVALID_FETCH_SESSION_EPOCH", R, "The fetch session epoch is invalid."],
  [
    72,
    "LISTENER_NOT_FOUND",
    RM,
    "There is no listener on the leader broker that matches the listener on which metadata request was processed.",
  ],
  [73, "TOPIC_DELETION_DISABLED", N, "Topic deletion is disabled."],
  [74, "FENCED_LEADER_EPOCH", RM, "The leader epoch in the request is older than the epoch on the broker."],
  [75, "UNKNOWN_LEADER_EPOCH", R, "The leader epoch in the request is newer than the epoch on the broker."],
  [76, "UNSUPPORTED_COMPRESSION_TYPE", N, "The requesting client does not support the compression type of given partition."],
  [77, "STALE_BROKER_EPOCH", N, "Broker epoch has changed."],
  [
    78,
    "OFFSET_NOT_AVAILABLE",
    R,
    "The leader's high watermark has not caught up since a recent election, so offsets may not be monotonic.",
  ],
  [79, "MEMBER_ID_REQUIRED", N, "The group member needs to have a valid member id before actually entering a consumer group."],
  [80, "PREFERRED_LEADER_NOT_AVAILABLE", RM, "The preferred leader was not available."],
  [81, "GROUP_MAX_SIZE_REACHED", N, "The group has reached its maximum size."],
  [82, "FENCED_INSTANCE_ID", N, "Another consumer with the same group.instance.id has registered with a different member.id."],
  [83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", RM, "Eligible topic partition leaders are not available."],
  [84, "ELECTION_NOT_NEEDED", RM, "Leader election not needed for topic partition."],
  [85, "NO_REASSIGNMENT_IN_PROGRESS", N, "No partition reassignment is in progress."],
  [86, "GROUP_SUBSCRIBED_TO_TOPIC", N, "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it."],
  [87, "INVALID_RECORD", N, "This record has failed the validation on broker and hence will be rejected."],
  [88, "UNSTABLE_OFFSET_COMMIT", R, "There are unstable offsets that need to be cleared."],
  [89, "THROTTLING_QUOTA_EXCEEDED", R, "The throttling quota has been exceeded."],
  [90, "PRODUCER_FENCED", N, "There is a newer producer with the same transactionalId which fences the current one."],
  [91, "RESOURCE_NOT_FOUND", N, "A request illegally referred to a resource that does not exist."],
  [92, "DUPLICATE_RESOURCE", N, "A request illegally referred to the same resource twice."],
  [93, "UNACCEPTABLE_CREDENTIAL", N, "Requested credential would not meet criteria for acceptability."],
  [
    94,
    "INCONSISTENT_VOTER_SET",
    N,
    "Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters.",
  ],
  [95, "INVALID_UPDATE_VERSION", N, "The given update version was invalid."],
  [96, "FEATURE_UPDATE_FAILED", N, "Unable to update finalized features due to an unexpected server error."],
  [
    97,
    "PRINCIPAL_DESERIALIZATION_FAILURE",
    N,
    "Request principal deserialization failed during forwarding. This indicates an internal error on the broker cluster security setup.",
  ],
  [98, "SNAPSHOT_NOT_FOUND", N, "Requested snapshot was not found."],
  [99, "POSITION_OUT_OF_RANGE", N, "Requested position is not greater than or equal to zero, and less than the size of the snapshot."],
  [100, "UNKNOWN_TOPIC_ID", RM, "This server does not host this topic ID."],
  [101, "DUPLICATE_BROKER_REGISTRATION", N, "This broker ID is already in use."],
  [102, "BROKER_ID_NOT_REGISTERED", N, "The given broker ID was not registered."],
  [103, "INCONSISTENT_TOPIC_ID", RM, "The log's topic ID did not match the topic ID in the request."],
  [104, "INCONSISTENT_CLUSTER_ID", N, "The clusterId in the request does not match that found on the server."],
  [105, "TRANSACTIONAL_ID_NOT_FOUND", N, "The transactionalId could not be found."],
  [106, "FETCH_SESSION_TOPIC_ID_ERROR", R, "The fetch session encountered inconsistent topic ID usage."],
  [107, "INELIGIBLE_REPLICA", N, "The new ISR contains at least one ineligible replica."],
  [108, "NEW_LEADER_ELECTED", N, "The AlterPartition request successfully updated the partition state but the leader has changed."],
  [109, "OFFSET_MOVED_TO_TIERED_STORAGE", N, "The requested offset is moved to tiered storage."],
  [
    110,
    "FENCED_MEMBER_EPOCH",
    N,
    "The member epoch is fenced by the group coordinator. The member must abandon all its partitions and rejoin.",
  ],
  [
    111,
    "UNRELEASED_INSTANCE_ID",
    N,
    "The instance ID is still used by another member in the consumer group. That member must leave first.",
  ],
  [112, "UNSUPPORTED_ASSIGNOR", N, "The assignor or its version range is not supported by the consumer group."],
  [
    113,
    "STALE_MEMBER_EPOCH",
    N,
    "The member epoch is stale. The member must retry after receiving its updated member epoch via the ConsumerGroupHeartbeat API.",
  ],
  [114, "MISMATCHED_ENDPOINT_TYPE", N, "The request was sent to an endpoint of the wrong type."],
  [115, "UNSUPPORTED_ENDPOINT_TYPE", N, "This endpoint type is not supported yet."],
  [116, "UNKNOWN_CONTROLLER_ID", N, "This controller ID is not known."],
  [117, "UNKNOWN_SUBSCRIPTION_ID", N, "Client sent a push telemetry request with an invalid or outdated subscription ID."],
  [118, "TELEMETRY_TOO_LARGE", N, "Client sent a push telemetry request larger than the maximum size the broker will accept."],
  [119, "INVALID_REGISTRATION", N, "The controller has considered the broker registration to be invalid."],
  [120, "TRANSACTION_ABORTABLE", N, "The transaction hit a server error; the client can abort it and keep using the transactional id."],
  [121, "INVALID_RECORD_STATE", N, "The record state is invalid. The acknowledgement of delivery could not be completed."],
  [122, "SHARE_SESSION_NOT_FOUND", R, "The share session was not found."],
  [123, "INVALID_SHARE_SESSION_EPOCH", R, "The share session epoch is invalid."],
  [124, "FENCED_STATE_EPOCH", N, "The coordinator rejected the request because the state epoch did not match."],
  [125, "INVALID_VOTER_KEY", N, "The voter key doesn't match the receiving replica's key."],
  [126, "DUPLICATE_VOTER", N, "The voter is already part of the set of voters."],
  [127, "VOTER_NOT_FOUND", N, "The voter is not part of the set of voters."],
  [128, "INVALID_REGULAR_EXPRESSION", N, "The regular expression is not valid."],
  [129, "REBOOTSTRAP_REQUIRED", N, "Client metadata is stale. The client should rebootstrap to obtain new metadata."],
  [130, "STREAMS_INVALID_TOPOLOGY", N, "The supplied topology is invalid."],
  [131, "STREAMS_INVALID_TOPOLOGY_EPOCH", N, "The supplied topology epoch is invalid."],
  [132, "STREAMS_TOPOLOGY_FENCED", N, "The supplied topology epoch is outdated."],
  [133, "SHARE_SESSION_LIMIT_REACHED", R, "The limit of share sessions has been reached."],
  [134, "GROUP_DELETION_FAILED", N, "DeleteGroups could not complete; see the error message on the per-group result for details."],
  [
    135,
    "STREAMS_TOPOLOGY_DESCRIPTION_UPDATE_FAILED",
    N,
    "The broker could not process the topology description update; see the error message for details.",
  ],
  [136, "CONTROLLER_ID_NOT_REGISTERED", N, "The given controller ID was not registered."],
] as const satisfies ReadonlyArray<readonly [number, string, number, string]>;

/** The UPPER_SNAKE name of an error code this client knows, e.g. "NOT_LEADER_OR_FOLLOWER". */
export type ErrorName = typeof TABLE[number][1];

/**
 * Every error code this client knows, by its Kafka name: compare a response's code
 * against `ErrorCode.NOT_LEADER_OR_FOLLOWER`, never against a bare number or a local copy.
 * Built from the table above, so a name and its code are written down once.
 *
 * @example
 * ```ts
 * import { ErrorCode } from "./error_codes.ts";
 * const response = { errorCode: 6 };
 * if (response.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) console.log("refresh metadata, then retry");
 * ```
 */
export const ErrorCode: Readonly<Record<ErrorName, number>> = Object.freeze(
  Object.fromEntries(TABLE.map(([code, name]) => [name, code])) as Record<ErrorName, number>,
);

/** Every known error code, in code order from -1 (UNKNOWN_SERVER_ERROR) up. */
export const ERROR_CODES: readonly ErrorInfo[] = TABLE.map(([code, name, flags, description]) =>
  Object.freeze({ code, name, retriable: (flags & R) !== 0, invalidMetadata: (flags & M) !== 0, description })
);

const MIN_CODE = -1;

/**
 * The details of an error code, or undefined if this client does not know it.
 *
 * @example
 * ```ts
 * import { errorInfo } from "./error_codes.ts";
 * console.log(errorInfo(35)?.name); // "UNSUPPORTED_VERSION"
 * console.log(errorInfo(9999)); // undefined
 * ```
 */
export function errorInfo(code: number): ErrorInfo | undefined {
  // The table has no gaps, so the code indexes it directly.
  return Number.isInteger(code) ? ERROR_CODES[code - MIN_CODE] : undefined;
}

/**
 * An error code returned by a broker, as an exception. `retriable` and
 * `invalidMetadata` come from the error table; unknown codes are neither.
 *
 * @example
 * ```ts
 * import { KafkaProtocolError } from "./error_codes.ts";
 * const err = new KafkaProtocolError(6, "orders-0");
 * console.log(err.errorName, err.retriable, err.invalidMetadata); // "NOT_LEADER_OR_FOLLOWER" true true
 * ```
 */
export class KafkaProtocolError extends KafkaError {
  /** The numeric error code. */
  readonly code: number;
  /** The UPPER_SNAKE name, or `UNKNOWN_CODE(<n>)` for codes this client does not know. */
  readonly errorName: string;
  /** Whether the client should refresh its metadata before retrying. */
  readonly invalidMetadata: boolean;
  /** What the error applies to (e.g. a topic-partition), if given. */
  readonly context: string | undefined;

  /**
   * Creates the error for `code`, describing it from the error table.
   *
   * @param code The error code from the response.
   * @param context What it applies to, e.g. "orders-0"; included in the message.
   * @param detail The broker's error message, if the response carried one.
   */
  constructor(code: number, context?: string, detail?: string | null) {
    const info = errorInfo(code);
    const name = info?.name ?? `UNKNOWN_CODE(${code})`;
    const where = context ? ` for ${context}` : "";
    const what = detail || (info?.description ?? "The broker returned an error code this client does not know.");
    super(`${name} (${code})${where}: ${what}`, { retriable: info?.retriable ?? false });
    this.code = code;
    this.errorName = name;
    this.invalidMetadata = info?.invalidMetadata ?? false;
    this.context = context;
  }
}

/**
 * The exception for an error code from a response, with an optional context (e.g. the
 * topic-partition) and broker message for its text.
 *
 * @example
 * ```ts
 * import { errorForCode } from "./error_codes.ts";
 * const err = errorForCode(3, "orders-7");
 * console.log(err.message); // "UNKNOWN_TOPIC_OR_PARTITION (3) for orders-7: This server does not host this topic-partition."
 * ```
 */
export function errorForCode(code: number, context?: string, detail?: string | null): KafkaProtocolError {
  return new KafkaProtocolError(code, context, detail);
}

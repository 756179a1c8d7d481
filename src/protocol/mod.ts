/**
 * The Kafka wire protocol: primitive encoding, request/response framing, the API
 * codecs and the error-code table.
 *
 * @example Encode an ApiVersions request and decode a response
 * ```ts
 * import { ApiVersionsApi, decodeResponse, encodeRequest } from "./mod.ts";
 * const frame = encodeRequest(ApiVersionsApi, 0, 1, "client", {
 *   clientSoftwareName: "edge-kafka", clientSoftwareVersion: "0.1.0",
 * });
 * const payload = new Uint8Array([0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
 * console.log(frame.length, decodeResponse(ApiVersionsApi, 0, payload).body.apiKeys); // 20 []
 * ```
 *
 * @module
 */

export { Writer } from "./writer.ts";
export type { TaggedField } from "./writer.ts";
export { Reader } from "./reader.ts";
export {
  decodeResponse,
  encodeRequest,
  negotiateVersion,
  requestHeaderVersion,
  responseCorrelationId,
  responseHeaderVersion,
  versionsOverlap,
} from "./api.ts";
export type { ApiCodec } from "./api.ts";
export { apiByKey, SUPPORTED_APIS } from "./apis.ts";
export { ERROR_CODES, errorForCode, errorInfo, KafkaProtocolError } from "./error_codes.ts";
export type { ErrorInfo } from "./error_codes.ts";
export { ApiVersionsApi } from "./api_versions.ts";
export type {
  ApiVersionsRequest,
  ApiVersionsResponse,
  ApiVersionsResponseKey,
  FinalizedFeatureKey,
  SupportedFeatureKey,
} from "./api_versions.ts";
export { MetadataApi } from "./metadata.ts";
export type {
  MetadataRequest,
  MetadataRequestTopic,
  MetadataResponse,
  MetadataResponseBroker,
  MetadataResponsePartition,
  MetadataResponseTopic,
} from "./metadata.ts";
export { CreateTopicsApi } from "./create_topics.ts";
export type {
  CreatableReplicaAssignment,
  CreatableTopic,
  CreatableTopicConfig,
  CreatableTopicConfigs,
  CreatableTopicResult,
  CreateTopicsRequest,
  CreateTopicsResponse,
} from "./create_topics.ts";
export { CreatePartitionsApi } from "./create_partitions.ts";
export type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreatePartitionsTopic,
  CreatePartitionsTopicResult,
} from "./create_partitions.ts";
export { DeleteTopicsApi } from "./delete_topics.ts";
export type { DeletableTopicResult, DeleteTopicsRequest, DeleteTopicsResponse, DeleteTopicState } from "./delete_topics.ts";
export { isZeroUuid } from "./fields.ts";
export { crc32c, initCrc32c } from "./crc32c.ts";
export { RECORD_BATCH_OVERHEAD, RecordBatchBuilder, recordSizeUpperBound, setProducerState } from "./record_batch.ts";
export type { RecordBatchBuildOptions, RecordBatchCompression, RecordHeader } from "./record_batch.ts";
export { decodeRecordBatches } from "./record_batch_decoder.ts";
export type { DecodedRecord, DecodedRecordBatch } from "./record_batch_decoder.ts";
export { ProduceApi } from "./produce.ts";
export type {
  ProduceLeaderIdAndEpoch,
  ProduceNodeEndpoint,
  ProducePartitionData,
  ProducePartitionResponse,
  ProduceRecordError,
  ProduceRequest,
  ProduceResponse,
  ProduceTopicData,
  ProduceTopicResponse,
} from "./produce.ts";
export { CoordinatorKeyType, FindCoordinatorApi } from "./find_coordinator.ts";
export type { FindCoordinatorCoordinator, FindCoordinatorRequest, FindCoordinatorResponse } from "./find_coordinator.ts";
export { InitProducerIdApi } from "./init_producer_id.ts";
export type { InitProducerIdRequest, InitProducerIdResponse } from "./init_producer_id.ts";
export { AddPartitionsToTxnApi } from "./add_partitions_to_txn.ts";
export type {
  AddPartitionsToTxnPartitionResult,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  AddPartitionsToTxnTopic,
  AddPartitionsToTxnTopicResult,
} from "./add_partitions_to_txn.ts";
export { AddOffsetsToTxnApi } from "./add_offsets_to_txn.ts";
export type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from "./add_offsets_to_txn.ts";
export { END_TXN_LAST_VERSION_BEFORE_TRANSACTION_V2, EndTxnApi } from "./end_txn.ts";
export type { EndTxnRequest, EndTxnResponse } from "./end_txn.ts";
export { TXN_OFFSET_COMMIT_LAST_VERSION_BEFORE_TRANSACTION_V2, TxnOffsetCommitApi } from "./txn_offset_commit.ts";
export type {
  TxnOffsetCommitRequest,
  TxnOffsetCommitRequestPartition,
  TxnOffsetCommitRequestTopic,
  TxnOffsetCommitResponse,
  TxnOffsetCommitResponsePartition,
  TxnOffsetCommitResponseTopic,
} from "./txn_offset_commit.ts";
export { SaslHandshakeApi } from "./sasl_handshake.ts";
export type { SaslHandshakeRequest, SaslHandshakeResponse } from "./sasl_handshake.ts";
export { SaslAuthenticateApi } from "./sasl_authenticate.ts";
export type { SaslAuthenticateRequest, SaslAuthenticateResponse } from "./sasl_authenticate.ts";

/**
 * The list of every API codec this client implements.
 *
 * @module
 */

import type { ApiCodec } from "./api.ts";
import { AddOffsetsToTxnApi } from "./add_offsets_to_txn.ts";
import { AddPartitionsToTxnApi } from "./add_partitions_to_txn.ts";
import { ApiVersionsApi } from "./api_versions.ts";
import { CreatePartitionsApi } from "./create_partitions.ts";
import { CreateTopicsApi } from "./create_topics.ts";
import { DeleteTopicsApi } from "./delete_topics.ts";
import { EndTxnApi } from "./end_txn.ts";
import { FindCoordinatorApi } from "./find_coordinator.ts";
import { InitProducerIdApi } from "./init_producer_id.ts";
import { MetadataApi } from "./metadata.ts";
import { ProduceApi } from "./produce.ts";
import { SaslAuthenticateApi } from "./sasl_authenticate.ts";
import { SaslHandshakeApi } from "./sasl_handshake.ts";
import { TxnOffsetCommitApi } from "./txn_offset_commit.ts";

/**
 * Every API codec this client implements, in api-key order. describeCluster reports the
 * version each would use with a broker; the fuzzer finds a recorded response's codec here.
 * (The network layer needs no list: it negotiates the version of each request it sends.)
 *
 * @example
 * ```ts
 * import { SUPPORTED_APIS } from "./apis.ts";
 * console.log(SUPPORTED_APIS.map((api) => `${api.name} ${api.minVersion}..${api.maxVersion}`));
 * ```
 */
export const SUPPORTED_APIS: readonly ApiCodec<unknown, unknown>[] = [
  ProduceApi,
  MetadataApi,
  FindCoordinatorApi,
  SaslHandshakeApi,
  ApiVersionsApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  InitProducerIdApi,
  AddPartitionsToTxnApi,
  AddOffsetsToTxnApi,
  EndTxnApi,
  TxnOffsetCommitApi,
  SaslAuthenticateApi,
  CreatePartitionsApi,
];

/**
 * The codec for an api key, or undefined if this client does not implement it.
 *
 * @example
 * ```ts
 * import { apiByKey } from "./apis.ts";
 * console.log(apiByKey(18)?.name); // "ApiVersions"
 * ```
 */
export function apiByKey(key: number): ApiCodec<unknown, unknown> | undefined {
  return SUPPORTED_APIS.find((api) => api.key === key);
}

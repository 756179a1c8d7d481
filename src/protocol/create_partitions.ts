/**
 * CreatePartitions (key 37), versions 0-3: add partitions to existing topics.
 *
 * @module
 */

import { type ApiCodec, apiIdentity } from "./api.ts";
import { endStruct, readArray, readNullableString, readString, writeArray, writeInt32Array, writeNoTags, writeString } from "./fields.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * One topic to grow.
 *
 * @example
 * ```ts
 * import type { CreatePartitionsTopic } from "./create_partitions.ts";
 * const t: CreatePartitionsTopic = { name: "orders", count: 6, assignments: null };
 * console.log(t.count);
 * ```
 */
export interface CreatePartitionsTopic {
  /** The topic name. */
  name: string;
  /** The total number of partitions the topic should have afterwards. */
  count: number;
  /** The replicas (broker ids) of each new partition, or null for the broker to choose. */
  assignments: number[][] | null;
}

/**
 * A CreatePartitions request.
 *
 * @example
 * ```ts
 * import type { CreatePartitionsRequest } from "./create_partitions.ts";
 * const req: CreatePartitionsRequest = { topics: [{ name: "orders", count: 6, assignments: null }], timeoutMs: 30000, validateOnly: false };
 * console.log(req.topics.length);
 * ```
 */
export interface CreatePartitionsRequest {
  /** The topics to grow. */
  topics: CreatePartitionsTopic[];
  /** How long the controller may take, in milliseconds. */
  timeoutMs: number;
  /** If true, only check that the partitions could be created. */
  validateOnly: boolean;
}

/**
 * The result for one topic.
 *
 * @example
 * ```ts
 * import type { CreatePartitionsTopicResult } from "./create_partitions.ts";
 * const r: CreatePartitionsTopicResult = { name: "orders", errorCode: 37, errorMessage: "Topic already has 6 partitions." };
 * console.log(r.errorCode);
 * ```
 */
export interface CreatePartitionsTopicResult {
  /** The topic name. */
  name: string;
  /** The error code, or 0. */
  errorCode: number;
  /** The error message, or null. */
  errorMessage: string | null;
}

/**
 * A CreatePartitions response.
 *
 * @example
 * ```ts
 * import type { CreatePartitionsResponse } from "./create_partitions.ts";
 * const res: CreatePartitionsResponse = { throttleTimeMs: 0, results: [] };
 * console.log(res.results.length);
 * ```
 */
export interface CreatePartitionsResponse {
  /** Throttle time in milliseconds. */
  throttleTimeMs: number;
  /** The result for each topic. */
  results: CreatePartitionsTopicResult[];
}

function readResult(r: Reader, flexible: boolean): CreatePartitionsTopicResult {
  return endStruct(r, flexible, {
    name: readString(r, flexible, "topic name"),
    errorCode: r.int16(),
    errorMessage: readNullableString(r, flexible),
  });
}

/**
 * The CreatePartitions codec, versions 0-3 (flexible from 2).
 *
 * @example
 * ```ts
 * import { encodeRequest } from "./api.ts";
 * import { CreatePartitionsApi } from "./create_partitions.ts";
 * const frame = encodeRequest(CreatePartitionsApi, 3, 1, "client", {
 *   topics: [{ name: "orders", count: 6, assignments: null }], timeoutMs: 30000, validateOnly: false,
 * });
 * console.log(frame.length);
 * ```
 */
export const CreatePartitionsApi: ApiCodec<CreatePartitionsRequest, CreatePartitionsResponse> = {
  ...apiIdentity("CreatePartitions", 37, [0, 3], 2),

  encodeRequest(w: Writer, _version: number, request: CreatePartitionsRequest, flexible: boolean): void {
    writeArray(w, flexible, request.topics, (x, t) => {
      writeString(x, flexible, t.name);
      x.int32(t.count);
      writeArray(x, flexible, t.assignments, (y, brokerIds) => {
        writeInt32Array(y, flexible, brokerIds);
        writeNoTags(y, flexible);
      });
      writeNoTags(x, flexible);
    });
    w.int32(request.timeoutMs).bool(request.validateOnly);
    writeNoTags(w, flexible);
  },

  decodeResponse(r: Reader, _version: number, flexible: boolean): CreatePartitionsResponse {
    return endStruct(r, flexible, {
      throttleTimeMs: r.int32(),
      results: readArray(r, flexible, (x) => readResult(x, flexible), "results"),
    });
  },
};

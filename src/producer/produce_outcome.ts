/**
 * How the Sender reads a produce response: for each batch sent, the error code, the error
 * (a broker's, the transaction manager's reading of it, or the request's own failure), the
 * offsets, and each record's error when the broker listed the invalid ones.
 *
 * @module
 */
import type { ClientResponse } from "../client/client_request.ts";
import { KafkaError, UnsupportedVersionError } from "../errors.ts";
import { ErrorCode, errorForCode } from "../protocol/error_codes.ts";
import type { ProduceResponse } from "../protocol/produce.ts";
import type { PartitionState } from "./partition_state.ts";
import type { ProducerBatch } from "./producer_batch.ts";
import type { RecordAccumulator } from "./record_accumulator.ts";
import type { TransactionManager } from "./transaction_manager.ts";

/** Not a Kafka code: the request failed before it was sent. */
export const NEVER_SENT = -1;

type PartitionResponse = ProduceResponse["responses"][number]["partitionResponses"][number];

/** What a produce response said of one batch. */
export interface ProduceOutcome {
  batch: ProducerBatch;
  errorCode: number;
  error: KafkaError | undefined;
  baseOffset: number;
  logAppendTimeMs: number;
  /** The partition's log start offset, -1 when the broker did not say. */
  logStartOffset?: number;
  recordErrors?: (index: number) => Error;
}

/**
 * Each batch's outcome, in the order sent. Lazy: each one is read (and handed to the
 * transaction manager) only when the previous one has been taken.
 */
export function* produceOutcomes(
  response: ClientResponse<ProduceResponse>,
  batches: ProducerBatch[],
  partitions: RecordAccumulator["partitions"],
  transactions: TransactionManager | undefined,
): Generator<ProduceOutcome> {
  if (response.error !== undefined) {
    // No version of Produce both sides speak: no retry mends that (Java answers it as UNSUPPORTED_VERSION).
    // Nor does one for a request that never reached the wire (it could not be encoded): only a lost connection is retried.
    const code = response.error instanceof UnsupportedVersionError
      ? ErrorCode.UNSUPPORTED_VERSION
      : response.disconnected
      ? ErrorCode.NETWORK_EXCEPTION
      : NEVER_SENT;
    for (const batch of batches) yield { batch, errorCode: code, error: response.error, baseOffset: -1, logAppendTimeMs: -1 };
    return;
  }
  if (response.body === undefined) {
    // acks=0: written is all we will ever know.
    for (const batch of batches) yield { batch, errorCode: 0, error: undefined, baseOffset: -1, logAppendTimeMs: -1 };
    return;
  }
  const results = new Map<PartitionState, PartitionResponse>();
  for (const topic of response.body.responses) {
    for (const partition of topic.partitionResponses) {
      const state = partitions.find(topic.name, partition.index);
      if (state !== undefined) results.set(state, partition);
    }
  }
  for (const batch of batches) {
    const result = results.get(batch.state);
    if (result === undefined) {
      yield {
        batch,
        errorCode: ErrorCode.NETWORK_EXCEPTION,
        error: new KafkaError(`the broker's produce response left out ${batch.topicPartition}`, {
          retriable: true,
        }),
        baseOffset: -1,
        logAppendTimeMs: -1,
      };
      continue;
    }
    const brokerError = result.errorCode === 0 ? undefined : errorForCode(result.errorCode, batch.topicPartition, result.errorMessage);
    const error = brokerError && transactions ? transactions.produceError(result.errorCode, brokerError) : brokerError;
    const recordErrors = error && result.recordErrors.length > 0 ? recordErrorsFor(batch, result) : undefined;
    yield {
      batch,
      errorCode: result.errorCode,
      error,
      baseOffset: Number(result.baseOffset),
      logAppendTimeMs: Number(result.logAppendTimeMs),
      logStartOffset: Number(result.logStartOffset),
      recordErrors,
    };
  }
}

/**
 * Each record's error when the broker listed the invalid ones (Produce v8+ record_errors), as
 * Java's Sender.failBatch: a listed record gets its own message (with the partition's error
 * when it is the only one listed, else INVALID_RECORD); the others fail for having been in
 * the batch, not as invalid themselves.
 */
function recordErrorsFor(batch: ProducerBatch, result: PartitionResponse): (index: number) => Error {
  const listed = new Map<number, KafkaError>();
  const code = result.recordErrors.length === 1 ? result.errorCode : ErrorCode.INVALID_RECORD;
  for (const { batchIndex, batchIndexErrorMessage } of result.recordErrors) {
    const where = `${batch.topicPartition} (record ${batchIndex})`;
    listed.set(batchIndex, errorForCode(code, where, batchIndexErrorMessage ?? result.errorMessage));
  }
  const innocent = new KafkaError(
    `Failed to append a record to ${batch.topicPartition}: it was part of a batch that had ${listed.size} invalid record(s)`,
  );
  return (index) => listed.get(index) ?? innocent;
}

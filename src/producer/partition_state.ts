/**
 * The producer's state of one partition, in one object: the queue of batches the
 * accumulator fills and the Sender drains, whether the partition is muted, its sequence
 * numbers (Java's `TxnPartitionEntry`), whether it belongs to the current transaction, and
 * its leader. franz-go keeps the same in one `recBuf`. Every batch points to its
 * partition's state, so the hot paths reach it without building a key.
 *
 * @module
 */
import type { BrokerNode, Cluster } from "../client/metadata.ts";
import type { ProducerBatch } from "./producer_batch.ts";

/**
 * One partition's producer state.
 *
 * @example
 * ```ts
 * import { PartitionState } from "./partition_state.ts";
 * const state = new PartitionState("orders", 3);
 * console.log(state.name, state.queue.length); // "orders-3" 0
 * ```
 */
export class PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** "topic-partition", for messages. */
  readonly name: string;
  /** Batches waiting to be sent, in send order; retried batches first, in sequence order. */
  readonly queue: ProducerBatch[] = [];
  /** A batch is in flight and only one may be (maxInFlightRequestsPerConnection 1). */
  muted = false;

  /**
   * The producer id and epoch this partition's sequences count under (-1 before its first
   * batch). Older than the producer's after an epoch bump that did not rewrite this
   * partition: its batches in flight are then of the older epoch, and a new batch waits
   * until they are settled, then starts the partition over at sequence 0.
   */
  producerId = -1n;
  producerEpoch = -1;
  /** The sequence the next new batch gets. */
  nextSequence = 0;
  /** The last sequence the broker acknowledged under `producerEpoch`, -1 for none. */
  lastAckedSequence = -1;
  /** How many batches were stamped here, for {@link ProducerBatch.stampOrdinal}. */
  stampedBatches = 0;
  /** Batches holding sequences and not settled (on the wire or queued for a retry), lowest sequence first. */
  readonly inFlight: ProducerBatch[] = [];
  /** The next epoch bump restarts this partition's sequences, those of its batches in flight included. */
  rewriteOnBump = false;

  /** The partition is part of the current transaction: its batches may be produced. */
  inTransaction = false;
  /** Protocol v1: the partition waits to be added with AddPartitionsToTxn. */
  pendingAdd = false;

  #leaderCluster: Cluster | undefined;
  #leader: BrokerNode | undefined;

  /**
   * @param topic The topic.
   * @param partition The partition.
   */
  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
    this.name = `${topic}-${partition}`;
  }

  /** The partition's leader in `cluster`, looked up once per metadata snapshot. */
  leader(cluster: Cluster): BrokerNode | undefined {
    if (this.#leaderCluster !== cluster) {
      this.#leaderCluster = cluster;
      this.#leader = cluster.leaderFor(this.topic, this.partition);
    }
    return this.#leader;
  }

  /** The uncompressed size of the last batch drained from here, -1 before the first (sizes new batches while memory is short). */
  lastBatchBytes = -1;
  /** The records of the last batch drained from here, 0 before the first (sizes a new batch's arrays). */
  lastBatchRecords = 0;

  /** Whether batches of an epoch older than `epoch` (of `producerId`) may still be in flight here. */
  hasStaleInFlight(producerId: bigint, epoch: number): boolean {
    return this.inFlight.length > 0 && (this.producerId !== producerId || this.producerEpoch !== epoch);
  }
}

/**
 * Every partition's state, by topic then partition number; the accumulator owns it, and
 * the transaction manager looks partitions up in it.
 *
 * @example
 * ```ts
 * import { PartitionRegistry } from "./partition_state.ts";
 * const partitions = new PartitionRegistry();
 * console.log(partitions.get("orders", 0) === partitions.get("orders", 0)); // true
 * ```
 */
export class PartitionRegistry {
  readonly #topics = new Map<string, Map<number, PartitionState>>();

  /** Each topic's partitions, for walks over all of them. */
  get topics(): ReadonlyMap<string, ReadonlyMap<number, PartitionState>> {
    return this.#topics;
  }

  /** The partition's state, made on first use. */
  get(topic: string, partition: number): PartitionState {
    let partitions = this.#topics.get(topic);
    if (partitions === undefined) this.#topics.set(topic, partitions = new Map());
    let state = partitions.get(partition);
    if (state === undefined) partitions.set(partition, state = new PartitionState(topic, partition));
    return state;
  }

  /** The partition's state if it has one (a broker's answer may name any partition). */
  find(topic: string, partition: number): PartitionState | undefined {
    return this.#topics.get(topic)?.get(partition);
  }
}

/**
 * The invariants every seed must keep, checked against what the workload saw (History)
 * and what the model cluster holds:
 * - acked-present: every acknowledged record is in the log at the offset the producer reported;
 * - no-duplicates: no record is written twice (in any partition);
 * - order: with idempotence, acknowledged records of one producer keep send order per partition;
 * - settle-bounds: every send() and every call settles within its bound, in virtual time;
 * - txn-atomicity / read-committed: a transaction is all or nothing, a committed one holds
 *   every record sent in it and none of them failed, an aborted one is invisible to a
 *   read_committed reader, none is left open (hanging); offsets commit only with their transaction;
 * - buffer-memory: buffer-available-bytes equals bufferMemory after close;
 * - progress: once faults heal, a probe reaches every partition (and a probe transaction commits);
 * - uncaught / protocol / model: nothing thrown out of a timer or microtask, no request the
 *   protocol forbids, and no state the model considers impossible.
 *
 * @module
 */
import type { History } from "./history.ts";
import type { ModelCluster } from "./model_broker.ts";
import type { DataEntry, Fate } from "./partition_log.ts";

/** One broken invariant. */
export interface Violation {
  invariant: string;
  detail: string;
}

const MAX_PER_INVARIANT = 5;

/** Checks every invariant; returns the violations (at most a few per invariant, with a count). */
export function checkInvariants(history: History, cluster: ModelCluster, extra: Violation[]): Violation[] {
  const out: Violation[] = [...extra];
  const counts = new Map<string, number>();
  const add = (invariant: string, detail: string) => {
    const n = (counts.get(invariant) ?? 0) + 1;
    counts.set(invariant, n);
    if (n <= MAX_PER_INVARIANT) out.push({ invariant, detail });
  };
  const logs = new Map(cluster.logs().map((log) => [`${log.topic}-${log.partition}`, log]));
  const sends = new Map(history.sends.map((s) => [s.id, s]));

  // Where each record id was written, across every partition.
  const written = new Map<number, { tp: string; offset: number; entry: DataEntry; fate: Fate }[]>();
  for (const [tp, log] of logs) {
    const fates = log.fates();
    // Records below the log start offset were removed by retention: no reader sees them.
    for (const entry of log.entries.slice(log.logStartOffset)) {
      if (entry.kind !== "data") continue;
      if (entry.recordId < 0) {
        add("model", `${tp}@${entry.offset} holds a record the model cannot attribute`);
        continue;
      }
      let list = written.get(entry.recordId);
      if (list === undefined) written.set(entry.recordId, list = []);
      list.push({ tp, offset: entry.offset, entry, fate: fates[entry.offset] });
    }
  }

  for (const [id, places] of written) {
    if (places.length > 1) {
      const send = sends.get(id);
      add(
        "no-duplicates",
        `record ${id} (send #${send?.instance}) written ${places.length} times: ${
          places.map((p) => `${p.tp}@${p.offset} pid ${p.entry.producerId} epoch ${p.entry.epoch} seq ${p.entry.sequence}`).join("; ")
        }`,
      );
    }
  }

  for (const send of history.sends) {
    if (send.result === undefined) continue;
    const tp = `${send.topic}-${send.result.partition}`;
    if (send.partition !== undefined && send.partition !== send.result.partition) {
      add("acked-present", `record ${send.id} asked for partition ${send.partition} but was acknowledged on ${send.result.partition}`);
    }
    if (send.result.offset < (logs.get(tp)?.logStartOffset ?? 0)) continue; // acknowledged, then removed by retention
    const entry = logs.get(tp)?.entries[send.result.offset];
    if (entry === undefined || entry.kind !== "data" || entry.recordId !== send.id) {
      const actual = written.get(send.id)?.map((p) => `${p.tp}@${p.offset}`).join(", ") || "nowhere";
      add(
        "acked-present",
        `record ${send.id} acknowledged at ${tp}@${send.result.offset}, but that offset holds ${
          entry === undefined ? "nothing" : entry.kind === "data" ? `record ${entry.recordId}` : "a marker"
        }; the record is at ${actual}`,
      );
    }
  }

  // Send order per producer instance and partition, among acknowledged records.
  const byPartition = new Map<string, { id: number; offset: number }[]>();
  for (const send of history.sends) {
    // Order is kept among the records a reader can still see, not those retention removed.
    if (send.result === undefined || send.result.offset < (logs.get(`${send.topic}-${send.result.partition}`)?.logStartOffset ?? 0)) {
      continue;
    }
    const key = `${send.instance}/${send.topic}-${send.result.partition}`;
    let list = byPartition.get(key);
    if (list === undefined) byPartition.set(key, list = []);
    list.push({ id: send.id, offset: send.result.offset });
  }
  for (const [key, list] of byPartition) {
    for (let i = 1; i < list.length; i++) {
      if (list[i].offset <= list[i - 1].offset) {
        add(
          "order",
          `producer ${key}: record ${list[i].id} (sent after ${list[i - 1].id}) is at offset ${list[i].offset}, before ${
            list[i - 1].offset
          }`,
        );
      }
    }
  }

  for (const send of history.sends) {
    if (send.settledMs === undefined) {
      add("settle-bounds", `send of record ${send.id} at ${send.callMs} ms never settled (bound ${send.boundMs} ms)`);
    } else if (send.settledMs - send.callMs > send.boundMs) {
      add(
        "settle-bounds",
        `send of record ${send.id} took ${send.settledMs - send.callMs} ms (bound ${send.boundMs} ms): ${send.error ?? "acknowledged"}`,
      );
    }
  }
  for (const call of history.calls) {
    if (call.settledMs === undefined) {
      add("settle-bounds", `#${call.instance} ${call.kind} called at ${call.callMs} ms never settled (bound ${call.boundMs} ms)`);
    } else if (call.settledMs - call.callMs > call.boundMs) {
      add(
        "settle-bounds",
        `#${call.instance} ${call.kind} took ${call.settledMs - call.callMs} ms (bound ${call.boundMs} ms)${
          call.error ? `: ${call.error}` : ""
        }`,
      );
    }
  }

  // Transactions.
  const visible = new Set<number>();
  for (const log of logs.values()) for (const entry of log.readCommitted()) visible.add(entry.recordId);
  // A send refused at once because no transaction was open (one sent while a commit ran) never joined the transaction.
  const refused = (id: number) => sends.get(id)?.error?.startsWith("TransactionStateError") ?? false;
  for (const txn of history.txns) {
    const fates = new Set<Fate>();
    const failed = txn.sends.filter((id) => sends.get(id)?.result === undefined && !refused(id));
    for (const id of txn.sends) for (const place of written.get(id) ?? []) fates.add(place.fate);
    const label = `txn ${txn.index} of producer #${txn.instance} (${txn.outcome}, ${txn.sends.length} sends)`;
    if (fates.has("open")) {
      add("txn-atomicity", `${label}: records still in an open transaction after the cluster settled (a hanging transaction)`);
    }
    if (fates.has("committed") && fates.has("aborted")) add("txn-atomicity", `${label}: some records committed, others aborted`);
    if (fates.has("none")) add("txn-atomicity", `${label}: records written without the transactional flag`);
    if (fates.has("committed") && failed.length > 0) {
      add(
        "txn-atomicity",
        `${label}: committed on the broker although send(s) ${failed.slice(0, 5).join(",")} failed: ${sends.get(failed[0])?.error}`,
      );
    }
    if (txn.outcome === "committed") {
      const missing = txn.sends.filter((id) => !visible.has(id) && !refused(id));
      if (missing.length > 0) {
        add("read-committed", `${label}: commitTransaction() resolved but records ${missing.slice(0, 5).join(",")} are not visible`);
      }
    }
    if (txn.outcome === "aborted") {
      const shown = txn.sends.filter((id) => visible.has(id));
      if (shown.length > 0) {
        add("read-committed", `${label}: abortTransaction() resolved but records ${shown.slice(0, 5).join(",")} are visible`);
      }
    }
  }
  // Committed offsets: from committed transactions only (identified by the offset value the workload chose).
  const txnOfOffset = new Map<number, (typeof history.txns)[number]>();
  for (const txn of history.txns) for (const o of txn.offsets) txnOfOffset.set(o.offset, txn);
  for (const committed of cluster.committedOffsets) {
    const txn = txnOfOffset.get(committed.offset);
    if (txn?.outcome === "aborted") {
      add("read-committed", `offset ${committed.offset} committed for ${committed.group} although txn ${txn.index} was aborted`);
    }
  }
  for (const txn of history.txns) {
    if (txn.outcome !== "committed") continue;
    for (const o of txn.offsets) {
      if (!cluster.committedOffsets.some((c) => c.offset === o.offset && c.group === o.group)) {
        add("read-committed", `txn ${txn.index} committed, but its offset ${o.offset} for ${o.group} is not committed`);
      }
    }
  }

  for (const instance of history.instances) {
    const available = instance.bufferAvailableAfterClose;
    if (available !== undefined && available !== instance.bufferMemory) {
      add(
        "buffer-memory",
        `producer #${instance.index}: buffer-available-bytes is ${available} after close, bufferMemory is ${instance.bufferMemory}`,
      );
    }
  }

  for (const send of history.sends) {
    if (send.probe && send.result === undefined) {
      add(
        "progress",
        `after the faults healed, record ${send.id} to ${send.topic}-${send.partition} failed: ${send.error ?? "never settled"}`,
      );
    }
  }
  for (const note of history.notes) add(note.invariant, note.detail);
  for (const text of cluster.protocolViolations) add("protocol", text);
  for (const text of cluster.modelErrors) add("model", text);

  for (const [invariant, n] of counts) {
    if (n > MAX_PER_INVARIANT) out.push({ invariant, detail: `... and ${n - MAX_PER_INVARIANT} more` });
  }
  return out;
}

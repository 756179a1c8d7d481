"""librdkafka (through confluent-kafka-python) under the same workload as tools/bench.ts.

Prints kafka-producer-perf-test's final line and a BENCH_JSON line. produce() is called
once per record with a delivery callback, as the Java tool calls send(); poll(0) serves
callbacks, and a full local queue (BufferError) waits in poll, as Java's send() blocks.
--keys N gives record i the key "key-<(i * 48271) mod N>", as tools/perf/keys.ts does, and
places keys as the Java client does (partitioner murmur2_random).

  python librdkafka_peer.py --bootstrap 127.0.0.1:9092 --topic t --num-records N --record-size 100
      [--throughput R] [--acks all] [--idempotent true] [--compression none] [--linger-ms 5] [--batch-size 65536]
      [--keys N]
"""
import argparse
import json
import random
import time

from confluent_kafka import Producer

parser = argparse.ArgumentParser()
parser.add_argument("--bootstrap", required=True)
parser.add_argument("--topic", required=True)
parser.add_argument("--num-records", type=int, required=True)
parser.add_argument("--record-size", type=int, required=True)
parser.add_argument("--throughput", type=int, default=-1)
parser.add_argument("--acks", default="all")
parser.add_argument("--idempotent", default="true")
parser.add_argument("--compression", default="none")
parser.add_argument("--linger-ms", default="5")
parser.add_argument("--batch-size", default="65536")
parser.add_argument("--keys", type=int, default=0)
args = parser.parse_args()

config = {
    "bootstrap.servers": args.bootstrap,
    "acks": args.acks,
    "enable.idempotence": args.idempotent,
    "compression.type": args.compression,
    "linger.ms": args.linger_ms,
    "batch.size": args.batch_size,
}
# librdkafka's default (consistent_random) hashes keys by CRC32; murmur2_random is the Java client's placement.
if args.keys > 0:
    config["partitioner"] = "murmur2_random"
producer = Producer(config)
payload = bytes(random.randint(65, 90) for _ in range(args.record_size))
# Encoded once, outside the measured loop, as the other peers do (KEY_STRIDE in tools/perf/keys.ts).
KEY_STRIDE = 48271
keys = [b"key-%d" % k for k in range(args.keys)]

n = args.num_records
sampling = max(1, n // min(n, 500_000))
latencies = []
count = 0
total_latency = 0
max_latency = 0
failed = 0
start = time.time()


def callback_for(send_ms):
    def done(err, _msg):
        global count, total_latency, max_latency, failed
        if err is not None:
            failed += 1
            return
        latency = int(time.time() * 1000) - send_ms
        if count % sampling == 0:
            latencies.append(latency)
        count += 1
        total_latency += latency
        max_latency = max(max_latency, latency)
    return done


sleep_deficit = 0.0
per_record = 1.0 / args.throughput if args.throughput > 0 else 0.0
for i in range(n):
    send_ms = int(time.time() * 1000)
    key = keys[(i * KEY_STRIDE) % args.keys] if keys else None
    while True:
        try:
            producer.produce(args.topic, payload, key, on_delivery=callback_for(send_ms))
            break
        except BufferError:
            producer.poll(0.01)
    producer.poll(0)
    if args.throughput > 0:
        elapsed = time.time() - start
        if elapsed > 0 and i / elapsed > args.throughput:
            sleep_deficit += per_record
            if sleep_deficit >= 0.002:
                time.sleep(sleep_deficit)
                sleep_deficit = 0.0
producer.flush()
elapsed_ms = (time.time() - start) * 1000
latencies.sort()


def pct(p):
    return latencies[int(p * len(latencies))] if latencies else 0


summary = {
    "records": count,
    "bytes": count * args.record_size,
    "elapsedMs": elapsed_ms,
    "recordsPerSec": 1000.0 * count / elapsed_ms,
    "mbPerSec": 1000.0 * count * args.record_size / elapsed_ms / 1024 / 1024,
    "avgLatencyMs": total_latency / max(count, 1),
    "maxLatencyMs": max_latency,
    "p50Ms": pct(0.5),
    "p95Ms": pct(0.95),
    "p99Ms": pct(0.99),
    "p999Ms": pct(0.999),
    "failed": failed,
}
print(
    "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
    "%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th."
    % (count, summary["recordsPerSec"], summary["mbPerSec"], summary["avgLatencyMs"], max_latency,
       summary["p50Ms"], summary["p95Ms"], summary["p99Ms"], summary["p999Ms"])
)
print("BENCH_JSON " + json.dumps(summary))
raise SystemExit(1 if failed else 0)

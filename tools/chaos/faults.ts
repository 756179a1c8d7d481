/**
 * The faults of the chaos suite. Each one is injected while the workload sends and has
 * healed when `inject` resolves.
 *
 * @module
 */
import process from "node:process";
import { describeTopic, pauseNode, resumeNode, startNode, stopNode } from "../kafka.ts";
import type { FaultyProxy, NetworkFault } from "./proxy.ts";

/** What a fault may act on. */
export interface FaultContext {
  topic: string;
  /** One proxy per broker when the fault is a network one, else empty. */
  proxies: FaultyProxy[];
  /** The workload's process id. */
  workloadPid: number;
  requestTimeoutMs: number;
  /** The brokers' `connections.max.idle.ms`. */
  brokerIdleMs: number;
}

/** A fault: its name, whether the client must go through proxies, and how to cause it. */
export interface Fault {
  readonly name: string;
  readonly proxied: boolean;
  /** Causes the fault, waits it out, heals it; resolves with what was done. */
  inject(context: FaultContext): Promise<string>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function leaderOfPartitionZero(topic: string): Promise<number> {
  const leader = (await describeTopic(topic))?.leaders[0] ?? -1;
  if (leader < 0) throw new Error(`${topic} has no leader for partition 0`);
  return leader;
}

/** A fault made by the proxies; whatever happens, they pass bytes normally again afterwards. */
function proxyFault(name: string, run: (context: FaultContext) => Promise<string>): Fault {
  return {
    name,
    proxied: true,
    async inject(context) {
      try {
        return await run(context);
      } finally {
        for (const proxy of context.proxies) proxy.setFault({ kind: "pass" });
      }
    },
  };
}

function hold(proxies: FaultyProxy[], fault: NetworkFault, ms: number): Promise<void> {
  for (const proxy of proxies) proxy.setFault(fault);
  return sleep(ms);
}

/** Every fault, in the order a run goes through them. */
export const FAULTS: readonly Fault[] = [
  {
    name: "leader-kill",
    proxied: false,
    async inject({ topic }) {
      const leader = await leaderOfPartitionZero(topic);
      await stopNode(leader, { kill: true });
      await sleep(3_000);
      await startNode(leader);
      return `SIGKILL of node ${leader} (leader of partition 0), restarted after 3 s`;
    },
  },
  {
    name: "broker-pause",
    proxied: false,
    async inject({ topic, requestTimeoutMs }) {
      const leader = await leaderOfPartitionZero(topic);
      const pauseMs = requestTimeoutMs + 3_000;
      await pauseNode(leader);
      await sleep(pauseMs);
      await resumeNode(leader);
      return `SIGSTOP of node ${leader} (leader of partition 0) for ${pauseMs} ms, then SIGCONT`;
    },
  },
  proxyFault("proxy-reset", async ({ proxies }) => {
    for (const proxy of proxies) proxy.setFault({ kind: "refuse" });
    for (let i = 0; i < 6; i++) {
      for (const proxy of proxies) proxy.resetAll();
      await sleep(500);
    }
    return "every connection reset every 500 ms and new ones refused, for 3 s";
  }),
  proxyFault("proxy-blackhole", async ({ proxies, requestTimeoutMs }) => {
    const holdMs = requestTimeoutMs + 2_000;
    await hold(proxies, { kind: "blackhole" }, holdMs);
    return `no bytes either way on open connections for ${holdMs} ms, then the held bytes delivered`;
  }),
  proxyFault("proxy-latency", async ({ proxies }) => {
    await hold(proxies, { kind: "latency", ms: 300 }, 5_000);
    return "300 ms added each way for 5 s";
  }),
  proxyFault("proxy-slicing", async ({ proxies }) => {
    await hold(proxies, { kind: "slice" }, 3_000);
    return "every byte its own TCP segment for 3 s";
  }),
  proxyFault("proxy-bandwidth", async ({ proxies }) => {
    await hold(proxies, { kind: "bandwidth", bytesPerSecond: 64 * 1024 }, 5_000);
    return "64 KiB/s each way per connection for 5 s";
  }),
  {
    name: "client-freeze",
    proxied: false,
    async inject({ workloadPid, brokerIdleMs }) {
      const freezeMs = brokerIdleMs + 3_000;
      process.kill(workloadPid, "SIGSTOP");
      try {
        await sleep(freezeMs);
      } finally {
        process.kill(workloadPid, "SIGCONT");
      }
      return `the client process stopped for ${freezeMs} ms (brokers close idle connections after ${brokerIdleMs} ms)`;
    },
  },
];

/**
 * A Cloudflare Worker that writes each request's body to Kafka as one record and
 * answers with where it landed: `POST /?topic=orders&key=k1` -> `{"topic":"orders","partition":0,"offset":42}`.
 *
 * A Worker's sockets live only as long as the request that opened them, so each
 * request gets its own producer; closing it (and its connections) is left to
 * `ctx.waitUntil`, after the response has gone out.
 *
 * Bundle and serve it locally with workerd (see tools/workerd/):
 *
 *   deno run -A tools/workerd/build.ts
 *   ./node_modules/.bin/workerd serve tools/workerd/config.capnp
 *
 * @module
 */
import { KafkaProducer } from "../mod.ts";

/** The Worker's bindings (plain-text variables). */
interface Env {
  /** `host:port[,host:port...]` of the brokers. */
  KAFKA_BOOTSTRAP_SERVERS: string;
  /** The topic when the request names none. */
  KAFKA_TOPIC?: string;
  /** "true" to speak TLS to the brokers (Workers trust the platform's CAs only). */
  KAFKA_SSL?: string;
}

/** The part of the Workers `ExecutionContext` used here. */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  async fetch(request: Request, env: Env, ctx: Context): Promise<Response> {
    const url = new URL(request.url);
    const topic = url.searchParams.get("topic") ?? env.KAFKA_TOPIC;
    if (request.method !== "POST" || !topic) return Response.json({ error: "POST a body to /?topic=<name>" }, { status: 400 });
    const producer = new KafkaProducer({
      bootstrapServers: env.KAFKA_BOOTSTRAP_SERVERS,
      clientId: "cloudflare-worker",
      ssl: env.KAFKA_SSL === "true",
    });
    try {
      const value = new Uint8Array(await request.arrayBuffer());
      const { partition, offset } = await producer.send({ topic, key: url.searchParams.get("key"), value });
      return Response.json({ topic, partition, offset });
    } catch (error) {
      return Response.json({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, { status: 502 });
    } finally {
      ctx.waitUntil(producer.close());
    }
  },
};

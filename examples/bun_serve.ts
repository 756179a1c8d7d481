/**
 * An HTTP endpoint on `Bun.serve` that writes each POSTed body to Kafka as one record and
 * answers with where it landed. On SIGTERM or Ctrl-C it stops taking requests, lets those
 * in flight finish, flushes and closes the producer, and exits with 0.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=requests PORT=8080 bun examples/bun_serve.ts
 *   curl -d 'hello' localhost:8080   # {"topic":"requests","partition":0,"offset":0}
 */
import { closeOnShutdown, KafkaProducer } from "../mod.ts";

// With bun-types installed this declaration is not needed; it keeps `deno check` happy.
declare const Bun: {
  env: Record<string, string | undefined>;
  serve(options: { port: number; fetch(request: Request): Response | Promise<Response> }): { port: number; stop(): Promise<void> };
};

const bootstrapServers = Bun.env.KAFKA_BOOTSTRAP_SERVERS ?? "127.0.0.1:9092";
const topic = Bun.env.TOPIC ?? "requests";
const port = Number(Bun.env.PORT ?? 8080); // 0: any free port

// One producer for the whole server: requests share its connections and batches.
const producer = new KafkaProducer({ bootstrapServers, clientId: "bun-serve" });

const server = Bun.serve({
  port,
  async fetch(request) {
    if (request.method !== "POST") return new Response("POST a body to write it to Kafka\n", { status: 405, headers: { allow: "POST" } });
    try {
      const { partition, offset } = await producer.send({ topic, value: new Uint8Array(await request.arrayBuffer()) });
      return Response.json({ topic, partition, offset });
    } catch (error) {
      return Response.json({ error: (error as Error).message }, { status: 503 });
    }
  },
});
console.log(`listening on ${server.port}`);

// Stop the server first, so requests in flight still get their records out; the process
// then ends by itself once the producer is closed.
closeOnShutdown(producer, { exit: false, beforeClose: () => server.stop() });

/**
 * An HTTP endpoint on `Deno.serve` that writes each POSTed body to Kafka as one record and
 * answers with where it landed. On SIGTERM or Ctrl-C it stops taking requests, lets those
 * in flight finish, flushes and closes the producer, and exits with 0.
 *
 *   KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092 TOPIC=requests PORT=8080 deno run --allow-net --allow-env examples/deno_serve.ts
 *   curl -d 'hello' localhost:8080   # {"topic":"requests","partition":0,"offset":0}
 */
import { closeOnShutdown, KafkaProducer } from "../mod.ts";

const bootstrapServers = Deno.env.get("KAFKA_BOOTSTRAP_SERVERS") ?? "127.0.0.1:9092";
const topic = Deno.env.get("TOPIC") ?? "requests";
const port = Number(Deno.env.get("PORT") ?? 8080); // 0: any free port

// One producer for the whole server: requests share its connections and batches.
const producer = new KafkaProducer({ bootstrapServers, clientId: "deno-serve" });

const server = Deno.serve({ port, onListen: ({ port }) => console.log(`listening on ${port}`) }, async (request) => {
  if (request.method !== "POST") return new Response("POST a body to write it to Kafka\n", { status: 405, headers: { allow: "POST" } });
  try {
    const { partition, offset } = await producer.send({ topic, value: new Uint8Array(await request.arrayBuffer()) });
    return Response.json({ topic, partition, offset });
  } catch (error) {
    return Response.json({ error: (error as Error).message }, { status: 503 });
  }
});

// Stop the server first, so requests in flight still get their records out; the process
// then ends by itself once the producer is closed.
closeOnShutdown(producer, { exit: false, beforeClose: () => server.shutdown() });

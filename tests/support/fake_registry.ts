/**
 * A Schema Registry in memory behind a `fetch` function, for unit tests of the client
 * and serializers (the integration tests use the harness's real Apicurio Registry):
 * registration, lookup, schemas by id, latest versions, and scripted failures.
 *
 * @module
 */

/** A fake registry; `fetch` goes in the client's config. */
export class FakeRegistry {
  readonly requests: { method: string; path: string; headers: Record<string, string>; body: unknown }[] = [];
  readonly #schemas: { schema: string; schemaType?: string }[] = [];
  readonly #subjects = new Map<string, number[]>();
  /** Answers to give before the real ones: a status with an error body, or a thrown error (no connection). */
  readonly failures: ({ status: number; errorCode: number; message: string } | Error)[] = [];
  /** A promise every request waits for first (a slow registry). */
  gate: Promise<void> | undefined;

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const path = url.pathname + url.search;
    const body = init?.body === undefined ? undefined : JSON.parse(String(init.body));
    this.requests.push({ method: init?.method ?? "GET", path, headers: { ...(init?.headers as Record<string, string>) }, body });
    if (this.gate !== undefined) {
      await new Promise<void>((resolve, reject) => {
        this.gate!.then(resolve);
        if (init?.signal?.aborted) reject(init.signal.reason);
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      });
    }
    const failure = this.failures.shift();
    if (failure instanceof Error) throw failure;
    if (failure !== undefined) return json(failure.status, { error_code: failure.errorCode, message: failure.message });
    return this.#answer(init?.method ?? "GET", url.pathname, body);
  }) as typeof fetch;

  /** Registers a schema directly; returns its id. */
  add(subject: string, schema: { schema: string; schemaType?: string }): number {
    let id = this.#schemas.findIndex((s) => s.schema === schema.schema && (s.schemaType ?? "AVRO") === (schema.schemaType ?? "AVRO")) + 1;
    if (id === 0) id = this.#schemas.push(schema);
    const versions = this.#subjects.get(subject) ?? [];
    if (!versions.includes(id)) versions.push(id);
    this.#subjects.set(subject, versions);
    return id;
  }

  #answer(method: string, pathname: string, body: { schema: string; schemaType?: string }): Response {
    const all = pathname.split("/").map(decodeURIComponent);
    // Routes start at Confluent's resources, wherever the registry's base path ends.
    const parts = all.slice(all.findIndex((part) => part === "subjects" || part === "schemas"));
    if (method === "GET" && parts[0] === "schemas" && parts[1] === "ids") {
      const schema = this.#schemas[Number(parts[2]) - 1];
      return schema ? json(200, schema) : json(404, { error_code: 40403, message: `Schema ${parts[2]} not found.` });
    }
    const subject = parts[1];
    const versions = this.#subjects.get(subject);
    if (method === "POST" && parts.length === 3 && parts[2] === "versions") return json(200, { id: this.add(subject, body) });
    if (method === "POST" && parts.length === 2) {
      const id = this.#schemas.findIndex((s) => s.schema === body.schema) + 1;
      const version = versions?.indexOf(id) ?? -1;
      if (version < 0) return json(404, { error_code: 40403, message: "Schema not found" });
      return json(200, { subject, id, version: version + 1, ...this.#schemas[id - 1] });
    }
    if (method === "GET" && parts[2] === "versions" && parts[3] === "latest") {
      if (!versions) return json(404, { error_code: 40401, message: `Subject '${subject}' not found.` });
      const id = versions[versions.length - 1];
      return json(200, { subject, id, version: versions.length, ...this.#schemas[id - 1] });
    }
    return json(404, { error_code: 404, message: `no fake route for ${method} ${pathname}` });
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/vnd.schemaregistry.v1+json" } });
}

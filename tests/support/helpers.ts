/**
 * Small helpers that tests of every layer share: bytes written as annotated hex, size-prefixed
 * frames and request headers for golden wire bytes, and a bound on how long a promise may take.
 * (The fake clocks are in producer_fixtures.ts.)
 *
 * @module
 */

const ascii = new TextEncoder();

/**
 * Parses annotated hex into bytes. Whitespace and `//` comments are ignored, and a
 * double-quoted segment stands for its UTF-8 bytes, so a golden frame can be written
 * field by field: `hex('0003 "abc" // name')`.
 */
export function hex(text: string): Uint8Array {
  const out: number[] = [];
  for (const line of text.split("\n")) {
    // Split on quoted segments first so a `//` inside quotes is not a comment.
    const parts = line.split('"');
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        out.push(...ascii.encode(parts[i]));
        continue;
      }
      const cut = parts[i].indexOf("//");
      const digits = (cut >= 0 ? parts[i].slice(0, cut) : parts[i]).replace(/\s+/g, "");
      if (!/^[0-9a-fA-F]*$/.test(digits) || digits.length % 2 !== 0) {
        throw new Error(`bad hex in golden text: ${JSON.stringify(parts[i])}`);
      }
      for (let j = 0; j < digits.length; j += 2) out.push(parseInt(digits.slice(j, j + 2), 16));
      if (cut >= 0) break;
    }
  }
  return new Uint8Array(out);
}

/** Bytes as hex, for readable assertion failures. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `payload` behind its int32 size, as every request and response frame is sent. */
export function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setInt32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/**
 * Splits a byte stream into frames: give it each chunk as it arrives, and it returns the
 * payloads (without their size) of the frames the chunk completed, keeping any partial one.
 */
export function frameSplitter(): (chunk: Uint8Array) => Uint8Array[] {
  let pending = new Uint8Array(0);
  return (chunk) => {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    pending = joined;
    const payloads: Uint8Array[] = [];
    while (pending.length >= 4) {
      const size = new DataView(pending.buffer, pending.byteOffset).getInt32(0);
      if (pending.length < 4 + size) break;
      payloads.push(pending.slice(4, 4 + size));
      pending = pending.slice(4 + size);
    }
    return payloads;
  };
}

/**
 * The annotated hex of the request header the protocol tests encode with: correlation id 1,
 * client id "cli", and (header v2, for `flexible` versions) an empty tagged-field section.
 * `flexible` is the test's own statement of the spec, not read from the codec under test.
 */
export function requestHeader(apiKey: number, version: number, flexible: boolean): string {
  const int16 = (n: number) => n.toString(16).padStart(4, "0");
  return `${int16(apiKey)} ${int16(version)} 00000001 0003 "cli" ${flexible ? "00" : ""}`;
}

/** Rejects when `promise` has not settled after `ms`: a hang becomes a failure that says what hung. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) =>
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms)
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

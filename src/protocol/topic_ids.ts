/**
 * Topics named by name or, in the versions that allow it, by id (KIP-516): the all-zero
 * id that means "by name", the check that an older version is given names only, and the
 * response fields that change with ids (a name that may be null, an id that may be absent).
 * Shared by the codecs whose topics gained ids (Metadata, DeleteTopics, CreateTopics).
 *
 * @module
 */

import { UnsupportedVersionError } from "../errors.ts";
import { readNullableString, readString } from "./fields.ts";
import type { Reader } from "./reader.ts";

/** The all-zero UUID, which the protocol uses for "no topic id". */
export const ZERO_UUID: Uint8Array = new Uint8Array(16);

/**
 * Whether a UUID is all zeros.
 *
 * @example
 * ```ts
 * import { isZeroUuid } from "./topic_ids.ts";
 * console.log(isZeroUuid(new Uint8Array(16))); // true
 * ```
 */
export function isZeroUuid(id: Uint8Array): boolean {
  for (const b of id) if (b !== 0) return false;
  return true;
}

/** A topic in a request, by name or by id. */
export interface TopicRef {
  /** The topic name; null when the topic is given by id. */
  name: string | null;
  /** The topic id (all zeros, the default, means "by name"). */
  topicId?: Uint8Array;
}

/**
 * The name of `topic`, for a version that can only name topics: throws
 * {@linkcode UnsupportedVersionError} when it is given by id (a null name or a non-zero id).
 *
 * @param api The API's name, for the error.
 * @param version The version being encoded, for the error.
 * @param topic The topic.
 * @param action What the version cannot do by id, e.g. "delete topics".
 * @example
 * ```ts
 * import { topicNameOnly } from "./topic_ids.ts";
 * console.log(topicNameOnly("DeleteTopics", 5, { name: "orders" }, "delete topics")); // "orders"
 * ```
 */
export function topicNameOnly(api: string, version: number, topic: TopicRef, action: string): string {
  if (topic.name === null || (topic.topicId !== undefined && !isZeroUuid(topic.topicId))) {
    throw new UnsupportedVersionError(api, `version ${version} cannot ${action} by id`);
  }
  return topic.name;
}

/**
 * Reads a topic name in a response: nullable in the versions with topic ids (an unknown
 * topic asked for by id has none), required before.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readTopicName } from "./topic_ids.ts";
 * console.log(readTopicName(new Reader(new Uint8Array([0])), true, true)); // null
 * ```
 */
export function readTopicName(r: Reader, flexible: boolean, nullable: boolean): string | null {
  return nullable ? readNullableString(r, flexible) : readString(r, flexible, "topic name");
}

/**
 * Reads a topic id in a response, or gives a fresh all-zero one for a version without it.
 *
 * @example
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readTopicId } from "./topic_ids.ts";
 * console.log(readTopicId(new Reader(new Uint8Array(0)), false)); // 16 zero bytes
 * ```
 */
export function readTopicId(r: Reader, present: boolean): Uint8Array {
  return present ? r.uuid() : new Uint8Array(16);
}

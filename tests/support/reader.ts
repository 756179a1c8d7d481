/**
 * The independent reader the producer tests trust: the Java consumer, from the Kafka jars
 * the harness downloads (see tools/reader/read_topic.ts).
 *
 * @module
 */
export { readTopic, type ReadTopicOptions, type TopicRecord, type WriteRecord, writeRecords } from "../../tools/reader/read_topic.ts";

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The test suite's independent reader (and writer): the Java client reads a topic back, or
 * writes records to it, for tools/reader/read_topic.ts.
 *
 * <pre>
 *   TopicReader read TOPIC [PARTITION]     every record from the beginning to the end offsets seen at start
 *   TopicReader produce TOPIC PARTITION    writes the records of stdin, prints each one's offset
 * </pre>
 *
 * Stdin starts with the client's properties (java.util.Properties text, ended by an empty line
 * or EOF); in produce mode the records follow, one JSON object a line. Keys, values and header
 * names and values are base64 (null stays null) both ways, so every byte survives and the
 * output needs no string escaping. A missing topic exits with 2 and says so on stderr.
 */
public final class TopicReader {
  private static final Base64.Encoder B64 = Base64.getEncoder();
  private static final Base64.Decoder UNB64 = Base64.getDecoder();

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Properties props = readProperties(in);
    if (args.length >= 2 && args[0].equals("read")) {
      System.exit(read(props, args[1], args.length > 2 ? Integer.parseInt(args[2]) : -1));
    } else if (args.length == 3 && args[0].equals("produce")) {
      System.exit(produce(props, args[1], Integer.parseInt(args[2]), in));
    }
    System.err.println("usage: TopicReader read TOPIC [PARTITION] | produce TOPIC PARTITION");
    System.exit(64);
  }

  private static Properties readProperties(BufferedReader in) throws Exception {
    StringBuilder text = new StringBuilder();
    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) text.append(line).append('\n');
    Properties props = new Properties();
    props.load(new StringReader(text.toString()));
    return props;
  }

  private static int read(Properties props, String topic, int onlyPartition) {
    props.put("key.deserializer", ByteArrayDeserializer.class.getName());
    props.put("value.deserializer", ByteArrayDeserializer.class.getName());
    // Reading must never change the cluster: no topic made by asking for it, no offsets committed.
    props.putIfAbsent("allow.auto.create.topics", "false");
    props.put("enable.auto.commit", "false");
    props.putIfAbsent("auto.offset.reset", "earliest");
    PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic);
      if (infos == null || infos.isEmpty()) {
        System.err.println("TopicReader: topic " + topic + " does not exist");
        return 2;
      }
      List<TopicPartition> partitions = new ArrayList<>();
      for (PartitionInfo info : infos) {
        if (onlyPartition < 0 || info.partition() == onlyPartition) partitions.add(new TopicPartition(topic, info.partition()));
      }
      if (partitions.isEmpty()) {
        System.err.println("TopicReader: topic " + topic + " has no partition " + onlyPartition);
        return 2;
      }
      consumer.assign(partitions);
      // With a group.id, start where that group committed (as a group consumer would), else at the beginning.
      Map<TopicPartition, OffsetAndMetadata> committed = props.containsKey("group.id")
          ? consumer.committed(new HashSet<>(partitions))
          : Map.of();
      for (TopicPartition tp : partitions) {
        OffsetAndMetadata at = committed.get(tp);
        if (at == null) consumer.seekToBeginning(List.of(tp));
        else consumer.seek(tp, at.offset());
      }
      // Under read_committed these are the last stable offsets.
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Set<TopicPartition> pending = new HashSet<>(partitions);
      while (true) {
        List<TopicPartition> done = new ArrayList<>();
        for (TopicPartition tp : pending) if (consumer.position(tp) >= ends.get(tp)) done.add(tp);
        done.forEach(pending::remove);
        consumer.pause(done);
        if (pending.isEmpty()) break;
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          if (r.offset() < ends.get(tp)) out.println(json(r));
        }
      }
    }
    out.flush();
    return out.checkError() ? 1 : 0;
  }

  private static String json(ConsumerRecord<byte[], byte[]> r) {
    StringBuilder s = new StringBuilder(256);
    s.append("{\"partition\":").append(r.partition())
        .append(",\"offset\":").append(r.offset())
        .append(",\"timestamp\":").append(r.timestamp())
        .append(",\"timestampType\":\"");
    switch (r.timestampType()) {
      case CREATE_TIME -> s.append("create");
      case LOG_APPEND_TIME -> s.append("logappend");
      default -> s.append("unknown");
    }
    s.append("\",\"key\":").append(b64(r.key())).append(",\"value\":").append(b64(r.value())).append(",\"headers\":[");
    boolean first = true;
    for (Header h : r.headers()) {
      if (!first) s.append(',');
      first = false;
      s.append('[').append(b64(h.key().getBytes(StandardCharsets.UTF_8))).append(',').append(b64(h.value())).append(']');
    }
    return s.append("]}").toString();
  }

  private static String b64(byte[] bytes) {
    return bytes == null ? "null" : "\"" + B64.encodeToString(bytes) + "\"";
  }

  private static int produce(Properties props, String topic, int partition, BufferedReader in) throws Exception {
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    props.putIfAbsent("acks", "all");
    ObjectMapper mapper = new ObjectMapper();
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) continue;
        JsonNode record = mapper.readTree(line);
        RecordHeaders headers = new RecordHeaders();
        for (JsonNode h : record.path("headers")) {
          headers.add(new String(unb64(h.get(0)), StandardCharsets.UTF_8), unb64(h.get(1)));
        }
        Long timestamp = record.hasNonNull("timestamp") ? record.get("timestamp").asLong() : null;
        sends.add(producer.send(new ProducerRecord<>(topic, partition, timestamp, unb64(record.get("key")), unb64(record.get("value")), headers)));
      }
      producer.flush();
      for (Future<RecordMetadata> send : sends) System.out.println("{\"offset\":" + send.get().offset() + "}");
    }
    System.out.flush();
    return 0;
  }

  private static byte[] unb64(JsonNode node) {
    return node == null || node.isNull() ? null : UNB64.decode(node.asText());
  }
}

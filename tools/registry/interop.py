"""Confluent's Python serdes (confluent-kafka) against the same Schema Registry, as the
independent implementation our serializers are checked against.

    python interop.py decode|encode URL FORMAT TOPIC SCHEMA_JSON < lines

FORMAT is avro, json or protobuf. `decode` reads one hex-encoded record value a line and
prints each decoded value as a JSON line; `encode` reads one JSON value a line and prints
the record value Confluent's serializer writes, in hex. Protobuf uses shop.Order (see
tests/support/shop_proto.ts), built here from descriptor_pb2 by hand; Apicurio's
`format=serialized` answers are not base64, so the Protobuf deserializer gets no registry
client and the schema id each record names is checked with a GET /schemas/ids/{id}.
"""
import base64
import json
import sys
import urllib.request

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass


REQUEST_TIMEOUT_S = 10


def shop_order_class():
    f = descriptor_pb2.FileDescriptorProto(name="shop.proto", package="shop", syntax="proto3")
    item = f.message_type.add(name="Item")
    item.field.add(name="sku", number=1, type=9, label=1)
    item.field.add(name="qty", number=2, type=5, label=1)
    order = f.message_type.add(name="Order")
    order.field.add(name="id", number=1, type=9, label=1)
    order.field.add(name="amount", number=2, type=1, label=1)
    order.field.add(name="items", number=3, type=11, label=3, type_name=".shop.Item")
    order.field.add(name="note", number=4, type=11, label=1, type_name=".shop.Order.Note")
    note = order.nested_type.add(name="Note")
    note.field.add(name="text", number=1, type=9, label=1)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return GetMessageClass(pool.FindMessageTypeByName("shop.Order"))


def main():
    action, url, fmt, topic, schema = sys.argv[1:6]
    # Without a timeout the client waits forever on a request the registry never answers (seen once in CI);
    # with one, the client retries it as it does any transport error.
    client = SchemaRegistryClient({"url": url, "timeout": REQUEST_TIMEOUT_S})
    ctx = SerializationContext(topic, MessageField.VALUE)
    order_class = shop_order_class() if fmt == "protobuf" else None
    if action == "decode":
        if fmt == "avro":
            deserialize = AvroDeserializer(client)
        elif fmt == "json":
            deserialize = JSONDeserializer(None, schema_registry_client=client)
        else:
            deserialize = ProtobufDeserializer(order_class, {"use.deprecated.format": False})
        for line in sys.stdin.read().split():
            data = bytes.fromhex(line)
            value = deserialize(data, ctx)
            if fmt == "protobuf":
                schema_id = int.from_bytes(data[1:5], "big")
                with urllib.request.urlopen(f"{url}/schemas/ids/{schema_id}", timeout=REQUEST_TIMEOUT_S) as response:
                    registered = json.loads(response.read())
                assert registered.get("schemaType") == "PROTOBUF", registered
                names = [m.name for m in descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(registered["schema"])).message_type]
                assert "Order" in names, names
                value = json_format.MessageToDict(value, preserving_proto_field_name=True)
            print(json.dumps(value, sort_keys=True))
    else:
        if fmt == "avro":
            serialize = AvroSerializer(client, schema)
        elif fmt == "json":
            serialize = JSONSerializer(schema, client)
        else:
            serialize = ProtobufSerializer(order_class, client, {"use.deprecated.format": False})
        for line in sys.stdin.read().splitlines():
            value = json.loads(line)
            if fmt == "protobuf":
                value = json_format.ParseDict(value, order_class())
            print(serialize(value, ctx).hex())


main()

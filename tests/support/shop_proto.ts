/**
 * shop.proto, built as a FileDescriptorProto (what protoc or `buf build` would give):
 * `Item { string sku = 1; int32 qty = 2; }`, then `Order { string id = 1; double amount = 2;
 * repeated Item items = 3; Note note = 4; message Note { string text = 1; } }`, so Order
 * has message indexes [1] and Order.Note [1, 0].
 *
 * @module
 */
import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

const STRING = 9;
const INT32 = 5;
const DOUBLE = 1;
const MESSAGE = 11;
const OPTIONAL = 1;
const REPEATED = 3;

/** The file, as a FileDescriptorProto message. */
export const shopFileProto = create(FileDescriptorProtoSchema, {
  name: "shop.proto",
  package: "shop",
  syntax: "proto3",
  messageType: [
    {
      name: "Item",
      field: [
        { name: "sku", number: 1, type: STRING, label: OPTIONAL, jsonName: "sku" },
        { name: "qty", number: 2, type: INT32, label: OPTIONAL, jsonName: "qty" },
      ],
    },
    {
      name: "Order",
      field: [
        { name: "id", number: 1, type: STRING, label: OPTIONAL, jsonName: "id" },
        { name: "amount", number: 2, type: DOUBLE, label: OPTIONAL, jsonName: "amount" },
        { name: "items", number: 3, type: MESSAGE, label: REPEATED, typeName: ".shop.Item", jsonName: "items" },
        { name: "note", number: 4, type: MESSAGE, label: OPTIONAL, typeName: ".shop.Order.Note", jsonName: "note" },
      ],
      nestedType: [{ name: "Note", field: [{ name: "text", number: 1, type: STRING, label: OPTIONAL, jsonName: "text" }] }],
    },
  ],
});

const file = createFileRegistry(shopFileProto, () => undefined).getFile("shop.proto")!;

/** shop.Order. */
export const OrderSchema: DescMessage = file.messages[1];
/** shop.Order.Note. */
export const NoteSchema: DescMessage = file.messages[1].nestedMessages[0];
/** shop.Item. */
export const ItemSchema: DescMessage = file.messages[0];

/**
 * The Order schemas the Schema Registry tests and benchmark share: Avro `shop.Order`
 * (id, amount, items of sku and qty) and the same shape as a JSON Schema (draft 7).
 *
 * @module
 */

/** An order as the app has it. */
export interface Order {
  id: string;
  amount: number;
  items: { sku: string; qty: number }[];
}

/** shop.Order in Avro. */
export const ORDER_AVRO = {
  type: "record",
  name: "Order",
  namespace: "shop",
  fields: [
    { name: "id", type: "string" },
    { name: "amount", type: "double" },
    {
      name: "items",
      type: {
        type: "array",
        items: { type: "record", name: "Item", fields: [{ name: "sku", type: "string" }, { name: "qty", type: "int" }] },
      },
    },
  ],
};

/** Order as a JSON Schema, draft 7. */
export const ORDER_JSON_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Order",
  type: "object",
  required: ["id", "amount", "items"],
  properties: {
    id: { type: "string" },
    amount: { type: "number" },
    items: {
      type: "array",
      items: { type: "object", required: ["sku", "qty"], properties: { sku: { type: "string" }, qty: { type: "integer" } } },
    },
  },
};

/** The i-th order of a run: no zero fields (Protobuf's JSON forms leave those out), two items. */
export function orderAt(i: number): Order {
  return { id: `o-${i}`, amount: i + 0.25, items: [{ sku: `s-${i % 7}`, qty: (i % 5) + 1 }, { sku: "x", qty: 7 }] };
}

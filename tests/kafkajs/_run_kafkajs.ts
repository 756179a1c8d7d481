/**
 * The differential test's KafkaJS side: runs the scenarios with KafkaJS 2.2.4 itself (on
 * Node) and prints what it saw as one JSON line. The test starts it with SCENARIO_ENV set.
 *
 *   SCENARIO_ENV='{...}' node --import ./tools/node_ts_register.mjs tests/kafkajs/_run_kafkajs.ts
 *
 * @module
 */
import { createRequire } from "node:module";
import process from "node:process";
import { type KafkaJSModule, runScenarios, type ScenarioEnv } from "./_differential_scenarios.ts";

const kafkajs = createRequire(import.meta.url)("kafkajs") as KafkaJSModule;
const env = JSON.parse(process.env.SCENARIO_ENV ?? "null") as ScenarioEnv;
console.log(JSON.stringify(await runScenarios(kafkajs, env)));

/**
 * Amazon MSK IAM authentication without the AWS SDK: an OAUTHBEARER token provider that
 * signs MSK's `kafka-cluster:Connect` URL with WebCrypto (SigV4), the token
 * aws-msk-iam-sasl-signer-js makes, so it runs on Cloudflare Workers and Deno as well as
 * on Bun and Node. A separate entry (`@edge-kafka/producer/msk-iam`): producers that do
 * not use it do not load it.
 *
 * @example Credentials from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
 * ```ts
 * import { KafkaProducer } from "./mod.ts";
 * import { awsCredentialsFromEnv, mskIamTokenProvider } from "./msk_iam.ts";
 * const producer = new KafkaProducer({
 *   bootstrapServers: "b-1.mycluster.abc123.c2.kafka.us-east-1.amazonaws.com:9098",
 *   ssl: true,
 *   sasl: {
 *     mechanism: "oauthbearer",
 *     oauthBearerProvider: mskIamTokenProvider({ region: "us-east-1", credentials: awsCredentialsFromEnv() }),
 *   },
 * });
 * ```
 *
 * @example In a Worker: the credentials from its `env` bindings
 * ```ts
 * import { awsCredentialsFromEnv, mskIamTokenProvider } from "./msk_iam.ts";
 * function provider(env: Record<string, string>) {
 *   return mskIamTokenProvider({ region: env.AWS_REGION, credentials: awsCredentialsFromEnv(env) });
 * }
 * ```
 *
 * @module
 */
export { mskIamToken, mskIamTokenProvider } from "./src/security/msk_iam.ts";
export type { MskIamOptions, MskIamToken } from "./src/security/msk_iam.ts";
export { awsCredentialsFromEnv } from "./src/security/aws_credentials.ts";
export type { AwsCredentials, AwsCredentialsProvider, EnvironmentSource } from "./src/security/aws_credentials.ts";
export type { AwsSigningCredentials } from "./src/security/sigv4.ts";

/**
 * AWS credentials for signing (MSK IAM): given as an object, or by a function called for
 * every token (so rotating credentials are picked up), or read from the environment
 * variables the AWS SDKs read (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`, `AWS_CREDENTIAL_EXPIRATION`).
 *
 * @module
 */
import { KafkaError } from "../errors.ts";
import { environmentVariable } from "../runtimes/environment.ts";
import type { AwsSigningCredentials } from "./sigv4.ts";

/**
 * AWS credentials; the AWS SDK's `AwsCredentialIdentity` has this shape, so its
 * credential providers (`fromNodeProviderChain()`, `fromTemporaryCredentials()`, ...) can
 * be passed as they are.
 *
 * @example
 * ```ts
 * import type { AwsCredentials } from "./aws_credentials.ts";
 * const credentials: AwsCredentials = { accessKeyId: "ASIAEXAMPLE", secretAccessKey: "secret", sessionToken: "token", expiration: new Date(Date.now() + 3_600_000) };
 * ```
 */
export interface AwsCredentials extends AwsSigningCredentials {
  /** When temporary credentials expire; a token is never valid past it. */
  expiration?: Date;
}

/**
 * Returns the credentials to sign the next token with; called for every token.
 *
 * @example
 * ```ts
 * import type { AwsCredentialsProvider } from "./aws_credentials.ts";
 * const provider: AwsCredentialsProvider = () => Promise.resolve({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" });
 * ```
 */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * Where environment variables come from: an object of them (a Worker's `env` bindings,
 * the process's environment object), or a function that reads one.
 *
 * @example
 * ```ts
 * import type { EnvironmentSource } from "./aws_credentials.ts";
 * const fromObject: EnvironmentSource = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" };
 * ```
 */
export type EnvironmentSource = Readonly<Record<string, unknown>> | ((name: string) => string | undefined);

/**
 * A provider reading the credentials from environment variables at each call:
 * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and for temporary credentials
 * `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION` (ISO 8601). Without `env`, the
 * process's environment, through the runtime adapter in src/runtimes/environment.ts (a
 * runtime with permissions must allow reading it); on Workers, pass the handler's `env`.
 * Rejects, naming the variables, when the key id or secret is missing.
 *
 * @example
 * ```ts
 * import { awsCredentialsFromEnv } from "./aws_credentials.ts";
 * const credentials = awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
 * console.log((await credentials()).accessKeyId); // "AKIDEXAMPLE"
 * ```
 */
export function awsCredentialsFromEnv(env?: EnvironmentSource): AwsCredentialsProvider {
  const read = (name: string): string | undefined => {
    const value = env === undefined ? environmentVariable(name) : typeof env === "function" ? env(name) : env[name];
    return typeof value === "string" && value.length > 0 ? value : undefined;
  };
  return () => {
    try {
      const accessKeyId = read("AWS_ACCESS_KEY_ID");
      const secretAccessKey = read("AWS_SECRET_ACCESS_KEY");
      if (accessKeyId === undefined || secretAccessKey === undefined) {
        const missing = [
          accessKeyId === undefined ? "AWS_ACCESS_KEY_ID" : [],
          secretAccessKey === undefined ? "AWS_SECRET_ACCESS_KEY" : [],
        ];
        throw new KafkaError(`AWS credentials from the environment: ${missing.flat().join(" and ")} not set`);
      }
      const credentials: AwsCredentials = { accessKeyId, secretAccessKey };
      const sessionToken = read("AWS_SESSION_TOKEN");
      if (sessionToken !== undefined) credentials.sessionToken = sessionToken;
      const expiration = read("AWS_CREDENTIAL_EXPIRATION");
      if (expiration !== undefined) {
        const date = new Date(expiration);
        if (Number.isNaN(date.getTime())) throw new KafkaError(`AWS_CREDENTIAL_EXPIRATION is not a date: ${JSON.stringify(expiration)}`);
        credentials.expiration = date;
      }
      return Promise.resolve(credentials);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}

/**
 * Seeding helpers: the real AWS SDK against a test endpoint (moto, usually),
 * with fake static credentials and one client set per region.
 *
 * @example
 * ```ts
 * using seeder = createSeeder(moto.url);
 * const { arn } = await seeder.createSecret("us-east-1", "db/password", "hunter2");
 * await seeder.putParameter("us-east-1", "/app/flag", "on");
 * ```
 *
 * @module
 */

import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { LabelParameterVersionCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { AssumeRoleWithWebIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type SecretSample, SeededValues } from "./leak_check.ts";

/** Static credentials; moto accepts any. */
export interface SeederCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
}

/** Options of {@linkcode createSeeder}. */
export interface SeederOptions {
  /** Credentials to sign with. @default {{ accessKeyId: "AKIDTEST", secretAccessKey: "test" }} */
  credentials?: SeederCredentials;
  /** An endpoint per region (one emulator per region); other regions use the one given. @default {{}} */
  endpoints?: Record<string, string>;
}

/** What {@linkcode Seeder.createSecret} created. */
export interface SeededSecret {
  /** Full ARN (moto appends a random 6-character suffix like AWS). */
  arn: string;
  /** Secret name. */
  name: string;
  /** Version id of the first value, staged AWSCURRENT. */
  versionId: string;
}

/** Credentials returned by STS AssumeRoleWithWebIdentity. */
export interface AssumedRole {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token. */
  sessionToken: string;
  /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  assumedRoleArn: string;
}

/** Creates and changes secrets and parameters; see {@linkcode createSeeder}. */
export interface Seeder extends Disposable {
  /** Creates a secret whose first value is a string or binary. */
  createSecret(
    region: string,
    name: string,
    value: string | Uint8Array,
    options?: { description?: string },
  ): Promise<SeededSecret>;
  /** Adds a version; it becomes AWSCURRENT unless `versionStages` says otherwise. */
  putSecretValue(
    region: string,
    secretId: string,
    value: string | Uint8Array,
    options?: { versionStages?: string[] },
  ): Promise<{ versionId: string }>;
  /** Moves staging label `stage` to `moveToVersionId` and/or off `removeFromVersionId`. */
  updateSecretVersionStage(
    region: string,
    secretId: string,
    stage: string,
    options: { moveToVersionId?: string; removeFromVersionId?: string },
  ): Promise<void>;
  /** Deletes a secret at once (no recovery window). */
  deleteSecret(region: string, secretId: string): Promise<void>;
  /** Creates a parameter (or a new version with `overwrite`); type defaults to String. */
  putParameter(
    region: string,
    name: string,
    value: string,
    options?: { type?: "String" | "SecureString" | "StringList"; overwrite?: boolean },
  ): Promise<{ version: number }>;
  /** Attaches labels to a parameter version. */
  labelParameterVersion(
    region: string,
    name: string,
    version: number,
    labels: string[],
  ): Promise<void>;
  /**
   * Every value written so far (secrets, their JSON fields, parameters), for
   * the leak check: none may appear in a provider log line or error.
   */
  seededValues(): SecretSample[];
  /** Calls STS AssumeRoleWithWebIdentity (moto accepts any token of 4+ chars). */
  assumeRoleWithWebIdentity(region: string, roleArn: string, token: string): Promise<AssumedRole>;
  /** Closes the SDK clients. */
  destroy(): void;
}

interface RegionClients {
  secretsManager: SecretsManagerClient;
  ssm: SSMClient;
  sts: STSClient;
}

/** SDK client settings from {@linkcode testClientConfig}. */
export interface TestClientConfig {
  /** The test endpoint. */
  endpoint: string;
  /** Region: picks moto's backend through the SigV4 credential scope. */
  region: string;
  /** Fake static credentials. */
  credentials: SeederCredentials;
  /** A fixed user agent: the SDK's default one reads `os.release()`, which needs `--allow-sys`. */
  defaultUserAgentProvider: () => Promise<[string, string][]>;
}

/**
 * Settings for a real SDK client (Secrets Manager, SSM, STS) talking to a
 * test endpoint: `new SSMClient({ ...testClientConfig(moto.url, "us-east-1"), maxAttempts: 1 })`.
 * Works without `--allow-sys`.
 */
export function testClientConfig(
  endpoint: string,
  region: string,
  options: SeederOptions = {},
): TestClientConfig {
  return {
    endpoint,
    region,
    credentials: options.credentials ?? { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    defaultUserAgentProvider: () => Promise.resolve([["aws-sdk-js-test", "0"]]),
  };
}

/** Returns a {@linkcode Seeder} whose SDK clients all use `endpoint`. */
export function createSeeder(endpoint: string, options: SeederOptions = {}): Seeder {
  const clients = new Map<string, RegionClients>();
  const seeded = new SeededValues();
  const at = (region: string): RegionClients => {
    let set = clients.get(region);
    if (set === undefined) {
      const config = testClientConfig(options.endpoints?.[region] ?? endpoint, region, options);
      set = {
        secretsManager: new SecretsManagerClient(config),
        ssm: new SSMClient(config),
        sts: new STSClient(config),
      };
      clients.set(region, set);
    }
    return set;
  };
  const destroy = () => {
    for (const set of clients.values()) {
      set.secretsManager.destroy();
      set.ssm.destroy();
      set.sts.destroy();
    }
    clients.clear();
  };

  return {
    async createSecret(region, name, value, options = {}) {
      seeded.record(value, `the value of secret ${name} in ${region}`);
      const out = await at(region).secretsManager.send(
        new CreateSecretCommand({
          Name: name,
          Description: options.description,
          ...secretValue(value),
        }),
      );
      return { arn: out.ARN!, name: out.Name!, versionId: out.VersionId! };
    },
    async putSecretValue(region, secretId, value, options = {}) {
      seeded.record(value, `a value of secret ${secretId} in ${region}`);
      const out = await at(region).secretsManager.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          VersionStages: options.versionStages,
          ...secretValue(value),
        }),
      );
      return { versionId: out.VersionId! };
    },
    async updateSecretVersionStage(region, secretId, stage, options) {
      await at(region).secretsManager.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: stage,
          MoveToVersionId: options.moveToVersionId,
          RemoveFromVersionId: options.removeFromVersionId,
        }),
      );
    },
    async deleteSecret(region, secretId) {
      await at(region).secretsManager.send(
        new DeleteSecretCommand({ SecretId: secretId, ForceDeleteWithoutRecovery: true }),
      );
    },
    async putParameter(region, name, value, options = {}) {
      seeded.record(value, `a value of parameter ${name} in ${region}`);
      const out = await at(region).ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: value,
          Type: options.type ?? "String",
          Overwrite: options.overwrite,
        }),
      );
      return { version: out.Version! };
    },
    async labelParameterVersion(region, name, version, labels) {
      await at(region).ssm.send(
        new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: labels }),
      );
    },
    async assumeRoleWithWebIdentity(region, roleArn, token) {
      const out = await at(region).sts.send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: roleArn,
          RoleSessionName: "seeder",
          WebIdentityToken: token,
        }),
      );
      const credentials = out.Credentials!;
      return {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken!,
        assumedRoleArn: out.AssumedRoleUser!.Arn!,
      };
    },
    seededValues: () => seeded.all(),
    destroy,
    [Symbol.dispose]: destroy,
  };
}

function secretValue(value: string | Uint8Array) {
  return typeof value === "string" ? { SecretString: value } : { SecretBinary: value };
}

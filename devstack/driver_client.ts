/**
 * A gRPC client that plays the CSI driver against the provider's socket: it
 * builds `attributes` the way driver v1.6 does (class parameters overlaid
 * with the pod's CSI volume context) and sends `secrets` as `null` and
 * `permission` as `"420"` unless told otherwise.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
// Not in server/mod.ts: the provider itself never loads grpc-js.
import { loadProviderProto } from "../src/server/provider_proto.ts";

/** The pod a mount is for. */
export interface TestPod {
  /** Pod name. */
  name: string;
  /** Namespace. */
  namespace: string;
  /** UID. */
  uid: string;
  /** Service account. */
  serviceAccount: string;
}

/** A default pod for tests. */
export const DEFAULT_POD: TestPod = {
  name: "app-7d9f8",
  namespace: "default",
  uid: "0f6f2a1e-5a3b-4d2c-9a51-1c2d3e4f5a6b",
  serviceAccount: "app-sa",
};

/** One mount call. */
export interface MountCall {
  /** SecretProviderClass parameters. */
  parameters: Record<string, string>;
  /** The pod (default {@linkcode DEFAULT_POD}). */
  pod?: TestPod;
  /** Tokens by audience (default: one token per audience), or the raw JSON, or null for none. */
  tokens?: Record<string, string> | string | null;
  /** The volume directory. */
  targetPath: string;
  /** JSON number string (default "420"). */
  permission?: string;
  /** `secrets` field (default the literal `null`). */
  secrets?: string;
  /** Versions of the previous mount (driver v1.5.x rotation). */
  currentObjectVersion?: { id: string; version: string }[];
  /** Deadline from now in ms (default 30 s). */
  timeoutMs?: number;
  /** Overrides the attributes string entirely (for malformed-input tests). */
  rawAttributes?: string;
}

/** A file returned by the provider (driver-writes mode). */
export interface ReturnedFile {
  /** Relative path. */
  path: string;
  /** Mode as sent (int32). */
  mode: number;
  /** Contents. */
  contents: Uint8Array;
}

/** What a mount returned. */
export type MountOutcome =
  | { ok: true; versions: Record<string, string>; files: ReturnedFile[] }
  | { ok: false; code: number; message: string };

/** Token values the default token set uses (tests check they never leak). */
export const TEST_TOKENS = {
  "sts.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.irsa-test-token-7f3a.c2lnbmF0dXJl",
  "pods.eks.amazonaws.com": "eyJhbGciOiJSUzI1NiJ9.pod-identity-test-token-91bd.c2lnbmF0dXJl",
};

/** The `secretProviderClass` volume attribute of test mounts. */
export const TEST_SECRET_PROVIDER_CLASS = "test-spc";

/**
 * The `csi.storage.k8s.io/serviceAccount.tokens` attribute of a call: its
 * raw JSON, its tokens in the driver's format, or {@linkcode TEST_TOKENS}
 * by default; null when the call sends none.
 */
export function tokensAttribute(tokens: MountCall["tokens"]): string | null {
  const chosen = tokens === undefined ? TEST_TOKENS : tokens;
  if (chosen === null || typeof chosen === "string") return chosen;
  return tokensJson(chosen, "2030-01-01T00:00:00Z");
}

/** The attributes JSON the v1.6 driver would send. */
export function driverAttributes(call: MountCall): string {
  const pod = call.pod ?? DEFAULT_POD;
  const attributes: Record<string, string> = {
    ...call.parameters,
    secretProviderClass: TEST_SECRET_PROVIDER_CLASS,
    "csi.storage.k8s.io/pod.name": pod.name,
    "csi.storage.k8s.io/pod.namespace": pod.namespace,
    "csi.storage.k8s.io/pod.uid": pod.uid,
    "csi.storage.k8s.io/serviceAccount.name": pod.serviceAccount,
    "csi.storage.k8s.io/ephemeral": "true",
  };
  const tokens = tokensAttribute(call.tokens);
  if (tokens !== null) attributes["csi.storage.k8s.io/serviceAccount.tokens"] = tokens;
  return JSON.stringify(attributes);
}

/** A driver-side client on one connection. */
export interface DriverClient {
  /** The Version RPC. */
  version(): Promise<{ version: string; runtime_name: string; runtime_version: string }>;
  /** The Mount RPC. */
  mount(call: MountCall): Promise<MountOutcome>;
  /** Every error message the provider returned, by mount call (1-based), for the leak check. */
  errors(): { call: number; message: string }[];
  /** Every token value sent so far (defaults included), for the leak check. */
  tokensSent(): string[];
  /** Closes the connection. */
  close(): void;
}

/** The `csi.storage.k8s.io/serviceAccount.tokens` value for tokens by audience, in the driver's format. */
export function tokensJson(tokens: Record<string, string>, expirationTimestamp: string): string {
  const entries = Object.entries(tokens).map(([audience, token]) => [
    audience,
    { token, expirationTimestamp },
  ]);
  return JSON.stringify(Object.fromEntries(entries));
}

/** Token values inside a tokens JSON text (`{"<audience>": {"token": "..."}}`), if it parses. */
export function tokensIn(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as Record<string, { token?: unknown } | null>;
    return Object.values(parsed ?? {}).flatMap((entry) =>
      typeof entry?.token === "string" ? [entry.token] : []
    );
  } catch {
    return [];
  }
}

/** The token values a call sends, in the attributes or in `secrets`. */
function tokensOf(call: MountCall): string[] {
  const tokens = call.tokens === undefined ? TEST_TOKENS : call.tokens;
  const sent = tokens === null
    ? []
    : typeof tokens === "string"
    ? tokensIn(tokens)
    : Object.values(tokens);
  if (call.secrets !== undefined) {
    try {
      const secrets = JSON.parse(call.secrets) as Record<string, unknown> | null;
      const text = secrets?.["csi.storage.k8s.io/serviceAccount.tokens"];
      if (typeof text === "string") sent.push(...tokensIn(text));
    } catch {
      // not JSON: nothing to record
    }
  }
  return sent;
}

/** Connects to the provider's socket. */
export function connectDriver(socketPath: string): DriverClient {
  const { Client } = loadProviderProto();
  const client = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), {
    "grpc.default_authority": "localhost",
  }) as unknown as Record<string, (...args: unknown[]) => void> & grpc.Client;
  const unary = <T>(method: string, request: unknown, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      client[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (error: grpc.ServiceError | null, response: T) => error ? reject(error) : resolve(response),
      );
    });
  const errors: { call: number; message: string }[] = [];
  const tokens = new Set<string>(Object.values(TEST_TOKENS));
  let calls = 0;
  return {
    version: () => unary("Version", { version: "v1alpha1" }, 10_000),
    async mount(call) {
      const number = ++calls;
      for (const token of tokensOf(call)) tokens.add(token);
      try {
        const response = await unary<{
          object_version: { id: string; version: string }[];
          files: { path: string; mode: number; contents: Uint8Array }[];
        }>("Mount", {
          attributes: call.rawAttributes ?? driverAttributes(call),
          secrets: call.secrets ?? "null",
          target_path: call.targetPath,
          permission: call.permission ?? "420",
          current_object_version: call.currentObjectVersion ?? [],
        }, call.timeoutMs ?? 30_000);
        return {
          ok: true,
          versions: Object.fromEntries(response.object_version.map((v) => [v.id, v.version])),
          files: response.files.map((file) => ({
            path: file.path,
            mode: file.mode,
            contents: new Uint8Array(file.contents),
          })),
        };
      } catch (error) {
        const { code, details } = error as grpc.ServiceError;
        errors.push({ call: number, message: details });
        return { ok: false, code, message: details };
      }
    },
    errors: () => [...errors],
    tokensSent: () => [...tokens],
    close: () => client.close(),
  };
}

/**
 * A liveness check of our own gRPC socket: a `Version` call through it, the
 * same call the CSI driver uses to health-check providers.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { loadProviderProto } from "./provider_proto.ts";

/** A reusable probe. */
export interface SocketProbe {
  /** Whether the socket answers `Version` within `timeoutMs` (default 1 s). */
  check(timeoutMs?: number): Promise<boolean>;
  /** Closes the probe's connection. */
  close(): void;
}

/** Creates a probe of the socket at `socketPath` (connects lazily). */
export function createSocketProbe(socketPath: string): SocketProbe {
  let client: grpc.Client | undefined;
  return {
    check(timeoutMs = 1_000) {
      if (client === undefined) {
        const { Client } = loadProviderProto();
        client = new Client(`unix:${socketPath}`, grpc.credentials.createInsecure(), {
          "grpc.default_authority": "localhost",
        });
      }
      const call = client as unknown as Record<string, grpc.requestCallback<unknown>>;
      return new Promise((resolve) => {
        (call["Version"] as unknown as (
          request: unknown,
          options: grpc.CallOptions,
          callback: (error: grpc.ServiceError | null) => void,
        ) => void)(
          { version: "v1alpha1" },
          { deadline: Date.now() + timeoutMs },
          (error) => resolve(error === null),
        );
      });
    },
    close() {
      client?.close();
    },
  };
}

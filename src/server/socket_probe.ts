/**
 * A liveness check of our own gRPC socket: a `Version` call through it, the
 * same call the CSI driver uses to health-check providers, made with
 * `node:http2` (no gRPC client library is loaded for it).
 *
 * @module
 */

import { type ClientHttp2Session, connect, constants } from "node:http2";
import { connect as connectSocket } from "node:net";
import { SERVICE_NAME } from "./provider_server.ts";

/** A reusable probe. */
export interface SocketProbe {
  /** Whether the socket answers `Version` within `timeoutMs` (default 1 s). */
  check(timeoutMs?: number): Promise<boolean>;
  /** Closes the probe's connection. */
  close(): void;
}

/** `VersionRequest{version: "v1alpha1"}` in a gRPC frame. */
const VERSION_REQUEST = new Uint8Array([
  0,
  0,
  0,
  0,
  10,
  0x0a,
  8,
  ...new TextEncoder().encode("v1alpha1"),
]);

/** Creates a probe of the socket at `socketPath` (connects lazily, reconnects after a failure). */
export function createSocketProbe(socketPath: string): SocketProbe {
  let session: ClientHttp2Session | undefined;
  const current = () => {
    if (session === undefined || session.closed || session.destroyed) {
      session = connect("http://localhost", { createConnection: () => connectSocket(socketPath) });
      session.on("error", () => {});
    }
    return session;
  };
  return {
    check(timeoutMs = 1_000) {
      return new Promise((resolve) => {
        let status: unknown;
        let settled = false;
        const settle = (ok: boolean) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(ok);
        };
        const timer = setTimeout(() => {
          settle(false);
          stream?.close(constants.NGHTTP2_CANCEL);
        }, timeoutMs);
        let stream: ReturnType<ClientHttp2Session["request"]> | undefined;
        try {
          stream = current().request({
            [constants.HTTP2_HEADER_METHOD]: "POST",
            [constants.HTTP2_HEADER_PATH]: `/${SERVICE_NAME}/Version`,
            [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
            te: "trailers",
          });
        } catch {
          settle(false);
          return;
        }
        stream.on("error", () => settle(false));
        stream.on("response", (headers) => {
          // A trailers-only answer carries the status with the headers.
          status = headers["grpc-status"];
          if (Number(headers[constants.HTTP2_HEADER_STATUS]) !== 200) settle(false);
        });
        stream.on("trailers", (trailers) => status = trailers["grpc-status"]);
        stream.on("data", () => {});
        stream.on("close", () => settle(status === "0"));
        stream.end(VERSION_REQUEST);
      });
    },
    close() {
      session?.destroy();
    },
  };
}

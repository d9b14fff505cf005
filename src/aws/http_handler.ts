/**
 * The HTTP handler of every AWS client: keep-alive connections, bounded
 * attempts.
 *
 * @module
 */

import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";

/** Concurrent connections per AWS endpoint. */
const MAX_SOCKETS = 256;

/**
 * A handler whose attempts fail instead of hanging: 5 s to connect, 10 s for
 * the answer (then the SDK retries). The smithy connection timer starts when
 * a request waits for a pooled socket, so the pool is large enough that a
 * storm of mounts does not turn queueing into timeouts.
 */
export function awsHttpHandler(): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: 5_000,
    requestTimeout: 10_000,
    throwOnRequestTimeout: true,
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }),
  });
}

/**
 * The pod a mount is for, as identity needs it: whose service account the
 * credentials belong to and which node's region it runs in.
 *
 * @module
 */

/** A pod, from the attributes the driver sends. */
export interface PodRef {
  /** Pod namespace. */
  namespace: string;
  /** Pod name. */
  name: string;
  /** Pod UID. */
  uid: string;
  /** Service account name. */
  serviceAccount: string;
}

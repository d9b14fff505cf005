/**
 * AWS call failures: a readable description and the Go provider's fatal or
 * non-fatal classification.
 *
 * The Go provider treats an error as fatal (no failover) only when the AWS SDK
 * for Go modeled it as a client fault for that operation. The JavaScript SDK
 * marks every unmodeled error as a client fault too, so we classify by error
 * name against the modeled lists instead of trusting `$fault`.
 *
 * @module
 */

/** A failed AWS (or credential) call, ready for errors and logs. */
export interface AwsFailure {
  /** Error code (`ResourceNotFoundException`, `ThrottlingException`, `ECONNRESET`, ...). */
  code: string;
  /** The service's message (never a secret value). */
  message: string;
  /** HTTP status, when the service answered. */
  httpStatus: number | undefined;
  /** Whether the failure is a modeled client fault: no other region may answer instead. */
  fatal: boolean;
  /** One-line description: `operation error <Service>: <Op>, ...`. */
  text: string;
}

/** Modeled client faults of Secrets Manager's GetSecretValue (and batch entries). */
export const SECRETS_MANAGER_FATAL = new Set([
  "ResourceNotFoundException",
  "InvalidParameterException",
  "InvalidRequestException",
  "DecryptionFailure",
]);

/** Modeled client faults of BatchGetSecretValue with filters (its pages add a token error). */
export const SECRETS_MANAGER_FILTER_FATAL = new Set([
  ...SECRETS_MANAGER_FATAL,
  "InvalidNextTokenException",
]);

/** Modeled client faults of SSM's GetParameters. */
export const SSM_FATAL = new Set(["InvalidKeyId"]);

/** Modeled client faults of SSM's GetParametersByPath. */
export const SSM_PATH_FATAL = new Set([
  "InvalidFilterKey",
  "InvalidFilterOption",
  "InvalidFilterValue",
  "InvalidKeyId",
  "InvalidNextToken",
]);

/** Modeled client faults of STS AssumeRoleWithWebIdentity (query and JS names). */
export const STS_FATAL = new Set([
  "ExpiredTokenException",
  "ExpiredToken",
  "IDPCommunicationErrorException",
  "IDPCommunicationError",
  "IDPRejectedClaimException",
  "IDPRejectedClaim",
  "InvalidIdentityTokenException",
  "InvalidIdentityToken",
  "MalformedPolicyDocumentException",
  "MalformedPolicyDocument",
  "PackedPolicyTooLargeException",
  "PackedPolicyTooLarge",
  "RegionDisabledException",
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  awsFailure?: AwsFailure;
}

/**
 * Describes an error thrown by an AWS SDK call.
 *
 * @param operation e.g. `Secrets Manager: GetSecretValue`.
 * @param fatalCodes the operation's modeled client faults.
 */
export function describeAwsError(
  error: unknown,
  operation: string,
  fatalCodes: ReadonlySet<string>,
): AwsFailure {
  const shape = (error ?? {}) as SdkErrorShape;
  if (shape.awsFailure !== undefined) return shape.awsFailure;
  const status = shape.$metadata?.httpStatusCode;
  const code = shape.name && shape.name !== "Error" ? shape.name : shape.code ?? "Error";
  const message = oneLine(shape.message ?? String(error));
  const requestId = shape.$metadata?.requestId ?? "";
  const detail = status !== undefined
    ? `https response error StatusCode: ${status}, RequestID: ${requestId}, ${code}: ${message}`
    : `request send failed, ${code}: ${message}`;
  return {
    code,
    message,
    httpStatus: status,
    fatal: fatalCodes.has(code),
    text: `operation error ${operation}, ${detail}`,
  };
}

/** A failure that did not come from the SDK (bad JSON for jmesPath, missing entries, ...). */
export function localFailure(code: string, text: string, fatal = false): AwsFailure {
  return { code, message: text, httpStatus: undefined, fatal, text };
}

/** An Error carrying an {@linkcode AwsFailure}, for failures that must travel as exceptions. */
export class AwsFailureError extends Error {
  /** Wraps the failure. */
  constructor(readonly awsFailure: AwsFailure) {
    super(awsFailure.text);
    this.name = awsFailure.code;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

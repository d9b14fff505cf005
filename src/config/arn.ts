/**
 * Amazon Resource Names, parsed the way aws-sdk-go's `arn.Parse` does it.
 *
 * @module
 */

/** The parts of an ARN (`arn:partition:service:region:account:resource`). */
export interface Arn {
  /** `aws`, `aws-cn`, `aws-us-gov`, ... */
  partition: string;
  /** `secretsmanager`, `ssm`, ... */
  service: string;
  /** The region the resource lives in. */
  region: string;
  /** The owning account id. */
  accountId: string;
  /** Everything after the fifth colon (may contain more colons). */
  resource: string;
}

/** Whether `name` is meant as an ARN (the Go provider's test: an `arn:` prefix). */
export function isArn(name: string): boolean {
  return name.startsWith("arn:");
}

/**
 * Parses an ARN: the text must start with `arn:` and have at least six
 * colon-separated sections; the resource keeps any further colons.
 *
 * @returns the parts, or `undefined` when the text is not a valid ARN.
 */
export function parseArn(text: string): Arn | undefined {
  if (!isArn(text)) return undefined;
  const sections = text.split(":");
  if (sections.length < 6) return undefined;
  return {
    partition: sections[1],
    service: sections[2],
    region: sections[3],
    accountId: sections[4],
    resource: sections.slice(5).join(":"),
  };
}

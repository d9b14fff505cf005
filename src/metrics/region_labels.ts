/**
 * Bounded label values for AWS regions. Region names come from
 * SecretProviderClasses, so a metric labelled with them as given could gain a
 * series per made-up region. A region earns its own label value once an AWS
 * endpoint answered in it (a made-up region has no endpoint), and at most
 * `max` regions do; everything else is counted as `other`.
 *
 * @module
 */

/** The label value of every region without one of its own. */
export const OTHER_REGION = "other";

/** Region label values, at most `max` of them besides {@linkcode OTHER_REGION}. */
export class RegionLabels {
  #known = new Set<string>();
  #max: number;

  /** Creates the set (default: 64 regions, more than AWS has). */
  constructor(max = 64) {
    this.#max = max;
  }

  /**
   * The label value for `region`.
   *
   * @param answered whether an AWS endpoint answered in this region (any HTTP status).
   */
  label(region: string, answered: boolean): string {
    if (this.#known.has(region)) return region;
    if (answered && this.#known.size < this.#max) {
      this.#known.add(region);
      return region;
    }
    return OTHER_REGION;
  }
}

/**
 * Go's `sort.Stable` (insertion sort of blocks of 20, then in-place
 * SymMerge), for the one case where the algorithm shows through: `sort_by`
 * with NaN keys, whose comparison is not a strict weak order, so that
 * another stable sort could order the same keys differently from Go.
 *
 * @module
 */

/** The two operations the sort uses, by index (Go's `sort.Interface` without `Len`). */
export interface SortAccess {
  /** Whether the element at `i` sorts before the one at `j`. */
  less(i: number, j: number): boolean;
  /** Exchanges the elements at `i` and `j`. */
  swap(i: number, j: number): void;
}

/**
 * Sorts `length` elements through `data` exactly as Go's `sort.Stable`
 * does: the same calls to `less` and `swap` in the same order.
 *
 * @example
 * ```ts
 * const a = [3, 1, 2];
 * goStableSort(a.length, { less: (i, j) => a[i] < a[j], swap: (i, j) => [a[i], a[j]] = [a[j], a[i]] });
 * // a is [1, 2, 3]
 * ```
 */
export function goStableSort(length: number, data: SortAccess): void {
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= length) {
    insertionSort(data, a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(data, a, length);
  while (blockSize < length) {
    a = 0;
    b = 2 * blockSize;
    while (b <= length) {
      symMerge(data, a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < length) symMerge(data, a, m, length);
    blockSize *= 2;
  }
}

function insertionSort(data: SortAccess, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && data.less(j, j - 1); j--) data.swap(j, j - 1);
  }
}

/** Merges the sorted runs [a, m) and [m, b) in place (SymMerge of Kim and Kutzner). */
function symMerge(data: SortAccess, a: number, m: number, b: number): void {
  if (m - a === 1) {
    // Binary search for the first element of [m, b) not less than data[a], then rotate a there.
    let i = m;
    let j = b;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (data.less(h, a)) i = h + 1;
      else j = h;
    }
    for (let k = a; k < i - 1; k++) data.swap(k, k + 1);
    return;
  }
  if (b - m === 1) {
    // Binary search for the first element of [a, m) greater than data[m], then rotate m there.
    let i = a;
    let j = m;
    while (i < j) {
      const h = (i + j) >>> 1;
      if (!data.less(m, h)) i = h + 1;
      else j = h;
    }
    for (let k = m; k > i; k--) data.swap(k, k - 1);
    return;
  }
  const mid = (a + b) >>> 1;
  const n = mid + m;
  let start: number;
  let r: number;
  if (m > mid) {
    start = n - b;
    r = mid;
  } else {
    start = a;
    r = m;
  }
  const p = n - 1;
  while (start < r) {
    const c = (start + r) >>> 1;
    if (!data.less(p - c, c)) start = c + 1;
    else r = c;
  }
  const end = n - start;
  if (start < m && m < end) rotate(data, start, m, end);
  if (a < start && start < mid) symMerge(data, a, start, mid);
  if (mid < end && end < b) symMerge(data, mid, end, b);
}

/** Exchanges the blocks [a, m) and [m, b) with swaps of equal-length ranges. */
function rotate(data: SortAccess, a: number, m: number, b: number): void {
  let i = m - a;
  let j = b - m;
  while (i !== j) {
    if (i > j) {
      swapRange(data, m - i, m, j);
      i -= j;
    } else {
      swapRange(data, m - i, m + j - i, i);
      j -= i;
    }
  }
  swapRange(data, m - i, m, i);
}

function swapRange(data: SortAccess, a: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) data.swap(a + i, b + i);
}

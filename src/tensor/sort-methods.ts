/**
 * The Tensor methods of the sorting, scan and counting ops (src/ops/sort.ts, scan.ts,
 * counting.ts): `x.sort()`, `x.cumsum(0)`, `x.unique()`, ... Imported once by methods.ts.
 */
import * as sorting from '../ops/sort.js';
import * as scan from '../ops/scan.js';
import * as counting from '../ops/counting.js';
import type { ValuesIndices } from '../ops/reduce.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    sort: Tail<typeof sorting.sort>;
    argsort: Tail<typeof sorting.argsort>;
    msort: Tail<typeof sorting.msort>;
    topk: Tail<typeof sorting.topk>;
    kthvalue: Tail<typeof sorting.kthvalue>;
    /** The lower median of all elements, or `(values, indices)` along `dim`. */
    median(): Tensor;
    median(dim: number, keepdim?: boolean): ValuesIndices;
    /** The median ignoring NaNs, of all elements or along `dim`. */
    nanmedian(): Tensor;
    nanmedian(dim: number, keepdim?: boolean): ValuesIndices;
    mode: Tail<typeof sorting.mode>;
    cumsum: Tail<typeof scan.cumsum>;
    cumprod: Tail<typeof scan.cumprod>;
    cummax: Tail<typeof scan.cummax>;
    cummin: Tail<typeof scan.cummin>;
    logcumsumexp: Tail<typeof scan.logcumsumexp>;
    aminmax: Tail<typeof counting.aminmax>;
    nansum: Tail<typeof counting.nansum>;
    nanmean: Tail<typeof counting.nanmean>;
    countNonzero: Tail<typeof counting.countNonzero>;
    unique: Tail<typeof counting.unique>;
    uniqueConsecutive: Tail<typeof counting.uniqueConsecutive>;
    bincount: Tail<typeof counting.bincount>;
    histc: Tail<typeof counting.histc>;
  }
}

const methods: MethodTable = {
  sort: sorting.sort, argsort: sorting.argsort, msort: sorting.msort, topk: sorting.topk, kthvalue: sorting.kthvalue,
  median: sorting.median, nanmedian: sorting.nanmedian, mode: sorting.mode,
  cumsum: scan.cumsum, cumprod: scan.cumprod, cummax: scan.cummax, cummin: scan.cummin, logcumsumexp: scan.logcumsumexp,
  aminmax: counting.aminmax, nansum: counting.nansum, nanmean: counting.nanmean, countNonzero: counting.countNonzero,
  unique: counting.unique, uniqueConsecutive: counting.uniqueConsecutive, bincount: counting.bincount, histc: counting.histc,
};
installMethods(methods);

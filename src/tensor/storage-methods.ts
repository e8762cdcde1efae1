/**
 * The Tensor methods of the storage-level ops: the as_strided family and resize_
 * (src/ops/strided.ts), put and index_reduce (src/ops/put-index-reduce.ts), and sgn and
 * isSetTo (tensor-queries.ts): `x.asStrided(size, stride)`, `x.resize_(2, 3)`,
 * `x.put_(index, source)`, `x.indexReduce(0, index, source, 'amax')`, ... Imported once by
 * methods.ts.
 */
import * as strided from '../ops/strided.js';
import * as putIndexReduce from '../ops/put-index-reduce.js';
import * as queries from './tensor-queries.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';

declare module './tensor.js' {
  interface Tensor {
    asStrided: Tail<typeof strided.asStrided>;
    asStrided_: Tail<typeof strided.asStrided_>;
    asStridedScatter: Tail<typeof strided.asStridedScatter>;
    resize_: Tail<typeof strided.resize_>;
    resizeAs_: Tail<typeof strided.resizeAs_>;
    resize: Tail<typeof strided.resize>;
    put: Tail<typeof putIndexReduce.put>;
    put_: Tail<typeof putIndexReduce.put_>;
    indexReduce: Tail<typeof putIndexReduce.indexReduce>;
    indexReduce_: Tail<typeof putIndexReduce.indexReduce_>;
    sgn: Tail<typeof queries.sgn>;
    sgn_: Tail<typeof queries.sgn_>;
    isSetTo: Tail<typeof queries.isSetTo>;
  }
}

const methods: MethodTable = {
  asStrided: strided.asStrided,
  asStrided_: strided.asStrided_,
  asStridedScatter: strided.asStridedScatter,
  resize_: strided.resize_,
  resizeAs_: strided.resizeAs_,
  resize: strided.resize,
  put: putIndexReduce.put,
  put_: putIndexReduce.put_,
  indexReduce: putIndexReduce.indexReduce,
  indexReduce_: putIndexReduce.indexReduce_,
  sgn: queries.sgn,
  sgn_: queries.sgn_,
  isSetTo: queries.isSetTo,
};
installMethods(methods);

/**
 * The Tensor methods of src/ops/inplace-extras.ts (`x.addmm_(a, b)`, `x.t_()`,
 * `m.fillDiagonal_(0)`, `x.geometric_(p)`, `x.apply_(fn)`, ...), and `addmm` and `outer`, which
 * Tensor lacked. Imported once by methods.ts.
 */
import * as extras from '../ops/inplace-extras.js';
import { addmm, outer } from '../ops/linalg.js';
import { installMethods, type MethodTable, type Tail } from './method-install.js';


declare module './tensor.js' {
  interface Tensor {
    addmm: Tail<typeof addmm>;
    outer: Tail<typeof outer>;
    addmm_: Tail<typeof extras.addmm_>;
    addmv_: Tail<typeof extras.addmv_>;
    addr_: Tail<typeof extras.addr_>;
    addbmm_: Tail<typeof extras.addbmm_>;
    baddbmm_: Tail<typeof extras.baddbmm_>;
    cumsum_: Tail<typeof extras.cumsum_>;
    cumprod_: Tail<typeof extras.cumprod_>;
    scatterAdd_: Tail<typeof extras.scatterAdd_>;
    fillDiagonal_: Tail<typeof extras.fillDiagonal_>;
    squeeze_: Tail<typeof extras.squeeze_>;
    unsqueeze_: Tail<typeof extras.unsqueeze_>;
    t_: Tail<typeof extras.t_>;
    transpose_: Tail<typeof extras.transpose_>;
    swapaxes_: Tail<typeof extras.swapaxes_>;
    swapdims_: Tail<typeof extras.swapdims_>;
    geometric_: Tail<typeof extras.geometric_>;
    apply_: Tail<typeof extras.apply_>;
    map_: Tail<typeof extras.map_>;
    indexPut: Tail<typeof extras.indexPut>;
    sumToSize: Tail<typeof extras.sumToSize>;
    splitWithSizes: Tail<typeof extras.splitWithSizes>;
  }
}

const methods: MethodTable = { ...extras, addmm, outer };
installMethods(methods);

// pytorch/examples regression/main.py: the port is examples/regression.ts (runnable on its own).
export { main } from '../../../examples/regression.js';

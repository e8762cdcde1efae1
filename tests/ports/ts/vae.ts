// pytorch/examples vae/main.py: the port is examples/vae.ts (runnable on its own).
export { main } from '../../../examples/vae.js';

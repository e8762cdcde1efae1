// pytorch/examples reinforcement_learning/reinforce.py (REINFORCE with a Categorical
// policy), ported line by line from tests/ports/python/reinforce.py, CartPole included.
import * as torch from 'flint-torch';
import type { Print } from '../compare.js';

const { nn, optim } = torch;
const F = nn.functional;
const { Categorical } = torch.distributions;
type Tensor = torch.Tensor;

const GAMMA = 0.99;
const LOG_INTERVAL = 5;

class CartPole {
  static gravity = 9.8;
  static masscart = 1.0;
  static masspole = 0.1;
  static length = 0.5;
  static forceMag = 10.0;
  static tau = 0.02;
  static totalMass = CartPole.masspole + CartPole.masscart;
  static polemassLength = CartPole.masspole * CartPole.length;
  static thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  static xThreshold = 2.4;
  private g: torch.Generator;
  private state: number[] = [];

  constructor(seed: number) {
    this.g = new torch.Generator().manualSeed(seed);
  }

  reset(): number[] {
    this.state = torch.rand(4, { generator: this.g, dtype: torch.float64 }).mul(0.1).sub(0.05).tolist() as number[];
    return this.state;
  }

  step(action: number): [number[], number, boolean] {
    const C = CartPole;
    let [x, xDot, theta, thetaDot] = this.state;
    const force = action === 1 ? C.forceMag : -C.forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + C.polemassLength * thetaDot * thetaDot * sintheta) / C.totalMass;
    const thetaacc = (C.gravity * sintheta - costheta * temp) / (C.length * (4.0 / 3.0 - (C.masspole * costheta * costheta) / C.totalMass));
    const xacc = temp - (C.polemassLength * thetaacc * costheta) / C.totalMass;
    x = x + C.tau * xDot;
    xDot = xDot + C.tau * xacc;
    theta = theta + C.tau * thetaDot;
    thetaDot = thetaDot + C.tau * thetaacc;
    this.state = [x, xDot, theta, thetaDot];
    const done = x < -C.xThreshold || x > C.xThreshold || theta < -C.thetaThresholdRadians || theta > C.thetaThresholdRadians;
    return [this.state, 1.0, done];
  }
}

export function main(print: Print): void {
  const env = new CartPole(543);
  torch.manualSeed(543);

  class Policy extends nn.Module {
    affine1 = new nn.Linear(4, 128);
    dropout = new nn.Dropout(0.6);
    affine2 = new nn.Linear(128, 2);

    savedLogProbs: Tensor[] = [];
    rewards: number[] = [];

    override forward(x: Tensor): Tensor {
      x = this.affine1(x);
      x = this.dropout(x);
      x = F.relu(x);
      const actionScores = this.affine2(x);
      return F.softmax(actionScores, { dim: 1 });
    }
  }

  const policy = new Policy();
  const optimizer = new optim.Adam(policy.parameters(), { lr: 1e-2 });
  const eps = 1.1920928955078125e-7; // np.finfo(np.float32).eps.item()

  function selectAction(state: number[]): number {
    const input = torch.tensor(state).float().unsqueeze(0);
    const probs = policy(input);
    const m = new Categorical(probs);
    const action = m.sample();
    policy.savedLogProbs.push(m.logProb(action));
    return action.item();
  }

  function finishEpisode(): number {
    let R = 0;
    const policyLoss: Tensor[] = [];
    const returnsList: number[] = [];
    for (const r of [...policy.rewards].reverse()) {
      R = r + GAMMA * R;
      returnsList.unshift(R);
    }
    let returns = torch.tensor(returnsList, { dtype: torch.float32 });
    returns = returns.sub(returns.mean()).div(returns.std().add(eps));
    policy.savedLogProbs.forEach((logProb, i) => policyLoss.push(logProb.neg().mul(returns.select(0, i))));
    optimizer.zeroGrad();
    const loss = torch.cat(policyLoss).sum();
    loss.backward();
    optimizer.step();
    policy.rewards.length = 0;
    policy.savedLogProbs.length = 0;
    return loss.item();
  }

  let runningReward = 10;
  for (let iEpisode = 1; iEpisode < 31; iEpisode++) {
    let state = env.reset();
    let epReward = 0;
    for (let t = 1; t < 10000; t++) { // Don't infinite loop while learning
      const action = selectAction(state);
      const [next, reward, done] = env.step(action);
      state = next;
      policy.rewards.push(reward);
      epReward += reward;
      if (done) break;
    }

    runningReward = 0.05 * epReward + (1 - 0.05) * runningReward;
    const loss = finishEpisode();
    if (iEpisode % LOG_INTERVAL === 0) {
      print(`Episode ${iEpisode}\tLast reward: ${epReward.toFixed(2)}\tAverage reward: ${runningReward.toFixed(2)}\tLoss: ${loss.toFixed(6)}`);
    }
  }
  const m = new Categorical({ logits: policy.affine2.bias!.detach() });
  print(`Entropy of the output bias as logits: ${m.entropy().item().toFixed(6)}`);
}

/**
 * Limited-memory BFGS (Nocedal and Wright, Algorithm 7.4 with a backtracking Armijo line search)
 * for smooth convex objectives over a Float64Array. Deterministic: the same objective and start
 * give the same iterates on every machine, which is what makes the baseline reproducible.
 */

/** Writes the gradient at `x` into `gradient` and returns the objective value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Settings of {@link minimize}; every field has a default. */
export interface LbfgsOptions {
  /** Iterations at most. Default 200. */
  readonly maxIterations?: number;
  /** Stop when the gradient's infinity norm falls to this. Default 1e-5. */
  readonly gradientTolerance?: number;
  /** Stop when one step improves the objective by less than this, relative. Default 1e-10. */
  readonly relativeTolerance?: number;
  /** Correction pairs kept. Default 10. */
  readonly memory?: number;
  /** Awaited after every iteration (heartbeats, yielding to the event loop). */
  readonly onIteration?: (iteration: number, value: number) => void | Promise<void>;
}

/** Where the search stopped. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  /** True when a tolerance was met; false when the iteration limit ended the search. */
  readonly converged: boolean;
}

const ARMIJO = 1e-4;
const MAX_HALVINGS = 40;

/** Minimises `objective` from `start` (left unchanged). */
export async function minimize(
  objective: Objective,
  start: Float64Array,
  options: LbfgsOptions = {},
): Promise<LbfgsResult> {
  const { maxIterations = 200, gradientTolerance = 1e-5, relativeTolerance = 1e-10, memory = 10 } = options;
  const x = new Float64Array(start);
  const gradient = new Float64Array(x.length);
  let value = objective(x, gradient);
  const history: { s: Float64Array; y: Float64Array; rho: number }[] = [];
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    if (maxAbs(gradient) <= gradientTolerance) return done(x, value, iteration - 1, true);
    const direction = searchDirection(gradient, history);
    const step = lineSearch(objective, x, value, gradient, direction);
    if (!step) return done(x, value, iteration - 1, true);
    const improvement = value - step.value;
    remember(history, step, x, gradient, memory);
    x.set(step.x);
    gradient.set(step.gradient);
    value = step.value;
    await options.onIteration?.(iteration, value);
    if (improvement <= relativeTolerance * Math.max(1, Math.abs(value))) return done(x, value, iteration, true);
  }
  return done(x, value, maxIterations, maxAbs(gradient) <= gradientTolerance);
}

function done(x: Float64Array, value: number, iterations: number, converged: boolean): LbfgsResult {
  return { x, value, iterations, converged };
}

/** −H·g by the two-loop recursion, scaled by the latest curvature pair. */
function searchDirection(
  gradient: Float64Array,
  history: readonly { s: Float64Array; y: Float64Array; rho: number }[],
) {
  const q = new Float64Array(gradient);
  const alphas: number[] = [];
  for (let i = history.length - 1; i >= 0; i--) {
    const { s, y, rho } = history[i]!;
    const alpha = rho * dot(s, q);
    alphas[i] = alpha;
    axpy(-alpha, y, q);
  }
  const last = history.at(-1);
  const gamma = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1 / Math.max(1, norm(gradient));
  scale(q, gamma);
  for (let i = 0; i < history.length; i++) {
    const { s, y, rho } = history[i]!;
    const beta = rho * dot(y, q);
    axpy(alphas[i]! - beta, s, q);
  }
  scale(q, -1);
  return q;
}

interface Step {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
}

/** Backtracking from the unit step until the Armijo condition holds; null when no step decreases. */
function lineSearch(
  objective: Objective,
  x: Float64Array,
  value: number,
  gradient: Float64Array,
  direction: Float64Array,
) {
  let slope = dot(gradient, direction);
  if (!(slope < 0)) {
    // Not a descent direction (numerical trouble): fall back to steepest descent.
    direction.set(gradient);
    scale(direction, -1);
    slope = -dot(gradient, gradient);
  }
  let t = 1;
  const candidate = new Float64Array(x.length);
  const candidateGradient = new Float64Array(x.length);
  for (let k = 0; k < MAX_HALVINGS; k++, t /= 2) {
    candidate.set(x);
    axpy(t, direction, candidate);
    const candidateValue = objective(candidate, candidateGradient);
    if (candidateValue <= value + ARMIJO * t * slope) {
      return { x: candidate, value: candidateValue, gradient: candidateGradient } satisfies Step;
    }
  }
  return null;
}

function remember(
  history: { s: Float64Array; y: Float64Array; rho: number }[],
  step: Step,
  x: Float64Array,
  gradient: Float64Array,
  memory: number,
): void {
  const s = difference(step.x, x);
  const y = difference(step.gradient, gradient);
  const curvature = dot(s, y);
  // Skipping pairs without positive curvature keeps the implicit Hessian positive definite.
  if (!(curvature > 1e-12)) return;
  history.push({ s, y, rho: 1 / curvature });
  if (history.length > memory) history.shift();
}

/** a − b, element-wise. */
function difference(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! - b[i]!;
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max;
}

/** y ← y + alpha·x */
function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

function scale(a: Float64Array, factor: number): void {
  for (let i = 0; i < a.length; i++) a[i] = a[i]! * factor;
}

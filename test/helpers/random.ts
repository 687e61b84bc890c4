/** Seeded random numbers for reproducible synthetic data (mulberry32 from src + Box–Muller). */
export { mulberry32 } from "../../src/stats/seededRandom.js";

export function gaussian(random: () => number): () => number {
  return () => {
    let u = 0;
    while (u === 0) u = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
}

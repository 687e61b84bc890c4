export const CONSUMER_TSCONFIG: object;
export type ConsumerRun = { ok: true; result: Record<string, unknown> } | { ok: false; stage: "tsc" | "run"; output: string };
export function runConsumer(project: string, model: string, node?: string): ConsumerRun;

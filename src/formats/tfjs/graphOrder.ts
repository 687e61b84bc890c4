/**
 * Execution order of a TF.js graph model (`modelTopology.node`, a TensorFlow GraphDef as JSON). A
 * GraphDef lists nodes in no particular order (the converter puts the constants first), so the order
 * is computed: a depth-first walk from the nodes nothing consumes, each node placed after the nodes
 * it reads, in input order — the order a lazy interpreter would run them. A weight (a `Const`
 * node) is thereby placed just before the first operation that reads it, after everything upstream.
 * Iterative, so a deep graph cannot overflow the stack.
 */
import { isPlainObject } from "../strictJson.js";

interface GraphNode {
  name: string;
  inputs: string[];
}

/** "conv/Relu:1" and "^conv/Relu" (a control input) name the node "conv/Relu". */
function nodeOf(input: string): string {
  const name = input.startsWith("^") ? input.slice(1) : input;
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(0, colon);
}

function graphNodes(topology: unknown): GraphNode[] | undefined {
  if (!isPlainObject(topology) || !Array.isArray(topology.node)) return undefined;
  const nodes: GraphNode[] = [];
  for (const node of topology.node) {
    if (!isPlainObject(node) || typeof node.name !== "string") return undefined;
    const inputs = Array.isArray(node.input) ? node.input.filter((input): input is string => typeof input === "string").map(nodeOf) : [];
    nodes.push({ name: node.name, inputs });
  }
  return nodes;
}

/** Node name → position in execution order, or undefined when the topology is not a graph. */
export function executionRanks(topology: unknown): Map<string, number> | undefined {
  const nodes = graphNodes(topology);
  if (!nodes || nodes.length === 0) return undefined;
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const consumed = new Set(nodes.flatMap((node) => node.inputs));
  const ranks = new Map<string, number>();
  const entered = new Set<string>();
  const visit = (root: GraphNode): void => {
    const stack: { node: GraphNode; next: number }[] = [{ node: root, next: 0 }];
    entered.add(root.name);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.inputs.length) {
        const input = byName.get(top.node.inputs[top.next++]!);
        if (input && !entered.has(input.name)) {
          entered.add(input.name);
          stack.push({ node: input, next: 0 });
        }
      } else {
        stack.pop();
        ranks.set(top.node.name, ranks.size);
      }
    }
  };
  for (const node of nodes) if (!consumed.has(node.name) && !entered.has(node.name)) visit(node);
  // Nodes on a cycle (not valid in a GraphDef, but cheap to tolerate) are not reached from a sink.
  for (const node of nodes) if (!entered.has(node.name)) visit(node);
  return ranks;
}

/**
 * The lineage of a model version as a graph: the dataset, each step, each artifact, the teacher
 * and the version itself are nodes; reading, writing, teaching and registering are edges.
 */
import type { ModelLineage } from './types';

/** Kinds of node in a {@link LineageGraph}. */
export type LineageNodeType = 'dataset' | 'step' | 'artifact' | 'teacher' | 'version';

/** One node; `attributes` carries hashes, parameters and identities. */
export interface LineageNode {
  readonly id: string;
  readonly type: LineageNodeType;
  readonly label: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A directed edge; `name` is the step's input or output key where there is one. */
export interface LineageEdge {
  readonly from: string;
  readonly to: string;
  readonly relation: 'input' | 'output' | 'teacher' | 'registered';
  readonly name?: string;
}

/** Nodes and edges, dataset first and version last; the graph is acyclic. */
export interface LineageGraph {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** Builds the graph of one version's lineage. */
export function lineageGraph(lineage: ModelLineage): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const add = (node: LineageNode) => void (nodes.has(node.id) || nodes.set(node.id, node));
  const datasetId = `dataset:${lineage.dataset.sha256}`;
  add({ id: datasetId, type: 'dataset', label: 'dataset', attributes: { ...lineage.dataset } });

  for (const step of lineage.steps) {
    const stepId = `step:${step.step}`;
    const { params, startedAt, finishedAt } = step;
    add({ id: stepId, type: 'step', label: step.step, attributes: { params, startedAt, finishedAt } });
    if (step.step === 'clean') edges.push({ from: datasetId, to: stepId, relation: 'input', name: 'dataPath' });
    for (const input of step.inputs) {
      add(artifactNode(input));
      edges.push({ from: `artifact:${input.sha256}`, to: stepId, relation: 'input', name: input.name });
    }
    for (const output of step.outputs) {
      // The stored copy of the dataset is the dataset node itself: no self-loop through clean.
      if (output.sha256 === lineage.dataset.sha256) continue;
      add(artifactNode(output));
      edges.push({ from: stepId, to: `artifact:${output.sha256}`, relation: 'output', name: output.name });
    }
  }

  const teacherId = `teacher:${lineage.teacher.sha256}`;
  add({ id: teacherId, type: 'teacher', label: lineage.teacher.name, attributes: { ...lineage.teacher } });
  if (nodes.has('step:loadTeacher')) edges.push({ from: teacherId, to: 'step:loadTeacher', relation: 'teacher' });

  const versionId = `version:${lineage.modelName}@${lineage.version}`;
  add({
    id: versionId,
    type: 'version',
    label: `${lineage.modelName} v${lineage.version}`,
    attributes: versionAttributes(lineage),
  });
  add({
    id: `artifact:${lineage.student.sha256}`,
    type: 'artifact',
    label: 'student',
    attributes: { ...lineage.student },
  });
  edges.push({ from: `artifact:${lineage.student.sha256}`, to: versionId, relation: 'registered' });
  return { nodes: [...nodes.values()], edges };
}

function artifactNode(artifact: {
  name: string;
  kind: string;
  uri: string;
  sha256: string;
  bytes: number;
}): LineageNode {
  const { kind, uri, sha256, bytes } = artifact;
  return { id: `artifact:${sha256}`, type: 'artifact', label: kind, attributes: { kind, uri, sha256, bytes } };
}

function versionAttributes(lineage: ModelLineage): Record<string, unknown> {
  return {
    modelName: lineage.modelName,
    version: lineage.version,
    createdAt: lineage.createdAt,
    runId: lineage.run.id,
    workflowId: lineage.run.workflowId,
    triggeredBy: lineage.run.triggeredBy,
    configHash: lineage.configHash,
    codeVersion: lineage.codeVersion,
    gatePassed: lineage.gate.passed,
  };
}
